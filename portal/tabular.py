"""Reading tables people make in Excel: XLSX, or CSV as Russian Excel writes it.

:func:`read_grid` turns an uploaded file into a :class:`Grid` of rows as the user sees them
(line numbers, column letters, formulas and merged cells kept visible) so that callers can
report every problem by row and column. CSV may be UTF-8 (with or without a BOM),
Windows-1251 or UTF-16 (Excel's «Unicode text»), separated by semicolons, tabs or commas.
The kind is chosen by content, not by the file's name. Anything that makes the whole file
unusable raises :class:`FileRejected` with a message in the user's language - never another
exception. Cells come from untrusted users: nothing is evaluated, formulas are reported as
such, and every limit below is checked while the file streams, before anything large is
built (:mod:`portal.tabular_xlsx`, :mod:`portal.ooxml`).

:func:`read_table` is the simple view for registries (the first row names the columns).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from portal.refusals import Refusal

# Limits on what is read (a template has ~35 rows; a municipality a few hundred organizations,
# a region's registry a few thousand). Every file within the upload limit (20 MB) is refused
# or read within 2 s and 100 MB (bench/worst_file.py). They are read when a file is, so
# tests may lower them (except MAX_CSV_LINE_BYTES, compiled into a pattern).
MAX_ROWS = 5000  # filled rows
MAX_SHEET_LINES = 20000  # the last line a filled cell may be on
MAX_COLUMNS = 300
MAX_CELLS = 100_000  # filled cells of the sheet read
MAX_TEXT_CHARS = 5_000_000  # characters of text in those cells, together
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_CSV_LINE_BYTES = 200_000
MAX_SHARED_STRINGS = 60_000
MAX_SHARED_CHARS = 3_000_000
MAX_STYLES = 65_000  # cell formats (Excel's own limit is 64,000)
MAX_NUMBER_FORMATS = 1000  # custom number formats (Excel allows about 250)
MAX_MERGED = 1000
MAX_XML_ELEMENTS = 500_000  # in all the XML parts read from one workbook, together
MAX_XML_TOKEN_BYTES = 256 * 1024  # one tag or comment (expat re-reads an unfinished one)
MAX_PART_BYTES = 25 * 1024 * 1024  # one part, unpacked
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # all parts, as declared: refused before unpacking
MAX_RATIO = 100  # unpacked / packed for a part of 1 MB or more (ordinary sheets: 5-20)
MAX_PARTS = 1000
HEADER_SEARCH_ROWS = 30


class FileRejected(Refusal):
    """The file as a whole cannot be used; the message (translated) says why."""


class Formula(str):
    """The text of a formula cell: shown to the user, never evaluated."""


class Percent(str):
    """A number shown with a percent format, as Excel shows it: «37%» for a stored 0.37."""


@dataclass
class Grid:
    """The rows of the sheet that holds the data, as the user sees them in Excel."""

    kind: str  # "xlsx" or "csv"
    rows: list[tuple[int, list[Any]]]  # (line number, cell values), blank rows left out
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r1, c1, r2, c2
    meta: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # for the preview: hidden sheets skipped
    sheet: str = ""  # the sheet read
    hidden: list[str] = field(default_factory=list)  # the hidden sheets not read, by name

    def column_name(self, index: int, header: Any) -> str:
        """How a column is named in messages: «E «Значение»» in Excel, «value» in CSV."""
        title = "" if header is None else visible(str(header).strip())
        if self.kind == "xlsx":
            letter = get_column_letter(index + 1)
            return f"{letter} «{title}»" if title else letter
        return f"«{title}»" if title else str(index + 1)


_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}  # controls, format marks (U+200B)…


def visible(text: str) -> str:
    """``text`` with every invisible character spelt out, as «[U+200B]», so messages show it."""
    if text.isprintable():
        return text
    return "".join(f"[U+{ord(c):04X}]" if unicodedata.category(c) in _INVISIBLE else c
                   for c in text)


def normalize_raw(cell: Any) -> str:
    """The text of a cell as the user would see it (numbers from Excel stay numbers).

    Invisible characters (a zero-width space pasted with a code) are spelt out, so that
    whatever names the cell - a message, the preview - shows them.
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, (datetime, date)):
        return cell.isoformat()
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e16:
            return str(int(cell))
        text = repr(cell)
        return format(Decimal(text), "f") if "e" in text else text
    return visible(str(cell).strip())


