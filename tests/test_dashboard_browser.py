"""The three dashboards in Chromium on gunicorn with the demo region: the plot's SVG is
drawn, switching the indicator or the period redraws it, the export holds the numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from portal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.browser]

VIEWS = [  # login, heading, chart, the axis whose values the chart plots
    ("region", "Аналитика региона", "municipalities", "x"),
    ("ozersk", "Аналитика муниципалитета", "organizations", "x"),
    ("curator", "Место организации", "trend", "y"),
]


def _plotted(page, chart: str, axis: str) -> list[float]:
    """The numbers of the chart's data traces (not its reference lines), from its JSON."""
    figure = json.loads(page.locator(f"#figure-{chart}").text_content())
    return [v for trace in figure["data"] if trace.get("yaxis") != "y2"
            for v in trace[axis] if isinstance(v, (int, float))]


def _axis_title(page, chart: str, axis: str) -> str:
    return page.locator(f"[data-testid=figure-{chart}] .g-{axis}title").text_content()


def _drawn(page, chart: str) -> None:
    page.wait_for_selector(f"[data-testid=figure-{chart}][data-drawn] svg.main-svg",
                           timeout=15000)


@pytest.mark.parametrize("login, heading, chart, axis", VIEWS, ids=[v[0] for v in VIEWS])
def test_dashboard_in_a_real_browser(live_server, browser, login, heading, chart, axis):
    problems: list[str] = []
    context = browser.new_context(locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    page.on("request", lambda r: problems.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", None) else None)
    # Errors in the console (a CSP refusal among them) and failed requests, but the
    # browser's own request for /favicon.ico.
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(live_server.url + "/login")
    page.get_by_label("Логин или электронная почта").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(live_server.url + "/")
    page.get_by_role("link", name="Аналитика").first.click()
    assert heading in page.get_by_role("heading", level=1).inner_text()
    _drawn(page, chart)
    value_axis = "x" if axis == "x" else "y"
    assert _axis_title(page, chart, value_axis).startswith("Охват наставляемых")
    assert page.locator(f"[data-testid=figure-{chart}] svg.main-svg").count() >= 1
    before = _plotted(page, chart, axis)
    assert before, "the chart plots no number"

    # Another indicator: the page comes back with the chart redrawn for it.
    page.select_option("#filter-indicator", "mentor_share")
    page.wait_for_url(re.compile(r"indicator=mentor_share"))
    _drawn(page, chart)
    assert _axis_title(page, chart, value_axis).startswith("Доля наставников")

    # Another period: the heading of the chart names it.
    options = page.locator("#filter-period option")
    assert options.count() >= 2
    older = options.nth(1)
    label, value = older.inner_text(), older.get_attribute("value")
    page.select_option("#filter-period", value)
    page.wait_for_url(re.compile(rf"period={value}\b"))
    _drawn(page, chart)
    assert page.locator("#filter-period").input_value() == value
    quarter = re.match(r"([IV]+) квартал (\d{4})", label)
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4}[quarter.group(1)]
    card = page.locator(f"#chart-{chart}").inner_text()
    assert f"{roman} кв. {quarter.group(2)}" in card

    # The export holds exactly the plotted numbers, the Russian way.
    plotted = _plotted(page, chart, axis)
    with page.expect_download() as download:
        page.get_by_test_id(f"export-{chart}-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert download.value.suggested_filename.endswith(".csv")
    for number in plotted:
        assert f"{number:.1f}".replace(".", ",") in text, (number, text[:500])
    with page.expect_download() as download:
        page.get_by_test_id(f"export-{chart}-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # The table view shows the same numbers.
    page.locator(f"#chart-{chart} summary").click()
    table = page.get_by_test_id(f"table-{chart}").inner_text()
    for number in plotted:
        assert f"{number:.1f}".replace(".", ",") in table
    assert problems == []
    context.close()


def test_plotly_is_loaded_once_and_then_cached(live_server, browser):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url) if "plotly-" in r.url
            and not r.request.is_navigation_request() and r.status == 200
            and not r.from_service_worker else None)
    page.goto(live_server.url + "/login")
    page.get_by_label("Логин или электронная почта").fill("region")
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/dashboards")
    _drawn(page, "trend")
    script = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('plotly-'))"
        ".map(e => e.transferSize)")
    assert len(script) == 1 and script[0] > 0
    page.select_option("#filter-indicator", "mentor_share")
    page.wait_for_url(re.compile(r"indicator=mentor_share"))
    _drawn(page, "trend")
    again = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('plotly-'))"
        ".map(e => e.transferSize)")
    assert again == [0]  # served from the browser's cache, not fetched again
    context.close()
