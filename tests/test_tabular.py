"""The shared reader of XLSX and CSV (portal/tabular.py and the streaming XLSX reader).

Workbooks are written part by part (tests/data/hostile_uploads.py), the way Excel writes
them, so each test can set exactly one thing: a number format, a sheet's visibility, one
limit lowered. The corpus tests (test_report_upload_corpus.py) go through the upload route.
"""

from __future__ import annotations

import io
import random
import tracemalloc
import zipfile
from datetime import datetime, time

import pytest

from portal import tabular
from portal.report_files import file_format
from portal.tabular import FileRejected, Formula, Percent, read_grid
from portal.tabular_sheet import DATE, GENERAL, PERCENT, PERCENT_SIGN, format_kind
from tests.data import hostile_uploads as h
from tests.data.make_uploads import OUT as CORPUS
from tests.data.make_uploads import template


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _cells(*cells: str, styles: str | None = None, shared: list[str] | None = None) -> bytes:
    row = "".join(cells)
    return h.book([("Лист1", "visible", h.sheet(f'<row r="1">{row}</row>'))],
                  h.strings(shared) if shared is not None else None, styles)


def _values(data: bytes) -> list:
    return read_grid(data, "x.xlsx").rows[0][1]


@pytest.mark.parametrize("code,kind", [
    ("General", GENERAL), ("0.00", GENERAL), ("# ##0\\ \\m", GENERAL), ('0" шт."', GENERAL),
    ("0%", PERCENT), ("0.0%", PERCENT), ("[Red]0.00%;-0%", PERCENT), ('0"%"', PERCENT_SIGN),
    ("dd.mm.yyyy", DATE), ("[$-419]d mmmm yyyy", DATE), ("[h]:mm", DATE), ("h:mm AM/PM", DATE),
    ('[$₽-419]# ##0,00', GENERAL), ("0.00E+00", GENERAL),
])
def test_number_formats_are_classified(code, kind):
    assert format_kind(code) == kind


def test_a_number_honours_its_cells_number_format():
    styles = h.styles('<numFmt numFmtId="164" formatCode="0.0%"/>'
                      '<numFmt numFmtId="165" formatCode="dd.mm.yyyy"/>'
                      '<numFmt numFmtId="166" formatCode="0&quot;%&quot;"/>',
                      '<xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"/>'
                      '<xf numFmtId="14"/><xf numFmtId="165"/><xf numFmtId="166"/>'
                      '<xf numFmtId="20"/>')
    values = _values(_cells('<c r="A1"><v>40</v></c>', '<c r="B1" s="1"><v>0.37</v></c>',
                            '<c r="C1" s="2"><v>0.285</v></c>', '<c r="D1" s="3"><v>46000</v></c>',
                            '<c r="E1" s="4"><v>46000.5</v></c>', '<c r="F1" s="5"><v>37</v></c>',
                            '<c r="G1" s="6"><v>0.5</v></c>', '<c r="H1" s="99"><v>7</v></c>',
                            styles=styles))
    assert values == [40, "37%", "28.5%", datetime(2025, 12, 9), datetime(2025, 12, 9, 12),
                      "37%", time(12), 7]
    assert isinstance(values[1], Percent) and isinstance(values[5], Percent)


def test_cell_types_are_read_like_excel_shows_them():
    values = _values(_cells(
        '<c r="A1" t="s"><v>1</v></c>', '<c r="B1" t="inlineStr"><is><r><t>на</t></r><r><t>'
        'ставник</t></r><rPh><t>ignored</t></rPh></is></c>', '<c r="C1" t="b"><v>1</v></c>',
        '<c r="D1" t="e"><v>#DIV/0!</v></c>', '<c r="E1" t="str"><f>A1&amp;"!"</f><v>x!</v></c>',
        '<c r="F1"><f t="shared" ref="F1:G1" si="0">A1*2</f><v>2</v></c>',
        '<c r="G1"><f t="shared" si="0"/><v>4</v></c>', '<c r="I1" t="s"><v>0</v></c>',
        shared=["  ", " код "]))
    assert values == ["код", "наставник", True, "#DIV/0!", '=A1&"!"', "=A1*2", "=B1*2"]
    assert isinstance(values[4], Formula) and isinstance(values[6], Formula)


