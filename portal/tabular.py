"""Reading tables people make in Excel: XLSX, or CSV as Russian Excel writes it.

:func:`read_grid` turns an uploaded file into a :class:`Grid` of rows as the user sees them
(line numbers, column letters, formulas and merged cells kept visible) so that callers can
report every problem by row and column. CSV may be UTF-8 (with or without a BOM) or
Windows-1251, separated by semicolons, tabs or commas. The kind is chosen by content, not by
the file's name. Anything that makes the whole file unusable raises :class:`FileRejected`
with a message in the user's language. Cells come from untrusted users: nothing is
evaluated, formulas are reported as such, sizes are checked before anything is unpacked.

:func:`read_table` is the simple view for registries (the first row names the columns).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

# Limits on what is read (a template has ~35 rows; a municipality a few hundred organizations).
MAX_ROWS = 5000
MAX_SHEET_LINES = 20000
MAX_COLUMNS = 300
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX is a zip: refuse zip bombs before unpacking
HEADER_SEARCH_ROWS = 30


class FileRejected(ValueError):
    """The file as a whole cannot be used; the message (translated) says why."""


class Formula(str):
    """The text of a formula cell: shown to the user, never evaluated."""


@dataclass
class Grid:
    """The rows of the sheet that holds the data, as the user sees them in Excel."""

    kind: str  # "xlsx" or "csv"
    rows: list[tuple[int, list[Any]]]  # (line number, cell values), blank rows left out
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r1, c1, r2, c2
    meta: dict[str, str] = field(default_factory=dict)

    def column_name(self, index: int, header: Any) -> str:
        """How a column is named in messages: «E «Значение»» in Excel, «value» in CSV."""
        title = "" if header is None else str(header).strip()
        if self.kind == "xlsx":
            letter = get_column_letter(index + 1)
            return f"{letter} «{title}»" if title else letter
        return f"«{title}»" if title else str(index + 1)


def normalize_raw(cell: Any) -> str:
    """The text of a cell as the user would see it (numbers from Excel stay numbers)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, (datetime, date)):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def normalize_header(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().lower().replace("ё", "е")


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def read_grid(data: bytes, filename: str, *, prefer: tuple[str, ...] = (),
              skip: tuple[str, ...] = (), meta_sheet: str | None = None) -> Grid:
    """Read an uploaded XLSX or CSV, chosen by content rather than by the file name.

    In a workbook the data sheet is the first of ``prefer`` present, else the first sheet
    not in ``skip``; a ``meta_sheet`` of key/value rows is read into ``Grid.meta``.
    """
    if not data.strip():
        raise FileRejected(_("The file is empty."))
    if data[:8] == _OLE_MAGIC:
        if _ENCRYPTED_MARK in data:
            raise FileRejected(_("The file is protected with a password. Remove the password "
                                 "in Excel (File → Info → Protect Workbook) and upload it again."))
        raise FileRejected(_("This is an old Excel 97–2003 (.xls) file. Save it as an Excel "
                             "workbook (.xlsx) and upload it again."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, prefer, skip, meta_sheet)
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix in {"xlsx", "xlsm", "xls", "ods"} or b"\x00" in data[:4096]:
        raise FileRejected(_("The file is not an Excel workbook (.xlsx) or a CSV file, even "
                             "though its name says so."))
    return _read_csv(data)


def _read_xlsx(data: bytes, prefer, skip, meta_sheet) -> Grid:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(_("The Excel file is damaged and cannot be opened. Save it again "
                             "in Excel as .xlsx and upload it again.")) from exc
    if "xl/workbook.xml" not in names:
        raise FileRejected(_("The file is a ZIP archive, not an Excel workbook (.xlsx)."))
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRejected(_("The workbook is too large when unpacked; upload only the sheet "
                             "with the report."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file  # noqa: BLE001
        raise FileRejected(_("The Excel file is damaged and cannot be opened. Save it again "
                             "in Excel as .xlsx and upload it again.")) from exc
    try:
        return _grid_from_workbook(workbook, prefer, skip, meta_sheet)
    except FileRejected:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileRejected(_("The Excel file is damaged and cannot be opened. Save it again "
                             "in Excel as .xlsx and upload it again.")) from exc
    finally:
        workbook.close()


def _grid_from_workbook(workbook, prefer, skip, meta_sheet) -> Grid:
    meta = {}
    if meta_sheet and meta_sheet in workbook.sheetnames:
        for row in workbook[meta_sheet].iter_rows(max_col=2, max_row=20, values_only=True):
            if row and row[0] is not None:
                meta[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
    sheets = [s for s in workbook.worksheets if s.title not in (*skip, meta_sheet)]
    preferred = [s for s in sheets if s.title in prefer]
    if not sheets:
        raise FileRejected(_("The workbook has no sheet with data."))
    sheet = (preferred or sheets)[0]
    sheet.reset_dimensions()  # some programs write a wrong size; read what is really there
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for line, cells in enumerate(sheet.iter_rows(), start=1):
            if line > MAX_SHEET_LINES:  # formatted but empty rows count too: stop reading
                raise FileRejected(_("The sheet has more than %(n)d rows; is it the right "
                                     "file?", n=MAX_SHEET_LINES))
            values = [_xlsx_value(cell) for cell in cells]
            while values and values[-1] is None:
                values.pop()
            if not values:
                continue
            if len(values) > MAX_COLUMNS:
                raise FileRejected(_("The sheet has more than %(n)d columns; is it the right "
                                     "file?", n=MAX_COLUMNS))
            rows.append((line, values))
            if len(rows) > MAX_ROWS:
                raise FileRejected(_("The sheet has more than %(n)d rows; is it the right "
                                     "file?", n=MAX_ROWS))
    if not rows:
        raise FileRejected(_("The sheet “%(sheet)s” is empty.", sheet=sheet.title))
    return Grid("xlsx", rows, _merged_ranges(sheet), meta)


def _xlsx_value(cell) -> Any:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        text = value if isinstance(value, str) else getattr(value, "text", None) or "="
        return Formula(text)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


def _merged_ranges(sheet) -> list[tuple[int, int, int, int, str]]:
    """Merged ranges of a read-only sheet, found by scanning its XML (openpyxl skips them)."""
    from openpyxl.utils import column_index_from_string

    found, tail = [], b""
    with sheet._get_source() as source:
        while True:
            chunk = source.read(1 << 20)
            if not chunk:
                break
            buffer = tail + chunk
            for match in _MERGE.finditer(buffer):
                c1, r1, c2, r2 = match.groups()
                c2, r2 = c2 or c1, r2 or r1
                ref = f"{c1.decode()}{r1.decode()}:{c2.decode()}{r2.decode()}"
                found.append((int(r1), column_index_from_string(c1.decode()), int(r2),
                              column_index_from_string(c2.decode()), ref))
            tail = buffer[-300:]
    return sorted(set(found))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Russian Excel saves «CSV (разделители — точка с запятой)» in Windows-1251.
        return data.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise FileRejected(_("The CSV file is neither UTF-8 nor Windows-1251 text.")) from exc


def _read_csv(data: bytes) -> Grid:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    rows = []
    try:
        for line, values in enumerate(csv.reader(io.StringIO(text, newline=""),
                                                 delimiter=delimiter), start=1):
            cleaned = [v.strip() or None for v in values]
            while cleaned and cleaned[-1] is None:
                cleaned.pop()
            if not cleaned:
                continue
            if len(cleaned) > MAX_COLUMNS or len(rows) >= MAX_ROWS:
                raise FileRejected(_("The file has more than %(rows)d rows or %(cols)d columns; "
                                     "is it the right file?", rows=MAX_ROWS, cols=MAX_COLUMNS))
            rows.append((line, cleaned))
    except csv.Error as exc:
        raise FileRejected(_("The CSV file cannot be read: %(reason)s", reason=str(exc))) from exc
    if not rows:
        raise FileRejected(_("The file is empty."))
    return Grid("csv", rows)


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
