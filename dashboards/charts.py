"""A chart as the page, the table view and the exports all see it: one data frame that is
plotted, shown as a table and exported, with its title, units, period and freshness."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from babel import Locale
from markupsafe import Markup

_HTML_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
                "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class Column:
    """A column of a chart's table: the frame column, its header and how to show it."""

    key: str
    header: str
    kind: str = "number"  # text, number, integer
    decimals: int = 0


@dataclass
class Chart:
    """Everything about one chart; ``frame`` holds exactly the plotted data."""

    key: str
    title: str
    unit: str
    figure: dict
    columns: list[Column]
    frame: pd.DataFrame
    period: str
    changed_at: datetime | None
    note: str = ""
    counted: bool = True  # built from counted reports (shows what counts and when it changed)

    def figure_json(self) -> Markup:
        """The figure for a ``<script type="application/json">`` block: compact UTF-8
        (Cyrillic as is, not as six-byte escapes) with the characters that could end the
        block or confuse an HTML parser escaped."""
        text = json.dumps(self.figure, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
        for char, escaped in _HTML_UNSAFE.items():
            text = text.replace(char, escaped)
        return Markup(text)

    @property
    def empty(self) -> bool:
        """Whether the chart has no number to show (no counted report has a value for the
        filters): the page says so instead of drawing empty axes."""
        numeric = [i for i, c in enumerate(self.columns) if c.kind != "text"]
        return not any(row[i] is not None for row in self.records() for i in numeric)

    def records(self) -> list[list[Any]]:
        """Rows of the table with raw values (None for missing), in column order."""
        from dashboards.figures import clean

        columns = [clean(self.frame[c.key]) for c in self.columns]
        return [list(row) for row in zip(*columns)] if columns else []


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Numbers:
    """Locale-aware number formatting that is fast enough for a thousand table cells.

    Babel's ``format_decimal`` costs ~15 µs a call; this formats with Python and swaps in
    the locale's symbols (for Russian: decimal comma, non-breaking space for thousands).
    """

    def __init__(self, locale: str):
        symbols = Locale.parse(locale).number_symbols["latn"]
        self.decimal, self.group = symbols["decimal"], symbols["group"]
        self.missing = "—"

    @property
    def plotly_separators(self) -> str:
        """Plotly's ``layout.separators``: decimal then thousands (", " in Russian)."""
        group = " " if self.group in ("\xa0", "\u202f") else self.group
        return self.decimal + group

    def format(self, value: Any, decimals: int = 0) -> str:
        value = _plain(value)
        if value is None:
            return self.missing
        if isinstance(value, str):
            return value
        text = f"{value:,.{decimals}f}"
        return text.replace(",", "\x00").replace(".", self.decimal).replace("\x00", self.group)

    def cell(self, column: Column, value: Any) -> str:
        value = _plain(value)
        if value is None:
            return self.missing
        if column.kind == "text":
            return str(value)
        return self.format(value, column.decimals if column.kind == "number" else 0)
