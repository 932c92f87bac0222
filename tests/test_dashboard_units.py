"""Dashboards without a database or a browser: metric arithmetic and the figure builders."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import figures
from dashboards.charts import Chart, Column, Numbers
from dashboards.exports import to_csv, to_xlsx
from dashboards.figures import Reference, Style
from dashboards.metrics import Aggregate, Kind, Metric
from portal.rules import DERIVED_BY_CODE

COVERAGE = Metric("mentee_coverage", "Coverage", "percent", Kind.RATIO, "derived",
                  ("mentees",), ("staff_total",), 100.0)
COMPLETION = Metric("programme_completion", "Completion", "percent", Kind.RATIO, "derived",
                    ("programmes_completed",),
                    ("programmes_completed", "programmes_ended_early"), 100.0)
MENTEES = Metric("mentees", "Mentees", "count", Kind.SUM, "participants")
SATISFACTION = Metric("satisfaction_mentees", "Satisfaction", "score", Kind.MEAN,
                      "satisfaction", weight="mentees")
STYLE = Style(separators=", ", decimals=1, suffix=" %", missing="нет данных")


def _aggregate(rows: list[dict]) -> Aggregate:
    """Partial sums as SQL would return them for organizations (one row each)."""
    frame = pd.DataFrame(rows)
    prefixes = {"mentee_coverage": "a__", "mentees": "b__", "satisfaction_mentees": "c__",
                "programme_completion": "d__"}
    data = {"group": frame["group"], "reports": 1, "changed": pd.Timestamp("2026-07-01")}
    complete = frame["mentees"].notna() & frame["staff"].notna()
    data["a__n"] = complete.astype(int)
    data["a__p0"] = frame["mentees"].where(complete)
    data["a__p1"] = frame["staff"].where(complete)
    data["b__n"] = frame["mentees"].notna().astype(int)
    data["b__s"] = frame["mentees"]
    satisfied = frame["satisfaction"].notna()
    data["c__n"] = satisfied.astype(int)
    data["c__s"] = frame["satisfaction"]
    data["c__xw"] = (frame["satisfaction"] * frame["mentees"].fillna(0)).where(satisfied)
    data["c__w"] = frame["mentees"].fillna(0).where(satisfied)
    done = frame["completed"].notna() & frame["early"].notna()
    data["d__n"] = done.astype(int)
    data["d__p0"] = frame["completed"].where(done)
    data["d__p1"] = frame["early"].where(done)
    return Aggregate(pd.DataFrame(data), [COVERAGE, MENTEES, SATISFACTION, COMPLETION],
                     prefixes, ("group",))


ROWS = [  # two organizations of group 1, one of group 2, one of group 2 without a report
    {"group": 1, "mentees": 30, "staff": 100, "satisfaction": 8.0, "completed": 3, "early": 1},
    {"group": 1, "mentees": 18, "staff": 20, "satisfaction": 6.0, "completed": 1, "early": 0},
    {"group": 2, "mentees": 4, "staff": 40, "satisfaction": None, "completed": 0, "early": 0},
    {"group": 2, "mentees": None, "staff": None, "satisfaction": None, "completed": None,
     "early": None},
]


def test_a_level_is_computed_from_its_sums_never_from_averaged_percentages():
    values = _aggregate(ROWS).rollup(["group"]).values().set_index("group")
    # 48 / 120, not the mean of 30 % and 90 % (60 %).
    assert values.loc[1, "mentee_coverage"] == 40.0
    assert values.loc[1, "mentee_coverage__n"] == 2
    assert values.loc[2, "mentee_coverage"] == 10.0  # the silent organization adds nothing
    assert values.loc[2, "mentee_coverage__n"] == 1
    assert values.loc[1, "mentees"] == 48
    # Σ score × mentees / Σ mentees = (240 + 108) / 48
    assert values.loc[1, "satisfaction_mentees"] == 7.25
    assert values.loc[1, "programme_completion"] == 80.0  # 4 / (4 + 1)
    assert math.isnan(values.loc[2, "programme_completion"])  # 0 / 0: no value, not zero
    assert math.isnan(values.loc[2, "satisfaction_mentees"])


def test_region_total_adds_up_all_groups():
    total = _aggregate(ROWS).rollup(()).values()
    assert total["mentee_coverage"].iloc[0] == round(52 / 160 * 100, 1)
    assert total["mentees__n"].iloc[0] == 3


def test_a_group_without_any_report_is_missing_not_zero():
    only_silent = _aggregate(ROWS[3:]).rollup(["group"]).values()
    assert math.isnan(only_silent["mentee_coverage"].iloc[0])
    assert math.isnan(only_silent["mentees"].iloc[0])
    assert only_silent["mentees__n"].iloc[0] == 0


@pytest.mark.parametrize("code", ["mentee_coverage", "programme_completion"])
def test_vectorised_ratio_equals_the_catalogue_definition(code):
    metric = {"mentee_coverage": COVERAGE, "programme_completion": COMPLETION}[code]
    derived = DERIVED_BY_CODE[code]
    values = _aggregate(ROWS).rollup(["group"]).values().set_index("group")
    sums = {1: {"mentees": 48, "staff_total": 120, "programmes_completed": 4,
                "programmes_ended_early": 1}}
    assert values.loc[1, metric.code] == round(derived.compute(sums[1]), 1)


def test_numbers_follow_the_locale():
    ru, en = Numbers("ru"), Numbers("en")
    assert ru.format(1234567.75, 1) == "1\xa0234\xa0567,8"
    assert en.format(1234.5, 1) == "1,234.5"
    assert ru.plotly_separators == ", " and en.plotly_separators == ".,"
    assert ru.format(None) == "—" and ru.format(float("nan")) == "—"


def _valid(figure: dict) -> go.Figure:
    """Plotly's own validation: raises on any unknown or malformed property."""
    return go.Figure(figure)