def test_prefixed_and_date1904_workbooks_are_read():
    sheet = (f'{h.HEAD}<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main"><x:sheetData><x:row><x:c><x:v>5</x:v></x:c><x:c s="1"><x:v>1</x:v>'
             "</x:c></x:row></x:sheetData></x:worksheet>")
    data = h.book([("Лист1", "visible", sheet)], styles=h.styles(xfs='<xf/><xf numFmtId="14"/>'))
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheets>",
                                                                b'<workbookPr date1904="1"/><sheets>')
    assert _values(h.package(parts)) == [5, datetime(1904, 1, 2)]


def test_hidden_sheets_are_skipped_and_named_our_hidden_metadata_is_read():
    data = h.book([("Старый", "hidden", h.sheet('<row r="1"><c><v>1</v></c></row>')),
                   ("Скрытый", "veryHidden", h.sheet('<row r="1"><c><v>2</v></c></row>')),
                   ("Новый", "visible", h.sheet('<row r="1"><c><v>3</v></c></row>'))])
    grid = read_grid(data, "x.xlsx")
    assert (grid.sheet, grid.rows) == ("Новый", [(1, [3])])
    assert grid.notices == ["Hidden sheets were not read: «Старый», «Скрытый»."]
    ours = file_format.read_grid(template(), "template.xlsx")
    assert ours.notices == [] and ours.meta["organization"] == "7701001"
    assert ours.sheet == "Отчёт"


@pytest.mark.parametrize("prolog,part", [
    ("<!DOCTYPE worksheet>", "sheet"),
    ('<!DOCTYPE sst [<!ENTITY a "b">]>', "shared"),
    ('<!DOCTYPE x SYSTEM "http://example.org/x.dtd">', "sheet"),
])
def test_every_xml_part_refuses_a_document_type_declaration(prolog, part):
    sheet = h.sheet(h.excel_like(), prolog if part == "sheet" else "")
    shared = h.strings(h.CODES, prolog if part == "shared" else "")
    with pytest.raises(FileRejected, match="document type declaration"):
        read_grid(h.book([("Лист1", "visible", sheet)], shared), "x.xlsx")


