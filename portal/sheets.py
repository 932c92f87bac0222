"""The one writer of every CSV and XLSX the portal hands out (:mod:`portal.downloads` sends them).

Exported cells hold text that users typed: organization names, event titles, comments,
indicator labels, values typed into drafts. Opened in Excel or LibreOffice, text that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return - also after leading spaces -
may run as a formula (OWASP "CSV injection": ``=HYPERLINK(…)``, ``-2+3+cmd|' /C calc'!A0``).
So, whatever module builds the table:

- in XLSX every text cell is a string cell (openpyxl turns any ``"=…"`` it is given into a
  formula; that is undone here), and text that looks like a formula also gets Excel's quote
  prefix, so that editing the cell keeps it text. The text itself stays exactly as typed, so
  files the portal reads back (report templates, roadmaps) round-trip unchanged;
- in CSV, which has no types, such text is prefixed with an apostrophe, as OWASP advises.

Numbers stay numbers (a negative number is not text, and is never prefixed) and dates are
date cells (``DD.MM.YYYY``); in CSV dates are written ISO 8601 (``2025-09-15``), which
spreadsheets read as dates in every locale.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

# What makes a spreadsheet read a cell as a formula (OWASP), with the full-width forms that
# some input methods type and some spreadsheets accept as the same signs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
# What openpyxl gives a date cell when the builder chose no format of its own.
_OPENPYXL_DATE_FORMATS = {"yyyy-mm-dd", "yyyy-mm-dd h:mm:ss"}


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula: it starts with one of
    :data:`FORMULA_START`, before or after leading spaces and line breaks."""
    return text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START)


def inert(text: str) -> str:
    """``text`` as a CSV field that no spreadsheet runs: prefixed with ``'`` when needed."""
    return "'" + text if looks_like_formula(text) else text


def csv_field(value: Any, decimal: str = ".") -> str:
    """One CSV field: text made inert, numbers with the decimal sign, dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        text = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return text.replace(".", decimal)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return inert(str(value))


def csv_text(rows: Iterable[Sequence[Any]], *, delimiter: str = ";", decimal: str = ",") -> str:
    """Rows as CSV text (CRLF line ends, as Excel writes them), fields by :func:`csv_field`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_field(value, decimal) for value in row])
    return out.getvalue()


def make_inert(workbook: Workbook) -> None:
    """Make every cell of ``workbook`` safe to open: no formula, text marked as text where it
    looks like a formula, dates with a date format."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                _inert_cell(cell)


def _inert_cell(cell: Any) -> None:
    value = cell.value
    if isinstance(value, str):
        if cell.data_type == "f":  # openpyxl's guess from a leading "=": text, not a formula
            cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    elif isinstance(value, (date, datetime)) and cell.number_format in _OPENPYXL_DATE_FORMATS:
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT


def xlsx_bytes(workbook: Workbook) -> bytes:
    """The workbook saved as XLSX bytes after :func:`make_inert`."""
    make_inert(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()
