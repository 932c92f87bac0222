"""Reading and writing report files (portal/reports/file_format.py, excel.py) without the web
layer."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from portal import tabular
from portal.catalogue import queries as catalogue_queries
from portal.report_files import file_format
from portal.report_files import workbooks as excel
from portal.tabular import FileRejected, Formula


def _xlsx(rows, merge: str | None = None, title: str = "Лист1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def test_xlsx_grid_keeps_line_numbers_formulas_dates_and_merges(app):
    data = _xlsx([["code", "value"], [None, None], ["staff_total", "=2*20"],
                  ["mentors", datetime(2026, 1, 5)], ["a", "b"]], merge="A5:B5")
    with app.test_request_context():
        grid = file_format.read_grid(data, "x.xlsx")
    assert [line for line, _values in grid.rows] == [1, 3, 4, 5]  # the blank row 2 is skipped
    assert isinstance(grid.rows[1][1][1], Formula) and grid.rows[1][1][1] == "=2*20"
    assert tabular.as_date(grid.rows[2][1][1])
    assert grid.merged == [(5, 1, 5, 2, "A5:B5")]
    assert grid.column_name(1, "value") == "B «value»"


@pytest.mark.parametrize("encoding,bom,delimiter", [("utf-8", False, ","), ("utf-8", True, ";"),
                                                    ("cp1251", False, ";"),
                                                    ("utf-8", False, "\t")])
def test_csv_encodings_and_separators(app, encoding, bom, delimiter):
    text = delimiter.join(["Код показателя", "Значение"]) + "\n" + \
        delimiter.join(["staff_total", "\"12,5\"" if delimiter == "," else "12,5"]) + "\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    with app.test_request_context():
        grid = file_format.read_grid(data, "x.csv")
    assert grid.kind == "csv"
    assert grid.rows == [(1, ["Код показателя", "Значение"]), (2, ["staff_total", "12,5"])]
    assert tabular.find_header(grid, file_format.CODE_ALIASES)[0] == 0


def test_zip_bombs_and_huge_sheets_are_refused_before_reading(app, monkeypatch):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 1000)
        with pytest.raises(FileRejected, match="unpacked"):
            file_format.read_grid(_xlsx([["code", "value"]] * 50), "x.xlsx")
        monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 10 ** 9)
        monkeypatch.setattr(tabular, "MAX_ROWS", 10)
        with pytest.raises(FileRejected, match="10 rows"):
            file_format.read_grid(_xlsx([["code", "value"]] * 50), "x.xlsx")
        monkeypatch.setattr(tabular, "MAX_SHEET_LINES", 20)
        with pytest.raises(FileRejected, match="20 rows"):
            file_format.read_grid(_xlsx([[None]] * 30 + [["code"]]), "x.xlsx")


def test_archives_that_are_not_workbooks(app):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(FileRejected, match="ZIP archive"):
            file_format.read_grid(out.getvalue(), "doc.xlsx")
        with pytest.raises(FileRejected, match="empty"):
            file_format.read_grid(b"  \n", "x.csv")


def test_exports_never_write_formulas(app, factory):
    """A value typed as «=HYPERLINK(...)» stays text in the exported file."""
    from portal.reports.period_operations import open_period

    org = factory.organization(name="=cmd|' /C calc'!A0")
    period = open_period(org.municipality.region, 2026, 3)
    indicators = catalogue_queries.indicators_for(period, org.type)
    with app.test_request_context():
        data = excel.report_template(org, period, indicators,
                                     {"staff_total": ("=1+1", None)}, {})
        rows = [(org, "draft", {"staff_total": "=1+1"})]
        bulk = excel.municipal_export(org.municipality, period, rows, indicators)
    for blob in (data, bulk):
        workbook = load_workbook(io.BytesIO(blob))
        try:
            cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
        finally:
            workbook.close()
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert any(c.value == "=1+1" for c in cells)


def test_bulk_template_validates_by_column(app, factory):
    from portal.reports.period_operations import open_period

    org = factory.organization()
    period = open_period(org.municipality.region, 2026, 3)
    indicators = catalogue_queries.indicators_for(period, org.type)
    with app.test_request_context():
        data = excel.bulk_template(org.municipality, period, [org], indicators, {}, {})
    workbook = load_workbook(io.BytesIO(data))
    try:
        sheet = workbook["Отчёты"]
        ranges = [str(r) for v in sheet.data_validations.dataValidation for r in v.sqref.ranges]
        assert "E6" in ranges and len(ranges) == len(indicators)
        assert [c.value for c in sheet[5]][:2] == ["Код организации", "Наименование организации"]
    finally:
        workbook.close()
