"""One worksheet's XML, streamed into rows of cell values as the user sees them in Excel.

:class:`Sheet` is the expat handler :mod:`portal.tabular_xlsx` feeds a worksheet part into.
It keeps only filled cells, checks every limit as each cell arrives, and turns each cell
into the value the user sees: a number with a percent format is a :class:`Percent`, one with
a date format a date, a formula a :class:`Formula` (never evaluated), a shared string its
text. Problems name the row and the column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from openpyxl.formula.tokenizer import TokenizerError
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.utils import get_column_letter

from portal import ooxml
from portal.tabular import FileRejected, Formula, Percent


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold; the values are the constants of :mod:`portal.tabular`."""

    package: ooxml.Limits
    rows: int  # filled rows of the data sheet
    lines: int  # the last line a filled cell may be on
    columns: int
    cells: int  # filled cells of the data sheet
    text: int  # characters of text in those cells, together
    cell_chars: int  # characters in one cell
    shared_strings: int
    shared_chars: int
    styles: int  # cell formats
    number_formats: int
    merged: int


@dataclass
class Book:
    """What the cells of any sheet refer to: shared strings, style kinds, the date system."""

    strings: list[str]
    kinds: list[int]
    date1904: bool


class Enough(Exception):
    """The rows wanted (the metadata sheet's first lines) have been read."""


GENERAL, DATE, PERCENT, PERCENT_SIGN = range(4)
BUILTIN_KINDS = {9: PERCENT, 10: PERCENT} | {n: DATE for n in (*range(14, 23), *range(27, 37),
                                                                45, 46, 47, *range(50, 59))}
_LITERALS = re.compile(r'"[^"]*"|\\.|[_*].')  # quoted text, escaped and padding characters
_BRACKETS = re.compile(r"\[[^\]]*\]")  # colours, locales, conditions
_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_DATE_PARTS = re.compile(r"[dmyhs]", re.IGNORECASE)
_MERGE = re.compile(r"^([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?$")
_EPOCHS = {False: datetime(1899, 12, 30), True: datetime(1904, 1, 1)}
# Shared formulas spelt out for messages (openpyxl's tokenizer is slow on long formulas);
# past these, a cell shows the text of the group's first formula.
MAX_TRANSLATIONS, MAX_TRANSLATED_CHARS = 200, 500


def format_kind(code: str) -> int:
    """What a number format shows: a date, a percentage (scaled or a literal %), a number."""
    bare = _LITERALS.sub("", code)
    if _ELAPSED.search(bare):
        return DATE
    bare = _BRACKETS.sub("", bare)
    if bare.lower() != "general" and _DATE_PARTS.search(bare):
        return DATE
    if "%" in bare:
        return PERCENT
    return PERCENT_SIGN if "%" in code else GENERAL


def from_excel(serial: float, date1904: bool) -> Any:
    """An Excel date serial as a datetime (a time of day below 1), or the number itself."""
    if not 0 <= serial < 2958466:  # 9999-12-31
        return serial
    day, fraction = divmod(serial, 1)
    delta = timedelta(milliseconds=round(fraction * 86_400_000))
    if serial < 1 and delta.days == 0:
        return (datetime.min + delta).time()
    if not date1904 and 0 < serial < 60:  # Excel counts a 29 February 1900 that never was
        day += 1
    return _EPOCHS[date1904] + timedelta(days=day) + delta


def percent_text(number: float, kind: int) -> Percent | float:
    """A percent-formatted number as Excel shows it: 0.375 → «37.5%».

    Ten decimals are more than Excel shows and fewer than a float's error (0.285 * 100 is
    28.499999999999996): the digits the user typed come back.
    """
    if not math.isfinite(number) or abs(number) >= 1e15:
        return number
    text = f"{number * (100 if kind == PERCENT else 1):.10f}".rstrip("0").rstrip(".")
    return Percent(("0" if text == "-0" else text) + "%")


def column_index(letters: str) -> int:
    """The 1-based index of a column's letters (A → 1, XFD → 16384), or 0 if they are wrong."""
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        return 0
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index if index <= 16384 else 0