def normalize_header(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().lower().replace("ё", "е")


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_UNEXPECTED = (KeyError, IndexError, TypeError, ValueError, OverflowError, RecursionError,
               UnicodeError, EOFError, OSError, NotImplementedError, RuntimeError)


def read_grid(data: bytes, filename: str, *, prefer: tuple[str, ...] = (),
              skip: tuple[str, ...] = (), meta_sheet: str | None = None) -> Grid:
    """Read an uploaded XLSX or CSV, chosen by content rather than by the file name.

    In a workbook the data sheet is the first visible sheet of ``prefer``, else the first
    visible sheet not in ``skip``; hidden sheets are not read (``Grid.notices`` says so). A
    ``meta_sheet`` of key/value rows (hidden or not) is read into ``Grid.meta``.
    """
    if not data or data.isspace():
        raise FileRejected(_("The file is empty."))
    if data[:8] == _OLE_MAGIC:
        if _ENCRYPTED_MARK in data:
            raise FileRejected(_("The file is protected with a password. Remove the password "
                                 "in Excel (File → Info → Protect Workbook) and upload it again."))
        raise FileRejected(_("This is an old Excel 97–2003 (.xls) file. Save it as an Excel "
                             "workbook (.xlsx) and upload it again."))
    # The readers build this module's Grid and raise its FileRejected: imported here.
    from portal import tabular_csv, tabular_xlsx

    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    is_zip = data[:4] == b"PK\x03\x04"
    try:
        if is_zip:
            return tabular_xlsx.read_xlsx(data, prefer, skip, meta_sheet)
        if suffix in {"xlsx", "xlsm", "xls", "ods"}:
            raise tabular_csv.not_a_table()
        return tabular_csv.read_csv(data)
    except FileRejected:
        raise
    except _UNEXPECTED as exc:  # a file damaged in a way no check foresaw: still no error 500
        if is_zip:
            raise FileRejected(_("The Excel file is damaged and cannot be opened. Save it "
                                 "again in Excel as .xlsx and upload it again.")) from exc
        raise FileRejected(_("The file cannot be read. Save it again as an Excel workbook "
                             "(.xlsx) or as CSV and upload it again.")) from exc


def find_header(grid: Grid, aliases: set[str]) -> tuple[int, list[Any]] | None:
    """The position in ``grid.rows`` of the header row: the first row naming a key column."""
    for position, (_line, values) in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        if any(normalize_header(v) in aliases for v in values):
            return position, values
    return None


def as_date(value: Any) -> bool:
    return isinstance(value, (datetime, date))


# -- the simple view: a header row naming the columns ------------------------------------------

TableError = FileRejected


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file (as the user sees it) and its cells."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[Row]


def read_table(data: bytes, filename: str) -> Table:
    """The first non-blank row names the columns (lower-cased); the rest are data rows."""
    grid = read_grid(data, filename)
    (_line, header), body = grid.rows[0], grid.rows[1:]
    columns = [str(v).strip().lower() if v is not None else "" for v in header]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise FileRejected(_("The column %(name)s appears twice.", name=name))
        seen.add(name)
    rows = [Row(line, {name: values[i] if i < len(values) else None
                       for i, name in enumerate(columns) if name})
            for line, values in body]
    return Table([c for c in columns if c], rows)


def read_table_file(path: str | Path) -> Table:
    """Read a table from a file on disk."""
    path = Path(path)
    return read_table(path.read_bytes(), path.name)


def require_columns(table: Table, required: list[str]) -> None:
    """Raise :class:`FileRejected` naming every required column the table lacks."""
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise FileRejected(_("Missing columns: %(names)s.", names=", ".join(missing)))