def _bomb(cells: int = 0, strings: int = 0, xfs: int = 0, width: int = 10) -> bytes:
    rows = "".join(f'<row r="{n}">' + "<c><v>1</v></c>" * width + "</row>"
                   for n in range(1, cells // width + 1))
    return h.book([("Лист1", "visible", h.sheet(rows or h.excel_like()))],
                  h.strings(h.CODES + ["x"] * strings),
                  h.styles(xfs='<xf numFmtId="0"/>' * (xfs + 1)))


@pytest.mark.parametrize("limit,value,data,message", [
    ("MAX_CELLS", 100, lambda: _bomb(cells=200), "more than 100 filled cells"),
    ("MAX_ROWS", 10, lambda: _bomb(cells=200), "more than 10 rows"),
    ("MAX_SHARED_STRINGS", 100, lambda: _bomb(strings=200), "more than 100 different texts"),
    ("MAX_SHARED_CHARS", 50, lambda: _bomb(strings=60), "longer than 50 characters"),
    ("MAX_STYLES", 100, lambda: _bomb(xfs=200), "more than 100 cell or number formats"),
    ("MAX_XML_ELEMENTS", 500, lambda: _bomb(cells=300), "more than 500 XML elements"),
    ("MAX_PART_BYTES", 10_000, lambda: _bomb(cells=1000), "too large when unpacked"),
    ("MAX_PARTS", 5, lambda: _bomb(), "more than 5 parts"),
    ("MAX_TEXT_CHARS", 30, lambda: _bomb(), "more than 30 characters of text"),
    ("MAX_CELL_CHARS", 5, lambda: _cells('<c t="inlineStr"><is><t>123456</t></is></c>'),
     "Row 1, column A: the cell holds more than 5 characters"),
    ("MAX_COLUMNS", 2, lambda: _cells('<c r="D1"><v>1</v></c>'), "more than 2 columns"),
    ("MAX_SHEET_LINES", 3, lambda: h.book([("Лист1", "visible", h.sheet(
        '<row r="4"><c><v>1</v></c></row>'))]), "more than 3 rows"),
    ("MAX_MERGED", 1, lambda: h.book([("Лист1", "visible", h.sheet(h.excel_like()).replace(
        "</worksheet>", '<mergeCells><mergeCell ref="A1:B1"/><mergeCell ref="A2:B2"/>'
        "</mergeCells></worksheet>"))], h.strings(h.CODES)), "more than 1 merged ranges"),
])
def test_each_limit_refuses_while_streaming(monkeypatch, limit, value, data, message):
    data = data()
    read_grid(data, "x.xlsx")  # within the ordinary limits the file is fine
    monkeypatch.setattr(tabular, limit, value)
    with pytest.raises(FileRejected, match=message):
        read_grid(data, "x.xlsx")


def test_a_part_packed_too_tightly_is_refused_before_unpacking(monkeypatch):
    data = _bomb(cells=80_000, width=100)  # 1.3 MB of identical cells, packed ~400 times
    monkeypatch.setattr(tabular, "MAX_RATIO", 1000)
    read_grid(data, "x.xlsx")
    monkeypatch.setattr(tabular, "MAX_RATIO", 100)
    with pytest.raises(FileRejected, match="packed suspiciously tightly"):
        read_grid(data, "x.xlsx")


@pytest.mark.parametrize("name", ["bomb_cells.xlsx", "bomb_shared_strings.xlsx",
                                  "bomb_styles.xlsx", "bomb_elements.xlsx", "bomb_packed.xlsx",
                                  "huge_part.xlsx"])
def test_bombs_are_refused_within_bounded_memory(name):
    data = (CORPUS / name).read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(FileRejected):
            read_grid(data, name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024, peak


def test_macros_binary_and_opendocument_workbooks_are_named():
    for name, message in [("macros.xlsm", "contains macros"), ("binary_workbook.xlsb", ".xlsb"),
                          ("spreadsheet.ods", "OpenDocument spreadsheet")]:
        with pytest.raises(FileRejected, match=message):
            read_grid((CORPUS / name).read_bytes(), name)
    archive = zipfile.ZipFile(io.BytesIO(template()))
    parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/macrosheets/sheet1.xml"] = b"<xm:macrosheet/>"  # an Excel 4.0 macro sheet
    with pytest.raises(FileRejected, match="contains macros"):
        read_grid(h.package(parts), "x.xlsx")


def test_damaged_workbooks_only_ever_raise_file_rejected():
    """Seeded random damage to every part of a template: a clear refusal or a grid, never a crash."""
    rng = random.Random(9)
    archive = zipfile.ZipFile(io.BytesIO(template()))
    parts = {n: archive.read(n) for n in archive.namelist()}
    outcomes = set()
    for _ in range(150):
        broken = dict(parts)
        name = rng.choice(sorted(parts))
        xml = bytearray(parts[name])
        for _flip in range(rng.randint(1, 4)):
            at = rng.randrange(len(xml))
            xml[at:at + 1] = bytes([rng.choice(b'<>/"=&;x0 s\x00\xff')])
        broken[name] = bytes(xml[:rng.randint(len(xml) // 2, len(xml))])
        try:
            file_format.read_grid(h.package(broken), "x.xlsx")
            outcomes.add("read")
        except FileRejected:
            outcomes.add("refused")
    assert outcomes == {"read", "refused"}


@pytest.mark.parametrize("data", [
    "\ufeffcode\tvalue\r\nstaff_total\t40\r\n".encode("utf-16-le"),
    "\ufeffcode;value\nstaff_total;40\n".encode("utf-16-be"),
    "code;value\nstaff_total;40\n".encode("utf-16-le"),  # no byte order mark
])
def test_utf16_csv_is_read(data):
    assert read_grid(data, "x.csv").rows == [(1, ["code", "value"]), (2, ["staff_total", "40"])]


def test_csv_limits_and_damage(monkeypatch):
    with pytest.raises(FileRejected, match="Line 2 of the file is too long"):
        read_grid(b"code;value\n" + b"x" * (tabular.MAX_CSV_LINE_BYTES + 1) + b"\n", "x.csv")
    with pytest.raises(FileRejected, match="more than 20000 rows"):
        read_grid(b"code;value\n" + b"\n" * 30_000 + b"a;1\n", "x.csv")
    with pytest.raises(FileRejected, match="more than 5000 rows or 300 columns"):
        read_grid(b"code;value\n" + b";" * 400 + b"\na;1\n", "x.csv")
    with pytest.raises(FileRejected, match="not an Excel workbook"):
        read_grid(b"code;value\n" + b"a;1\n" * 2000 + b"b;\x00\n", "x.csv")
    assert read_grid(b"code;value\na;1\n\n;;;\n;;\n", "x.csv").rows == [(1, ["code", "value"]),
                                                                         (2, ["a", "1"])]
    monkeypatch.setattr(tabular, "MAX_CELLS", 3)
    with pytest.raises(FileRejected, match="more than 3 filled cells"):
        read_grid(b"code;value\na;1\nb;2\n", "x.csv")