def test_sorted_bars_orders_values_keeps_missing_apart_and_draws_references():
    frame = pd.DataFrame({"label": ["A", "B", "C", "D"], "value": [10.0, None, 30.5, 20.0]})
    figure = figures.sorted_bars(frame, title="Охват", axis_title="Охват, %", style=STYLE,
                                 references=[Reference("Муниципалитет: 20,0 %", 20.0),
                                             Reference("Регион", None)])
    _valid(figure)
    assert figure["layout"]["yaxis"]["categoryarray"] == ["C", "D", "A", "B"]
    assert figure["data"][0]["x"] == [30.5, 20.0, 10.0, None]  # missing is null, not 0
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["нет данных"]
    # The reference line is a trace over the full height (hidden 0–1 axis), named in the
    # legend; a reference without a value draws nothing.
    lines = [t for t in figure["data"] if t["type"] == "scatter"]
    assert len(lines) == 1 and lines[0]["x"] == [20.0, 20.0] and lines[0]["yaxis"] == "y2"
    assert lines[0]["name"] == "Муниципалитет: 20,0 %"
    assert figure["layout"]["separators"] == ", "
    assert figure["layout"]["title"]["text"] == "Охват"
    assert "%{x:,.1f} %" in figure["data"][0]["hovertemplate"]


def test_sorted_bars_colours_groups():
    frame = pd.DataFrame({"label": ["M1", "M2", "Regional"], "value": [1.0, 3.0, 2.0],
                          "kind": ["municipal", "municipal", "regional"]})
    figure = figures.sorted_bars(frame, title="t", axis_title="a", style=STYLE, group="kind",
                                 group_names={"municipal": "Муниципалитеты",
                                              "regional": "Региональные"})
    _valid(figure)
    assert [t["name"] for t in figure["data"]] == ["Муниципалитеты", "Региональные"]
    assert figure["data"][0]["y"] == ["M2", "M1"]


