"""Reading tables that people make in Excel: XLSX, or CSV as Russian Excel writes it.

CSV may be UTF-8 (with or without a BOM) or Windows-1251, separated by commas or
semicolons. The first row holds the column names. Every problem is raised as a
:class:`TableError` whose message is already in the user's language.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, for the user."""


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
    """Parse ``data`` as XLSX or CSV, chosen by content, not by the file name."""
    if not data.strip():
        raise TableError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if Path(filename).suffix.lower() in {".xlsx", ".xlsm", ".xls"} or b"\x00" in data[:1024]:
        raise TableError(_("The file is not a valid Excel (XLSX) or CSV file."))
    return _read_csv(data)


def read_table_file(path: str | Path) -> Table:
    """Read a table from a file on disk."""
    path = Path(path)
    return read_table(path.read_bytes(), path.name)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Russian Excel saves "CSV (разделители — запятые)" in Windows-1251.
        return data.decode("cp1251")


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max([";", ",", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_rows = list(reader)
    except csv.Error as exc:
        raise TableError(_("The CSV file cannot be read: %(reason)s", reason=str(exc))) from exc
    return _build(raw_rows, start_line=1)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(_("The file is not a valid Excel (XLSX) file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        raw_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _build(raw_rows, start_line=1)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _build(raw_rows: list[list[Any]], start_line: int) -> Table:
    rows_with_lines = [(start_line + i, [_clean(v) for v in row]) for i, row in enumerate(raw_rows)]
    rows_with_lines = [(line, row) for line, row in rows_with_lines if any(v is not None for v in row)]
    if not rows_with_lines:
        raise TableError(_("The file is empty."))
    _header_line, header = rows_with_lines[0]
    columns = [str(v).strip().lower() if v is not None else "" for v in header]
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise TableError(_("The column %(name)s appears twice.", name=name))
        seen.add(name)
    rows = []
    for line, values in rows_with_lines[1:]:
        rows.append(Row(line, {name: values[i] if i < len(values) else None
                               for i, name in enumerate(columns) if name}))
    return Table([c for c in columns if c], rows)


def require_columns(table: Table, required: list[str]) -> None:
    """Raise :class:`TableError` naming every required column the table lacks."""
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise TableError(_("Missing columns: %(names)s.", names=", ".join(missing)))
