"""Generate the bad-input corpus of report uploads in tests/data/uploads/.

Run from the repository root: ``.venv/bin/python tests/data/make_uploads.py``. The files are
committed; tests/test_report_upload_corpus.py says what the portal must answer to each.
The 20 MB file is made at test time instead (it would only bloat the repository).

The files are made for the fixed corpus world of the test (organization 7701001 of
municipality 77-01, period III quarter 2026), with the portal's own template builder, so
they look exactly like what a curator downloads and then breaks.

The damaged and hostile files (DTDs, bombs, macros, OpenDocument, UTF-16…) are written part
by part by tests/data/hostile_uploads.py, seeded, so they come out the same on every run.

The password-protected workbook needs ``msoffcrypto-tool`` (``pip install
msoffcrypto-tool`` into any environment on PYTHONPATH); without it the committed file is
kept as it is.
"""

from __future__ import annotations

import codecs
import io
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

import portal.models  # noqa: F401  (every model, so the mappers configure)
from portal.catalogue.models import Indicator
from portal.catalogue.standard import indicator_rows
from portal.report_files import workbooks as excel
from portal.reports.models import Period
from tenants.models import Municipality, Organization, OrganizationType
from tests.data import hostile_uploads
from tests.data.saved_as_csv import (
    EXCEL_EN_UTF8,
    EXCEL_RU,
    EXCEL_RU_UTF8,
    LIBREOFFICE,
    saved_as_csv,
)

OUT = Path(__file__).resolve().parent / "uploads"
SCHOOL, OTHER_SCHOOL, KINDERGARTEN = "7701001", "7701002", "7701011"
MUNICIPALITY, COLLEGE, FOREIGN = "77-01", "7701031", "7702001"
YEAR, QUARTER = 2026, 3


def _indicators() -> list[Indicator]:
    return [Indicator(**row) for row in indicator_rows()]


def _org(code: str, kind: OrganizationType = OrganizationType.SCHOOL) -> Organization:
    return Organization(code=code, name=f"Организация {code}", short_name=f"ОО {code}",
                        type=kind)


def _period(year: int = YEAR, quarter: int = QUARTER) -> Period:
    return Period(year=year, quarter=quarter, opens_on=date(year, 3 * quarter, 1),
                  deadline=date(year, 3 * quarter, 28))


def template(code: str = SCHOOL, period: Period | None = None) -> bytes:
    """A Russian report template (templates follow the reader's language: the corpus is
    Russian whatever the test's request speaks)."""
    org = _org(code)
    indicators = [i for i in _indicators() if i.applies(org.type)]
    with force_locale("ru"):
        return excel.report_template(org, period or _period(), indicators, {}, {})


def bulk_template(period: Period | None = None, code: str = MUNICIPALITY) -> bytes:
    municipality = Municipality(code=code, name=f"Муниципалитет {code}")
    orgs = [_org(SCHOOL), _org(KINDERGARTEN, OrganizationType.KINDERGARTEN)]
    with force_locale("ru"):
        return excel.bulk_template(municipality, period or _period(), orgs, _indicators(),
                                   {}, {})


def edit(data: bytes, change) -> bytes:
    """Open a workbook, let ``change(sheet, workbook)`` break it, save it again."""
    workbook = load_workbook(io.BytesIO(data))
    change(workbook.worksheets[0], workbook)
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def row_of(sheet, code: str) -> int:
    for row in sheet.iter_rows(min_row=6):
        if row[0].value == code:
            return row[0].row
    raise KeyError(code)


def values(filled: dict[str, object]):
    def change(sheet, _workbook):
        for code, value in filled.items():
            sheet.cell(row=row_of(sheet, code), column=5, value=value)
    return change


def _blank_rows(sheet, _workbook):
    sheet.insert_rows(8, amount=2)
    sheet.insert_rows(15)
    values({"staff_total": 40, "mentors": 5, "meetings_held": 12})(sheet, _workbook)


def _merged(sheet, _workbook):
    values({"staff_total": 40})(sheet, _workbook)
    sheet.merge_cells("C7:D7")


def _formula(sheet, _workbook):
    values({"staff_total": 40})(sheet, _workbook)
    sheet.cell(row=row_of(sheet, "mentors"), column=5, value="=E6/8")


def _delete_value_column(sheet, _workbook):
    values({"staff_total": 40})(sheet, _workbook)
    sheet.delete_cols(5)


def _rename(column: int, title: str):
    def change(sheet, _workbook):
        values({"staff_total": 40})(sheet, _workbook)
        sheet.cell(row=5, column=column, value=title)
    return change