class Sheet:
    """Expat events of one worksheet → ``rows`` [(line, values)] and ``merged`` ranges."""

    def __init__(self, title: str, book: Book, limits: Limits, meta_lines: int = 0):
        self.title, self.book, self.limits, self.meta_lines = title, book, limits, meta_lines
        self.rows: list[tuple[int, list[Any]]] = []
        self.merged: list[tuple[int, int, int, int, str]] = []
        self.elements = self.line = self.col = self.cells = self.chars = 0
        self.row: dict[int, Any] = {}
        self.in_cell = self.in_inline = False
        self.phonetic = self.captured = 0
        self.capture: list[str] | None = None
        self.value: str | None = None
        self.formula: Formula | None = None
        self.inline: list[str] | None = None
        self.type = self.style = None
        self.formula_attrs: dict[str, str] = {}
        self.columns: dict[str, int] = {}
        self.shared: dict[str, tuple[str, str]] = {}
        self.translations = 0
        # style index as written (s="3") → what its number format shows, dates and percents only
        self.kinds = {str(n): kind for n, kind in enumerate(book.kinds) if kind != GENERAL}

    # -- the expat handler (hot: called for every element of the sheet) ----------------------

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            self.in_cell = True
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                self.col = self.columns.get(letters) or self._column(letters)
            else:
                self.col += 1
            self.type, self.style = attrs.get("t"), attrs.get("s")
            self.value = self.formula = self.inline = None
        elif name == "v" or name == "f":
            if self.in_cell:
                self.capture, self.captured = [], 0
                if name == "f":
                    self.formula_attrs = attrs
        elif name == "row":
            self._row_start(attrs.get("r"))
        elif name == "t":
            if self.in_inline and not self.phonetic:
                self.capture, self.captured = [], 0
        elif name == "is":
            self.in_inline, self.inline = self.in_cell, []
        elif name == "rPh":
            self.phonetic += 1
        elif name == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def text(self, data: str) -> None:
        if self.capture is not None:
            self.captured += len(data)
            if self.captured > self.limits.cell_chars:
                raise FileRejected(_("Row %(row)d, column %(column)s: the cell holds more than "
                                     "%(n)d characters.", row=self.line,
                                     column=get_column_letter(self.col),
                                     n=self.limits.cell_chars))
            self.capture.append(data)

    def end(self, name: str) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "v":
            if self.capture is not None:
                self.value, self.capture = "".join(self.capture), None
        elif name == "c":
            self.in_cell = False
            if self.value is not None or self.formula is not None or self.inline is not None:
                value = self._value()
                if value is not None:
                    self._keep(value)
        elif name == "row":
            self._row_end()
        elif name == "f":
            if self.capture is not None:
                self.formula = self._formula("".join(self.capture))
                self.capture = None
        elif name == "t":
            if self.capture is not None and self.inline is not None:
                self.inline.append("".join(self.capture))
                self.capture = None
        elif name == "is":
            self.in_inline = False
        elif name == "rPh":
            self.phonetic -= 1

    # -- rows and cells -----------------------------------------------------------------------

    def _column(self, letters: str) -> int:
        index = column_index(letters)
        if not index:
            raise ooxml.damaged(self.title, self.line)
        self.columns[letters] = index
        return index

    def _row_start(self, number: str | None) -> None:
        try:
            self.line = int(number) if number else self.line + 1
        except ValueError as exc:
            raise ooxml.damaged(self.title, self.line) from exc
        self.col = 0
        if self.meta_lines and self.line > self.meta_lines:
            raise Enough

    def _row_end(self) -> None:
        if not self.row:
            return
        values: list[Any] = [None] * max(self.row)
        for col, value in self.row.items():
            values[col - 1] = value
        self.rows.append((self.line, values))
        self.row = {}
        if len(self.rows) > self.limits.rows:
            raise FileRejected(_("The sheet has more than %(n)d rows; is it the right file?",
                                 n=self.limits.rows))

    def _keep(self, value: Any) -> None:
        limits = self.limits
        if self.meta_lines:
            if self.col <= 2:
                self.row[self.col] = value
            return
        if self.line > limits.lines:  # formatted but empty rows below are fine, not filled ones
            raise FileRejected(_("The sheet has more than %(n)d rows; is it the right file?",
                                 n=limits.lines))
        if self.col > limits.columns:
            raise FileRejected(_("The sheet has more than %(n)d columns; is it the right "
                                 "file?", n=limits.columns))
        self.cells += 1
        if self.cells > limits.cells:
            raise FileRejected(_("The sheet has more than %(n)d filled cells; is it the right "
                                 "file?", n=limits.cells))
        if isinstance(value, str):
            self.chars += len(value)
            if self.chars > limits.text:
                raise FileRejected(_("The cells of the sheet hold more than %(n)d characters "
                                     "of text together; is it the right file?", n=limits.text))
        self.row[self.col] = value

    def _value(self) -> Any:
        """The cell as the user sees it; text is stripped, an empty cell is None."""
        kind, raw = self.type, self.value
        if self.formula is not None:
            return self.formula
        if kind == "s":
            return self._shared(raw)
        if kind == "inlineStr":
            text = "".join(self.inline) if self.inline is not None else raw
        elif raw is None:
            return None
        elif kind is None or kind == "n":
            return self._number(raw.strip())
        elif kind == "b":
            return raw.strip() in ("1", "true")
        elif kind == "d":
            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError:
                text = raw
        else:  # "str" (a formula's text) and "e" (an error such as #DIV/0!)
            text = raw
        return (text or "").strip() or None

    def _shared(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        try:
            index = int(raw)
        except ValueError:
            index = -1
        if not 0 <= index < len(self.book.strings):
            raise FileRejected(_("Row %(row)d, column %(column)s: the cell refers to a text "
                                 "that is missing from the file; the file is damaged. Save it "
                                 "again in Excel as .xlsx and upload it again.", row=self.line,
                                 column=get_column_letter(self.col)))
        return self.book.strings[index].strip() or None

    def _number(self, raw: str) -> Any:
        if not raw:
            return None
        try:
            if len(raw) > 64:
                raise ValueError(raw)
            number = float(raw) if "." in raw or "e" in raw or "E" in raw else int(raw)
        except ValueError as exc:
            raise FileRejected(_("Row %(row)d, column %(column)s: the number in the cell cannot "
                                 "be read; the file is damaged. Save it again in Excel as .xlsx "
                                 "and upload it again.", row=self.line,
                                 column=get_column_letter(self.col))) from exc
        kind = self.kinds.get(self.style, GENERAL) if self.style else GENERAL
        if kind == GENERAL:
            return number
        if kind == DATE:
            try:
                return from_excel(number, self.book.date1904)
            except (OverflowError, ValueError):
                return number
        return percent_text(number, kind)

    def _formula(self, text: str) -> Formula:
        """The formula's text; a shared formula's other cells get theirs spelt out."""
        attrs = self.formula_attrs
        if attrs.get("t") == "shared":
            group = attrs.get("si", "")
            here = f"{get_column_letter(self.col)}{self.line}"
            if text:
                self.shared[group] = (text, here)
            elif group in self.shared:
                text = self._translate(*self.shared[group], here)
        return Formula("=" + text)

    def _translate(self, formula: str, origin: str, here: str) -> str:
        if self.translations >= MAX_TRANSLATIONS or len(formula) > MAX_TRANSLATED_CHARS:
            return formula
        self.translations += 1
        try:
            return Translator("=" + formula, origin).translate_formula(here)[1:]
        except (TokenizerError, TranslatorError, ValueError, IndexError, KeyError):
            return formula

    def _merge(self, ref: str) -> None:
        match = _MERGE.match(ref)
        if match is None:
            return
        if len(self.merged) >= self.limits.merged:
            raise FileRejected(_("The sheet has more than %(n)d merged ranges; unmerge the "
                                 "cells and upload the file again.", n=self.limits.merged))
        c1, r1, c2, r2 = match.groups()
        c2, r2 = c2 or c1, r2 or r1
        self.merged.append((int(r1), column_index(c1), int(r2), column_index(c2),
                            f"{c1}{r1}:{c2}{r2}"))
