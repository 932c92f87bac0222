"""Issue 10, item 6: HTML in names (organizations, municipalities, regions, indicator labels)
stays text in Plotly charts: every string that reaches a figure is escaped, in every
builder, on the real dashboard pages, and as Chromium renders it."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import plotly.graph_objects as go
import pytest
import sqlalchemy as sa

from dashboards import figures
from dashboards.figures import Reference, Style
from portal.catalogue.models import Indicator
from portal.extensions import db
from portal.reports import period_operations
from portal.reports.models import ReportState
from tenants.models import Role
from tests.test_dashboards import put

EVIL = '<a href="x">evil</a><b>%{y}'
SHOWN = html.escape(EVIL, quote=False).replace("%{", "%&#123;")
STYLE = Style(missing=EVIL)
# Markup the builders add themselves: line breaks in long labels, the hover's extra box.
OWN_MARKUP = re.compile(r"<br>|<extra></extra>")


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _strings(value)


def assert_no_markup(figure: dict) -> None:
    """No string holds a tag Plotly would render, and the name did reach the figure."""
    strings = list(_strings(figure))
    for text in strings:
        assert "<" not in OWN_MARKUP.sub("", text), text
    assert any("evil" in text for text in strings)


def _builders():
    frame = pd.DataFrame({"label": [EVIL, EVIL + " 2", "Школа"], "value": [1.0, None, 3.0],
                          "kind": ["m", "r", "m"], "other": [2.0, 1.0, None]})
    stats = pd.DataFrame({"group": [EVIL], "n": [3], "min": [1.0], "q1": [2.0],
                          "median": [3.0], "q3": [4.0], "max": [5.0]})
    heat = pd.DataFrame({"label": [EVIL], "x": [0.5], "xt": ["1,0"]})
    bins = pd.DataFrame({"start": [0.0], "end": [10.0], "count": [3]})
    return {
        "sorted_bars": lambda: figures.sorted_bars(
            frame, title=EVIL, axis_title=EVIL, style=STYLE, group="kind",
            group_names={"m": EVIL, "r": EVIL}, references=[Reference(EVIL, 2.0)]),
        "sorted_bars_plain": lambda: figures.sorted_bars(
            frame, title=EVIL, axis_title=EVIL, style=STYLE, references=[Reference(EVIL, 2.0)]),
        "grouped_bars": lambda: figures.grouped_bars(
            frame, title=EVIL, axis_title=EVIL, style=STYLE, category="label",
            series=[("value", EVIL), ("other", EVIL)]),
        "grouped_bars_vertical": lambda: figures.grouped_bars(
            frame, title=EVIL, axis_title=EVIL, style=STYLE, category="label",
            series=[("value", EVIL)], horizontal=False),
        "lines": lambda: figures.lines(frame, title=EVIL, axis_title=EVIL, style=STYLE,
                                       x="label", series=[("value", EVIL)], x_title=EVIL),
        "boxes": lambda: figures.boxes(stats, title=EVIL, axis_title=EVIL, style=STYLE),
        "heatmap": lambda: figures.heatmap(heat, title=EVIL, style=STYLE, row="label",
                                           columns=[("x", "xt", EVIL)], colorbar_title=EVIL),
        "histogram": lambda: figures.histogram(bins, title=EVIL, axis_title=EVIL,
                                               count_title=EVIL, style=STYLE,
                                               marker=Reference(EVIL, 5.0)),
        "status_bars": lambda: figures.status_bars(
            pd.DataFrame({"label": [EVIL], "count": [2]}), title=EVIL, axis_title=EVIL,
            style=STYLE),
    }


@pytest.mark.parametrize("name", list(_builders()))
def test_every_builder_escapes_every_name(name):
    figure = _builders()[name]()
    go.Figure(figure)  # still a valid figure
    assert_no_markup(figure)


def test_escaping_keeps_categories_and_their_marks_aligned():
    frame = pd.DataFrame({"label": [EVIL, "Школа"], "value": [None, 3.0]})
    figure = figures.sorted_bars(frame, title="t", axis_title="a", style=Style())
    categories = figure["layout"]["yaxis"]["categoryarray"]
    assert categories == ["Школа", SHOWN]
    assert figure["data"][0]["y"] == categories
    assert [a["y"] for a in figure["layout"]["annotations"]] == [SHOWN]  # "no data" mark
    assert figures.text(3) == 3 and figures.text(None) is None
    # A name inside a hovertemplate must not become a template field.
    assert figures.text("100%{y}") == "100%&#123;y}"


# -- the real pages -------------------------------------------------------------------------

FIGURE_BLOCK = re.compile(r'<script type="application/json" id="figure-[^"]*">(.*?)</script>',
                          re.S)


@pytest.fixture
def evil_land(factory):
    region = factory.region(EVIL + " край")
    municipality = factory.municipality(region, EVIL + " район")
    schools = [factory.organization(municipality, name=f"{EVIL} школа {n}") for n in range(3)]
    for indicator in db.session.scalars(sa.select(Indicator)):
        indicator.label_ru = f"{EVIL} {indicator.code}"
    period = period_operations.open_period(region, 2026, 2)
    for n, school in enumerate(schools):
        put(school, period, ReportState.ACCEPTED, staff_total=50 + n, mentees=10 + n,
            mentors=5, satisfaction_mentees=7)
    return region, municipality, schools[0]


def test_dashboard_pages_carry_only_escaped_names(client, factory, evil_land):
    region, municipality, school = evil_land
    client.login(factory.user(Role.ADMIN))
    seen = 0
    for path in (f"/dashboards/regions/{region.id}",
                 f"/dashboards/municipalities/{municipality.id}",
                 f"/dashboards/organizations/{school.id}"):
        page = client.get(path)
        assert page.status_code == 200, path
        blocks = FIGURE_BLOCK.findall(page.get_data(as_text=True))
        assert blocks, path
        for block in blocks:
            figure = json.loads(block)
            for text in _strings(figure):
                assert "<" not in OWN_MARKUP.sub("", text), (path, text)
                seen += "evil" in text
    assert seen  # the names did reach the charts


# -- what the browser shows -----------------------------------------------------------------

def test_chromium_shows_the_name_as_text(browser):
    from plotly.offline import get_plotlyjs

    frame = pd.DataFrame({"label": [EVIL, "Школа"], "value": [1.0, 2.0]})
    figure = figures.sorted_bars(frame, title=EVIL, axis_title="a", style=Style(),
                                 references=[Reference(EVIL, 1.5)])
    page = browser.new_page()
    try:
        page.set_content('<div id="chart" style="width:800px;height:400px"></div>')
        page.add_script_tag(content=get_plotlyjs())
        page.evaluate("f => Plotly.newPlot('chart', f.data, f.layout)", figure)
        assert page.locator("#chart svg a").count() == 0  # no link was made
        bold = page.locator("#chart svg tspan[style*='bold']")
        assert bold.count() == 0
        ticks = page.locator("#chart svg .ytick text").all_text_contents()
        assert EVIL in ticks  # shown literally, tags, quotes and %{y} included
        assert page.locator("#chart .gtitle").text_content() == EVIL
    finally:
        page.close()