def test_lines_keep_gaps_and_boxes_heatmap_histogram_status_are_valid():
    trend = pd.DataFrame({"period": ["1 кв. 2026", "2 кв. 2026"], "a": [1.0, None],
                          "b": [np.nan, 2.0]})
    figure = figures.lines(trend, title="t", axis_title="a", style=STYLE, x="period",
                           series=[("a", "A"), ("b", "B")], dashes={"b": "dash"})
    _valid(figure)
    assert figure["data"][0]["y"] == [1.0, None] and figure["data"][1]["line"]["dash"] == "dash"

    stats = pd.DataFrame({"group": ["Школы", "Детсады"], "n": [5, 0], "min": [1.0, None],
                          "q1": [2.0, None], "median": [3.0, None], "q3": [4.0, None],
                          "max": [5.0, None]})
    boxes = figures.boxes(stats, title="t", axis_title="a", style=STYLE)
    _valid(boxes)
    assert len(boxes["data"]) == 1 and boxes["data"][0]["median"] == [3.0]

    heat = pd.DataFrame({"label": ["M1", "M2"], "x": [0.0, 1.0], "xt": ["10,0", "20,0"],
                         "y": [None, 0.5], "yt": [None, "3,5"]})
    heatmap = figures.heatmap(heat, title="t", style=STYLE, row="label",
                              columns=[("x", "xt", "Охват"), ("y", "yt", "Нагрузка")],
                              colorbar_title="позиция")
    _valid(heatmap)
    assert heatmap["data"][0]["z"] == [[0.0, None], [1.0, 0.5]]
    assert heatmap["data"][0]["text"] == [["10,0", "—"], ["20,0", "3,5"]]

    bins = pd.DataFrame({"start": [0.0, 10.0], "end": [10.0, 20.0], "count": [3, 4]})
    histogram = figures.histogram(bins, title="t", axis_title="a", count_title="n",
                                  style=STYLE, marker=Reference("Мы", 12.0))
    _valid(histogram)
    assert histogram["data"][0]["x"] == [5.0, 15.0]
    assert histogram["data"][1]["x"] == [12.0, 12.0] and histogram["data"][1]["name"] == "Мы"
    assert histogram["layout"]["yaxis"]["dtick"] == 1

    status = pd.DataFrame({"label": ["принят", "не начат"], "count": [3, 1]})
    _valid(figures.status_bars(status, title="t", axis_title="n", style=STYLE))

    grouped = pd.DataFrame({"label": ["M1"], "c": [50.0], "t": [None]})
    _valid(figures.grouped_bars(grouped, title="t", axis_title="%", style=STYLE,
                                category="label", series=[("c", "C"), ("t", "T")],
                                range_max=100))


def test_clean_makes_values_json_safe():
    assert figures.clean([np.float64(1.5), np.nan, None, np.int64(3), float("inf"), "x"]) == \
        [1.5, None, None, 3, None, "x"]


def _chart() -> Chart:
    frame = pd.DataFrame({"label": ["Школа № 1", "Школа № 2"], "value": [12.5, None],
                          "n": [3, 0]})
    return Chart("organizations", "Охват", "%", {}, [
        Column("label", "Организация", "text"), Column("value", "Охват, %", "number", 1),
        Column("n", "Сдали", "integer")], frame, "2 кв. 2026", None)


def test_csv_export_the_way_russian_excel_opens_it():
    text = to_csv(_chart(), Numbers("ru")).decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.splitlines() == ["\ufeffОрганизация;Охват, %;Сдали", "Школа № 1;12,5;3",
                                 "Школа № 2;;0"]
    english = to_csv(_chart(), Numbers("en")).decode("utf-8").splitlines()
    assert english[1] == "Школа № 1,12.5,3"


def test_xlsx_export_keeps_numbers_as_numbers():
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(to_xlsx(_chart(), [("Период", "2 кв. 2026")])))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows == [("Организация", "Охват, %", "Сдали"), ("Школа № 1", 12.5, 3),
                    ("Школа № 2", None, 0)]
    assert list(book.worksheets[1].iter_rows(values_only=True)) == [("Период", "2 кв. 2026")]


def test_figure_json_is_compact_utf8_and_cannot_end_its_script_block():
    chart = _chart()
    chart.figure = {"data": [{"y": ["</script><script>alert('x')</script>", "Озёрск & Ко"]}]}
    text = str(chart.figure_json())
    assert "</script>" not in text and "<" not in text and "&" not in text and "'" not in text
    assert "Озёрск" in text and ", " not in text  # UTF-8 as is, no padding
    import json

    assert json.loads(text) == chart.figure
