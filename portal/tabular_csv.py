"""CSV files as Excel and LibreOffice write them, read line by line within limits.

The encoding is UTF-8 (with or without a BOM), Windows-1251 (Russian Excel's «CSV
(разделители — точка с запятой)») or UTF-16 (Excel's «Unicode text», tab-separated); the
separator is a semicolon, a tab or a comma, whichever the first line holds. The file is
never decoded as a whole (a 20 MB file could take 80 MB as one string): lines are cut from
the bytes, each at most :data:`~portal.tabular.MAX_CSV_LINE_BYTES` long, decoded one at a
time, and every limit of :mod:`portal.tabular` is checked as each line arrives.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _

from portal import tabular
from portal.tabular import FileRejected, Grid

_LINE = r"[^\r\n]{0,LIMIT}(?:\r\n|\r|\n)?".replace("LIMIT", str(tabular.MAX_CSV_LINE_BYTES))
_TEXT_LINE, _BYTES_LINE = re.compile(_LINE), re.compile(_LINE.encode())


def not_a_table() -> FileRejected:
    return FileRejected(_("The file is not an Excel workbook (.xlsx) or a CSV file, even "
                          "though its name says so."))


def encoding_of(data: bytes) -> str | None:
    """The encoding of a text file, or None if it is not text at all."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if (even or odd) and not (even and odd) and (even + odd) * 4 >= len(sample) // 2:
        return "utf-16-le" if odd else "utf-16-be"  # ASCII written in UTF-16, no BOM
    if b"\x00" in data:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 20):  # checked in pieces, nothing kept
            decoder.decode(data[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def _lines(data: bytes, encoding: str) -> Iterator[str]:
    """The physical lines of the file, decoded, each refused if it is too long."""
    if encoding.startswith("utf-16"):
        try:
            source: Any = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise FileRejected(_("The file is in the UTF-16 encoding but is damaged. Save it "
                                 "again as «CSV UTF-8» and upload it again.")) from exc
        if "\x00" in source:
            raise not_a_table()
        pattern, position, encoding = _TEXT_LINE, 0, ""
    else:
        source, pattern = data, _BYTES_LINE
        position, encoding = (3, "utf-8") if encoding == "utf-8-sig" else (0, encoding)
    number, end = 0, len(source)
    while position < end:
        match = pattern.match(source, position)
        line, position, number = match.group(), match.end(), number + 1
        if position < end and line[-1:] not in ("\n", "\r", b"\n", b"\r"):
            raise FileRejected(_("Line %(line)d of the file is too long; is it the right file?",
                                 line=number))
        if number > tabular.MAX_SHEET_LINES:  # blank lines count: each costs a pass
            raise FileRejected(_("The sheet has more than %(n)d rows; is it the right file?",
                                 n=tabular.MAX_SHEET_LINES))
        yield line.decode(encoding) if encoding else line


def read_csv(data: bytes) -> Grid:
    """The rows of a CSV file with their line numbers; blank rows are left out."""
    encoding = encoding_of(data)
    if encoding is None:
        raise not_a_table()
    try:
        first = next((line for line in _lines(data, encoding) if line.strip()), "")
        delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
        return _rows(_lines(data, encoding), delimiter)
    except UnicodeDecodeError as exc:
        raise FileRejected(_("The CSV file is neither UTF-8 nor Windows-1251 text.")) from exc


def _rows(lines: Iterator[str], delimiter: str) -> Grid:
    t = tabular
    rows: list[tuple[int, list[Any]]] = []
    cells = chars = line = 0
    try:
        for line, values in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            if len(values) > t.MAX_COLUMNS or len(rows) >= t.MAX_ROWS:
                raise FileRejected(_("The file has more than %(rows)d rows or %(cols)d columns; "
                                     "is it the right file?", rows=t.MAX_ROWS,
                                     cols=t.MAX_COLUMNS))
            if not "".join(values).strip():
                continue  # a blank line, seen without looking at each of its cells
            cleaned = [v.strip() or None for v in values]
            while cleaned[-1] is None:
                cleaned.pop()
            for column, value in enumerate(cleaned, start=1):
                if value is not None and len(value) > t.MAX_CELL_CHARS:
                    raise FileRejected(_("Line %(line)d, column %(column)d: the cell holds more "
                                         "than %(n)d characters.", line=line, column=column,
                                         n=t.MAX_CELL_CHARS))
            cells += sum(value is not None for value in cleaned)
            chars += sum(len(value) for value in cleaned if value is not None)
            if cells > t.MAX_CELLS or chars > t.MAX_TEXT_CHARS:
                raise FileRejected(_("The file has more than %(n)d filled cells or %(chars)d "
                                     "characters; is it the right file?", n=t.MAX_CELLS,
                                     chars=t.MAX_TEXT_CHARS))
            rows.append((line, cleaned))
    except csv.Error as exc:
        raise _csv_error(line + 1, exc) from exc
    if not rows:
        raise FileRejected(_("The file is empty."))
    return Grid("csv", rows)


def _csv_error(line: int, error: csv.Error) -> FileRejected:
    """csv's own reasons are English: say in the user's language what they mean."""
    if "field limit" in str(error):
        return FileRejected(_("Line %(line)d: a cell holds more than %(n)d characters; check "
                              "the quotes around the values.", line=line,
                              n=csv.field_size_limit()))
    return FileRejected(_("Line %(line)d of the CSV file cannot be read; check the quotes "
                          "around the values.", line=line))
