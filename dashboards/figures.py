"""Plotly figure builders: pure functions from data frames (and already translated texts)
to figure dictionaries ``{"data": [...], "layout": {...}}``.

They build plain dictionaries rather than ``plotly.graph_objects`` figures: validation
of graph objects costs milliseconds per trace, which a dashboard of eight charts over a
region of 2,000 organizations cannot afford. The tests validate every builder's output
with ``plotly.graph_objects.Figure``. Nothing here reads the request, the database or
the locale: whatever is shown comes in through the arguments.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

PALETTE = ["#1f5fa8", "#e07b1a", "#2e8b57", "#b03a6f", "#6a5acd", "#8c6d1f", "#008b8b",
           "#c0392b"]
MUTED = "#9aa5b1"
REFERENCE_COLORS = ["#c0392b", "#444444", "#6a5acd"]
FONT = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
        "'Noto Sans', 'Liberation Sans', sans-serif")
ROW_HEIGHT = 22


@dataclass(frozen=True)
class Style:
    """How numbers look: Plotly separators and a d3 format with the unit."""

    separators: str = ", "  # decimal comma, space between thousands (Russian)
    decimals: int = 1
    suffix: str = ""  # " %" for percentages
    missing: str = "no data"

    @property
    def number(self) -> str:
        return f",.{self.decimals}f"

    def hover(self, field: str = "x") -> str:
        return f"%{{{field}:{self.number}}}{self.suffix}"


@dataclass(frozen=True)
class Reference:
    """A reference line: the value of a level (municipality, region) with its name."""

    label: str
    value: float | None
    dash: str = "solid"


def clean(values: Iterable[Any]) -> list[Any]:
    """JSON-safe values: NaN and infinities become None (null), numpy scalars Python ones."""
    dtype = getattr(values, "dtype", None)
    if dtype is not None and dtype.kind in "fiub":
        numbers = np.asarray(values, dtype=float if dtype.kind == "f" else None).tolist()
        if dtype.kind == "f":
            return [v if math.isfinite(v) else None for v in numbers]
        return numbers
    if hasattr(values, "tolist"):
        values = values.tolist()  # element access on pandas' string arrays is slow
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            out.append(None)
        elif hasattr(v, "item"):
            item = v.item()
            out.append(None if isinstance(item, float) and not math.isfinite(item) else item)
        elif v is pd.NA or v is pd.NaT:
            out.append(None)
        else:
            out.append(v)
    return out


def text(value: Any) -> Any:
    """``value`` as Plotly shows it literally: Plotly reads ``<a href>``, ``<b>``, ``<span
    style>`` and ``<br>`` in any label as markup, and ``%{`` in a hovertemplate as a field,
    so names that come from users are escaped as HTML entities (which Plotly decodes for
    display). Numbers and None pass unchanged."""
    if not isinstance(value, str):
        return value
    return html.escape(value, quote=False).replace("%{", "%&#123;")


def texts(values: Iterable[Any]) -> list[Any]:
    """:func:`text` for each value."""
    return [text(v) for v in values]


def layout(title: str, style: Style, *, height: int = 420, **extra: Any) -> dict:
    """The layout every chart shares: title, fonts, margins and number separators."""
    base = {
        "title": {"text": text(title), "x": 0, "xanchor": "left", "font": {"size": 15}},
        "separators": style.separators,
        "font": {"family": FONT, "size": 12},
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 50, "b": 40, "pad": 2},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"namelength": -1},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    }
    base.update(extra)
    return base


def _axis(title: str, style: Style | None = None, **extra: Any) -> dict:
    axis = {"title": {"text": text(title)}, "automargin": True, "gridcolor": "#e5e8ec",
            "zerolinecolor": "#c5cbd3"}
    if style is not None:
        axis["tickformat"] = f",.{min(style.decimals, 2)}~f"
    axis.update(extra)
    return axis


def sorted_bars(frame: pd.DataFrame, *, title: str, axis_title: str, style: Style,
                label: str = "label", value: str = "value", group: str | None = None,
                group_names: dict[Any, str] | None = None,
                references: Sequence[Reference] = ()) -> dict:
    """Horizontal bars sorted from the highest value down, missing values last with a
    "no data" mark (never drawn as zero), and vertical reference lines."""
    present = frame[frame[value].notna()].sort_values(value, ascending=False, kind="stable")
    missing = frame[frame[value].isna()]
    ordered = pd.concat([present, missing])
    categories = texts(clean(ordered[label]))
    traces = []
    groups = [None] if group is None else list(dict.fromkeys(ordered[group]))
    for i, key in enumerate(groups):
        part = ordered if key is None else ordered[ordered[group] == key]
        traces.append({
            "type": "bar", "orientation": "h", "x": clean(part[value]),
            "y": texts(clean(part[label])),
            "name": text((group_names or {}).get(key, str(key)) if key is not None
                         else axis_title),
            "marker": {"color": PALETTE[i % len(PALETTE)]},
            "hovertemplate": f"%{{y}}: {style.hover('x')}<extra></extra>",
            "showlegend": key is not None,
        })
    lines = reference_lines(references)
    traces += lines
    annotations = []
    for name in texts(clean(missing[label])):
        annotations.append({"xref": "paper", "yref": "y", "x": 0, "y": name, "xanchor": "left",
                            "showarrow": False, "text": text(style.missing),
                            "font": {"color": MUTED, "size": 11}})
    height = max(260, 110 + ROW_HEIGHT * len(categories))
    return {"data": traces, "layout": layout(
        title, style, height=height, barmode="overlay", annotations=annotations,
        xaxis=_axis(axis_title, style, rangemode="tozero"),
        yaxis=_axis("", None, type="category", categoryorder="array", categoryarray=categories,
                    autorange="reversed"),
        yaxis2=OVERLAY_AXIS, showlegend=group is not None or bool(lines))}


# A hidden axis from 0 to 1 over the plot: reference lines span its full height.
OVERLAY_AXIS = {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True}


def reference_lines(references: Sequence[Reference]) -> list[dict]:
    """Vertical lines at reference values, as traces so the legend names them."""
    traces = []
    for i, ref in enumerate(r for r in references if r.value is not None):
        color = REFERENCE_COLORS[i % len(REFERENCE_COLORS)]
        traces.append({"type": "scatter", "mode": "lines", "x": [ref.value, ref.value],
                       "y": [0, 1], "yaxis": "y2", "name": text(ref.label), "hoverinfo": "name",
                       "line": {"color": color, "width": 2, "dash": ref.dash}})
    return traces


def grouped_bars(frame: pd.DataFrame, *, title: str, axis_title: str, style: Style,
                 category: str, series: Sequence[tuple[str, str]], horizontal: bool = True,
                 range_max: float | None = None) -> dict:
    """Bars of several series side by side per category (e.g. completeness and timeliness)."""
    categories = [wrap(c, 30) if isinstance(c, str) else c
                  for c in texts(clean(frame[category]))]
    traces = []
    for i, (column, name) in enumerate(series):
        name = text(name)
        values = clean(frame[column])
        trace = {"type": "bar", "name": name, "marker": {"color": PALETTE[i % len(PALETTE)]}}
        if horizontal:
            trace.update(orientation="h", x=values, y=categories,
                         hovertemplate=f"%{{y}} · {name}: {style.hover('x')}<extra></extra>")
        else:
            trace.update(x=categories, y=values,
                         hovertemplate=f"%{{x}} · {name}: {style.hover('y')}<extra></extra>")
        traces.append(trace)
    value_axis = _axis(axis_title, style, rangemode="tozero")
    if range_max is not None:
        value_axis["range"] = [0, range_max]
    category_axis = _axis("", None, type="category", categoryorder="array",
                          categoryarray=categories)
    if horizontal:
        category_axis["autorange"] = "reversed"
        # Plotly spaces categories evenly: every row gets the room of the tallest label.
        per_row = max([ROW_HEIGHT * max(1, len(series)) * 0.6]
                      + [16 * (str(c).count("<br>") + 1) + 8 for c in categories])
        height = max(260, 100 + per_row * len(categories))
        axes = {"xaxis": value_axis, "yaxis": category_axis}
    else:
        height = 420
        axes = {"xaxis": category_axis, "yaxis": value_axis}
    return {"data": traces, "layout": layout(title, style, height=int(height), barmode="group",
                                             **axes)}


def lines(frame: pd.DataFrame, *, title: str, axis_title: str, style: Style, x: str,
          series: Sequence[tuple[str, str]], x_title: str = "",
          dashes: dict[str, str] | None = None) -> dict:
    """One line per series over an ordered category axis (quarters); gaps stay gaps."""
    categories = texts(clean(frame[x]))
    traces = []
    for i, (column, name) in enumerate(series):
        name = text(name)
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": name, "x": categories,
            "y": clean(frame[column]), "connectgaps": False,
            "line": {"color": PALETTE[i % len(PALETTE)], "width": 2,
                     "dash": (dashes or {}).get(column, "solid")},
            "hovertemplate": f"%{{x}} · {name}: {style.hover('y')}<extra></extra>",
        })
    return {"data": traces, "layout": layout(
        title, style, height=400,
        xaxis=_axis(x_title, None, type="category", categoryorder="array",
                    categoryarray=categories),
        yaxis=_axis(axis_title, style, rangemode="tozero"))}


def boxes(stats: pd.DataFrame, *, title: str, axis_title: str, style: Style,
          group: str = "group") -> dict:
    """Box plots from precomputed quartiles (one row per group: n, min, q1, median, q3, max),
    so the page carries five numbers per group, not every organization."""
    traces = []
    for i, row in enumerate(stats.to_dict("records")):
        if not row.get("n"):
            continue
        traces.append({
            "type": "box", "name": text(row[group]), "x": [text(row[group])],
            "q1": clean([row["q1"]]), "median": clean([row["median"]]),
            "q3": clean([row["q3"]]), "lowerfence": clean([row["min"]]),
            "upperfence": clean([row["max"]]),
            "marker": {"color": PALETTE[i % len(PALETTE)]}, "boxpoints": False,
            "hoverinfo": "y+name",
        })
    return {"data": traces, "layout": layout(
        title, style, height=420, showlegend=False,
        xaxis=_axis("", None, type="category"), yaxis=_axis(axis_title, style))}


def heatmap(frame: pd.DataFrame, *, title: str, style: Style, row: str,
            columns: Sequence[tuple[str, str, str]], colorbar_title: str) -> dict:
    """Rows × indicators coloured by each column's position between its minimum (0) and
    maximum (1), so different units compare; the cell text and hover show the value.

    ``columns``: (normalised column, formatted-text column, header) triples.
    """
    z = [clean(frame[norm]) for norm, _text, _header in columns]
    cells = [clean(frame[txt]) for _norm, txt, _header in columns]
    headers = [wrap(text(re.sub(r"\s*\(.*\)\s*$", "", header)), 12) for _n, _t, header in columns]
    rows = texts(clean(frame[row]))
    # Plotly wants z[row][column]: transpose.
    z_rows = [list(r) for r in zip(*z)] if z else []
    text_rows = [["—" if t is None else t for t in r] for r in zip(*cells)] if cells else []
    trace = {
        "type": "heatmap", "z": z_rows, "x": headers, "y": rows, "text": text_rows,
        "texttemplate": "%{text}", "textfont": {"size": 10}, "zmin": 0, "zmax": 1,
        "colorscale": [[0, "#eef3fa"], [1, "#1f5fa8"]], "xgap": 2, "ygap": 2,
        "hoverongaps": False,
        "colorbar": {"title": {"text": text(colorbar_title)}, "tickformat": ".1f"},
        "hovertemplate": "%{y} · %{x}: %{text}<extra></extra>",
    }
    height = max(300, 160 + 26 * len(rows))
    return {"data": [trace], "layout": layout(
        title, style, height=height,
        xaxis=_axis("", None, side="top", tickangle=0, type="category", gridcolor="white",
                    tickfont={"size": 10}),
        yaxis=_axis("", None, type="category", autorange="reversed", gridcolor="white"),
        margin={"l": 10, "r": 20, "t": 110, "b": 20, "pad": 2})}


def wrap(text: str, width: int = 18) -> str:
    """Break a long axis label into lines of about ``width`` characters (Plotly ``<br>``)."""
    lines, current = [], ""
    for word in _hyphenated(str(text).split(), width):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


VOWELS = set("аеёиоуыэюяaeiouy")


def _hyphenated(words: list[str], width: int) -> list[str]:
    """Words much longer than a line split once with a hyphen before a consonant–vowel
    syllable («Удовлетво-рённость»): one long word would otherwise run into its neighbour."""
    out = []
    for word in words:
        cut = next((i for i in range(min(len(word) - 3, width - 1), 2, -1)
                    if word[i - 1].lower() in VOWELS and word[i].isalpha()
                    and word[i].lower() not in VOWELS and word[i + 1].lower() in VOWELS),
                   None) if len(word) > width + 2 else None
        out += [word[:cut] + "-", word[cut:]] if cut else [word]
    return out


def histogram(bins: pd.DataFrame, *, title: str, axis_title: str, count_title: str,
              style: Style, marker: Reference | None = None) -> dict:
    """Counts of organizations per value interval (``start``, ``end``, ``count``), with the
    organization's own value marked: the distribution, without any other name."""
    centres = clean((bins["start"] + bins["end"]) / 2)
    widths = clean(bins["end"] - bins["start"])
    trace = {"type": "bar", "x": centres, "y": clean(bins["count"]), "width": widths,
             "customdata": [list(p) for p in zip(clean(bins["start"]), clean(bins["end"]))],
             "marker": {"color": PALETTE[0]}, "name": text(count_title),
             "hovertemplate": (f"%{{customdata[0]:{style.number}}}–"
                               f"%{{customdata[1]:{style.number}}}"
                               f"{style.suffix}: %{{y}}<extra></extra>")}
    lines = reference_lines([marker] if marker is not None else [])
    return {"data": [trace, *lines], "layout": layout(
        title, style, height=380, bargap=0.05, yaxis2=OVERLAY_AXIS,
        showlegend=bool(lines), xaxis=_axis(axis_title, style),
        yaxis=_axis(count_title, None, tickformat=",d", rangemode="tozero",
                    dtick=_count_step(bins["count"])))}


def _count_step(counts: pd.Series) -> int:
    """A whole-number tick step for an axis of counts (no "0,5 organizations")."""
    top = float(counts.max()) if len(counts) and not pd.isna(counts.max()) else 1.0
    return max(1, math.ceil(top / 6))


def status_bars(frame: pd.DataFrame, *, title: str, axis_title: str, style: Style,
                category: str = "label", value: str = "count",
                colors: Sequence[str] | None = None) -> dict:
    """One bar per report status with the number of organizations in it."""
    trace = {"type": "bar", "x": texts(clean(frame[category])), "y": clean(frame[value]),
             "marker": {"color": list(colors or PALETTE[:len(frame)])},
             "text": clean(frame[value]), "textposition": "outside",
             "hovertemplate": "%{x}: %{y}<extra></extra>"}
    return {"data": [trace], "layout": layout(
        title, style, height=340, showlegend=False,
        xaxis=_axis("", None, type="category"),
        yaxis=_axis(axis_title, None, tickformat=",d", rangemode="tozero",
                    dtick=_count_step(frame[value])))}