def _empty_sheet() -> bytes:
    workbook = Workbook()
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def _zip_not_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("отчёт.txt", "staff_total 40\n")
    return out.getvalue()


def _encrypted(data: bytes) -> bytes | None:
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("пароль", out)
    return out.getvalue()


def _ole_xls() -> bytes:
    """The signature and header of an OLE2 compound file, as every Excel 97–2003 file has."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:34] = b"\x3e\x00\x03\x00\xfe\xff\x09\x00\x06\x00"
    return bytes(header) + b"\x00" * 1536


def _percent(formats: dict[str, tuple[float, str]]):
    """Values typed as percentages in Excel: stored as fractions, shown by a percent format."""
    def change(sheet, _workbook):
        for code, (value, number_format) in formats.items():
            cell = sheet.cell(row=row_of(sheet, code), column=5, value=value)
            cell.number_format = number_format
    return change


def _hidden(state: str, copy: bool = True):
    """The report sheet hidden with old values; with ``copy``, a visible copy with new ones."""
    def change(sheet, workbook):
        values({"staff_total": 99, "mentors": 9})(sheet, workbook)
        if copy:
            visible = workbook.copy_worksheet(sheet)
            values({"staff_total": 40, "mentors": 5})(visible, workbook)
        sheet.sheet_state = state
    return change


def files() -> dict[str, bytes]:
    ok = template()
    made = {
        # whole-file rejections
        "not_excel_renamed.xlsx": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>\n",
        "corrupt.xlsx": ok[: len(ok) // 2],
        "zip_not_workbook.xlsx": _zip_not_workbook(),
        "old_format.xls": _ole_xls(),
        "empty_sheet.xlsx": _empty_sheet(),
        "empty.csv": b"",
        "image_named.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        "missing_value_column.xlsx": edit(ok, _delete_value_column),
        "renamed_code_column.xlsx": edit(ok, _rename(1, "Код")),
        "renamed_value_column.xlsx": edit(ok, _rename(5, "Значение (шт.)")),
        "header_only.csv": b"code;value\n",
        "foreign_organization.xlsx": edit(template(OTHER_SCHOOL), values({"staff_total": 40})),
        "wrong_period.xlsx": edit(template(period=_period(2026, 2)), values({"staff_total": 40})),
        "municipal_file_on_report_page.xlsx": bulk_template(),
        # problems by row and column: previewed, cannot be saved
        "merged_cells.xlsx": edit(ok, _merged),
        "formula.xlsx": edit(ok, _formula),
        "text_in_number.xlsx": edit(ok, values({"staff_total": "сорок", "mentors": 5})),
        "date_in_number.xlsx": edit(ok, values({"staff_total": datetime(2026, 3, 12)})),
        "negative_count.xlsx": edit(ok, values({"staff_total": -4})),
        "percent_over_100.xlsx": edit(ok, values({"students_passed_pct": 120})),
        "count_with_fraction.csv": b"code;value\nmentors;12,5\n",
        "duplicate_codes.csv": b"code,value\nstaff_total,40\nmentors,5\nstaff_total,41\n",
        "unknown_code.csv": b"code;value\nstaff;40\nmentors;5\n",
        "not_for_kindergartens.csv": b"code;value\nstudents_contest_participants;3\n",
        # accepted
        "decimal_comma_point_and_spaces.xlsx": edit(ok, values(
            {"students_passed_pct": "12,5", "satisfaction_mentees": "8.5",
             "meetings_held": "1 200", "staff_total": 1200})),
        "blank_rows.xlsx": edit(ok, _blank_rows),
        "cp1251_semicolon.csv": "Код показателя;Значение\nstaff_total;40\nstudents_passed_pct;87,5\n"
                                "satisfaction_mentors;9\n".encode("cp1251"),
        "utf8_bom.csv": "\ufeffcode,value\nstaff_total,40\nmeetings_held,\"1 200\"\n".encode(),
        "comma_csv_unquoted_decimal.csv": b"code,value\nstaff_total,40\nstudents_passed_pct,12,5\n",
        # municipal files
        "municipal_foreign_organization.csv": (f"org_code;staff_total;mentors\n{SCHOOL};40;5\n"
                                               f"{FOREIGN};30;3\n").encode(),
        "municipal_regional_college.csv": (f"org_code;staff_total\n{SCHOOL};40\n"
                                           f"{COLLEGE};80\n").encode(),
        "municipal_ok.xlsx": edit(bulk_template(), _fill_bulk),
        "municipal_wrong_period.xlsx": edit(bulk_template(_period(2025, 4)), _fill_bulk),
        "report_file_on_municipal_page.xlsx": edit(ok, values({"staff_total": 40})),
    }
    made.update({
        "percent_format.xlsx": edit(ok, _percent({"students_passed_pct": (0.375, "0.0%"),
                                                  "staff_total": (40, "General")})),
        "percent_format_on_count.xlsx": edit(ok, _percent({"staff_total": (0.4, "0%")})),
        "hidden_first_sheet.xlsx": edit(ok, _hidden("hidden")),
        "very_hidden_sheet.xlsx": edit(ok, _hidden("veryHidden")),
        "only_hidden_sheets.xlsx": edit(ok, _hidden("hidden", copy=False)),
        "thousands_separators.xlsx": edit(ok, values({"staff_total": "1,000",
                                                      "mentors": "2.000",
                                                      "meetings_held": "1.234.567"})),
        "huge_counts.xlsx": edit(ok, values({"staff_total": 1e30, "mentors": 89123456789})),
    })
    made.update(hostile_uploads.files(edit(ok, values({"staff_total": 40}))))
    made.update(_saved_as_csv())
    made.update({
        # numbers typed into number cells, shown in the user's notation
        "number_cells.xlsx": edit(ok, values({"students_passed_pct": 81.5,
                                              "satisfaction_mentees": 8.5, "staff_total": 40})),
        "municipal_hidden_sheet.xlsx": edit(bulk_template(), _hidden_bulk),
        "municipal_zero_width_column.csv": f"org_code;staff_total\u200b\n{SCHOOL};40\n".encode(),
        "utf16_no_bom.csv": "code;value\r\nstaff_total;40\r\n".encode("utf-16-le"),
        "utf16_damaged.csv": codecs.BOM_UTF16_LE + "code;value\r\nstaff_total;40\r\n".encode(
            "utf-16-le")[:-1] + b"\x00\xd8",
        "ods_named_xlsx.xlsx": made["spreadsheet.ods"],
    })
    encrypted = _encrypted(edit(ok, values({"staff_total": 40})))
    if encrypted is not None:
        made["encrypted.xlsx"] = encrypted
    return made


def _saved_as_csv() -> dict[str, bytes]:
    """Templates filled in and saved as CSV by Excel or LibreOffice (tests/data/saved_as_csv.py):
    the organization (municipality) and period rows at their top are checked on upload."""
    filled = values({"staff_total": 40, "students_passed_pct": 81.5})
    bulk = edit(bulk_template(), _fill_bulk)
    return {
        "template_as_csv_excel.csv": saved_as_csv(edit(template(), filled), EXCEL_RU),
        "template_as_csv_excel_utf8.csv": saved_as_csv(edit(template(), filled), EXCEL_RU_UTF8),
        "template_as_csv_libreoffice.csv": saved_as_csv(edit(template(), filled), LIBREOFFICE),
        "foreign_organization_as_csv.csv": saved_as_csv(edit(template(OTHER_SCHOOL), filled),
                                                        EXCEL_RU),
        "wrong_period_as_csv.csv": saved_as_csv(edit(template(period=_period(2026, 2)), filled),
                                                EXCEL_EN_UTF8),
        "municipal_as_csv.csv": saved_as_csv(bulk, EXCEL_RU),
        "municipal_wrong_period_as_csv.csv": saved_as_csv(
            edit(bulk_template(_period(2025, 4)), _fill_bulk), LIBREOFFICE),
        "municipal_other_municipality_as_csv.csv": saved_as_csv(
            edit(bulk_template(code="77-02"), _fill_bulk), EXCEL_RU_UTF8),
    }


def _hidden_bulk(sheet, workbook):
    """The municipal sheet hidden with old values, a visible copy with the new ones."""
    visible = workbook.copy_worksheet(sheet)
    _fill_bulk(visible, workbook)
    sheet.sheet_state = "hidden"


def _fill_bulk(sheet, _workbook):
    header = [c.value for c in sheet[5]]
    for row in sheet.iter_rows(min_row=6):
        if row[0].value == SCHOOL:
            row[header.index("staff_total")].value = 40
            row[header.index("mentors")].value = 5
        if row[0].value == KINDERGARTEN:
            row[header.index("staff_total")].value = "22"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    made = files()
    for name, data in sorted(made.items()):
        (OUT / name).write_bytes(data)
    if "encrypted.xlsx" not in made:
        print("msoffcrypto-tool is not installed: encrypted.xlsx kept as it was")
    print(f"{len(made)} files written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
