"""Report files: XLSX templates and exports in the user's language, built with openpyxl.

What the files look like (sheets, headers, metadata) is in :mod:`portal.report_files.file_format`;
uploads are read by the pure parser of :mod:`portal.report_files.parse`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import sheets
from portal.catalogue.models import Indicator, Unit, section_label
from portal.i18n import end_sentence, with_unit
from portal.report_files.file_format import (
    BULK_SHEET,
    CODE_HEADER,
    EXPORT_SHEET,
    FORMAT_BULK,
    FORMAT_REPORT,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    ORG_HEADER,
    ORG_NAME_HEADER,
    ORG_TYPE_HEADER,
    PREVIOUS_HEADER,
    PREVIOUS_PERIOD_HEADER,
    REPORT_HEADERS,
    REPORT_SHEET,
    STATE_HEADER,
    VALUE_HEADER,
)
from portal.report_files.upload import UPLOAD_MAX_BYTES
from portal.report_files.validations import add_validations
from portal.reports.forms import UPLOAD_FROM_FILE
from portal.reports.models import Period, ReportState
from tenants.models import Municipality, Organization

# The buttons the instructions name, as the pages name them (tests/test_wording.py checks).
UPLOAD_MUNICIPAL_FILE = _l("Upload a municipal file")  # portal/status/views.py
SAVE_FROM_FILE = _l("Save the values from the file")  # report_files/_upload_problems.html


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_GREY_FILL = PatternFill("solid", fgColor="EDEDED")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _state(state: str | None) -> str:
    return ReportState(state).label if state else _("not started")


def _unit(indicator: Indicator) -> str:
    """The item's unit words in the user's language (the kind's name when it has none)."""
    return indicator.unit_label


def _period_line(period: Period) -> str:
    """«IV quarter 2026 (deadline: …)»: the period as the pages name it, with its deadline
    (the short date: the long Russian one holds a narrow no-break space, which a template saved
    as a Windows-1251 CSV cannot keep)."""
    return _("%(period)s (deadline: %(deadline)s)", period=period.label,
             deadline=format_date(period.deadline, "short"))


def _number(value: Any) -> Any:
    """A stored value as an Excel number (integers stay integers)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _cell_value(raw: str | None, value: Any) -> Any:
    """What to put in a value cell: the number when it parsed, else the text as typed."""
    if value is not None:
        return _number(value)
    return raw or None


def _save(workbook: Workbook) -> bytes:
    # Text typed by users (a draft keeps invalid input, names come from registries) must
    # never become a formula in somebody else's Excel: the one writer sees to it.
    return sheets.xlsx_bytes(workbook)


def _meta_sheet(workbook: Workbook, pairs: list[tuple[str, Any]]) -> None:
    sheet = workbook.create_sheet(META_SHEET)
    for key, value in pairs:
        sheet.append([key, value])
    sheet.sheet_state = "hidden"


def _instructions(workbook: Workbook, lines: list[str]) -> None:
    sheet = workbook.create_sheet(str(INSTRUCTIONS_SHEET))
    sheet.column_dimensions["A"].width = 110
    for line in lines:
        sheet.append([line])
        sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = _TITLE


def _csv_instructions() -> list[str]:
    """How to send the same report as a CSV file; the column names and codes stay as typed."""
    return [
        _("Instead of this file you can upload a CSV file with two columns, code and value (or "
          "“%(code)s” and “%(value)s”); the first line holds the column names.",
          code=CODE_HEADER, value=VALUE_HEADER),
        _("Encoding UTF-8 (with or without BOM) or Windows-1251, separated by semicolons or "
          "commas. The decimal mark may be a comma (12,5) or a point (12.5); with commas as "
          "separators, put a number with a comma in quotes: \"12,5\"."),
        _("Example:"),
        "code;value",
        "staff_total;48",
        "students_passed_pct;87,5",
    ]


def report_template(organization: Organization, period: Period, indicators: list[Indicator],
                    current: dict[str, tuple[str, Any]], previous: dict[str, Decimal],
                    state: str | None = None) -> bytes:
    """The XLSX template (and export) of one organization's report for a period.

    ``current`` maps codes to the stored (raw, value), pre-filled so the file is the whole
    report and can be uploaded back; ``previous`` holds last quarter's numbers.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(REPORT_SHEET)
    header_row = 5
    _report_header(sheet, organization, period, state, header_row)
    _report_rows(sheet, organization, indicators, current, previous, header_row)
    sheet.column_dimensions["A"].hidden = True
    return _finish(workbook, zip("ABCDEF", (24, 28, 70, 14, 14, 16)), header_row,
                   _report_instructions(organization, period, indicators),
                   [("format", FORMAT_REPORT), ("organization", organization.code),
                    *_period_meta(period)])


def _period_meta(period: Period) -> list[tuple[str, Any]]:
    """The period a template is for, checked on upload: a quarter by its year and number,
    any other collection by its first and last day (:attr:`Period.file_tag`)."""
    if period.quarter is not None:
        return [("year", period.year), ("quarter", period.quarter)]
    return [("period", period.file_tag)]


def _finish(workbook: Workbook, widths: Iterable[tuple[str, int]], header_row: int,
            instructions: list[str], meta: list[tuple[str, Any]]) -> bytes:
    """A template's column widths, frozen header, instructions and metadata; its bytes."""
    sheet = workbook.active
    for letter, width in widths:
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"E{header_row + 1}"
    _instructions(workbook, instructions)
    _meta_sheet(workbook, meta)
    return _save(workbook)


def _report_header(sheet: Any, organization: Organization, period: Period,
                   state: str | None, header_row: int) -> None:
    sheet["B1"] = _("Report on the target model of mentoring of teachers")
    sheet["B1"].font = _TITLE
    sheet.append([None, _("Organization"), f"{organization.code} — {organization.name}"])
    sheet.append([None, _("Period"), _period_line(period)])
    sheet.append([None, str(STATE_HEADER), _state(state)])
    headers = REPORT_HEADERS if period.quarter is not None else \
        [*REPORT_HEADERS[:-1], PREVIOUS_PERIOD_HEADER]
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=column, value=str(title))
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP


def _report_rows(sheet: Any, organization: Organization, indicators: list[Indicator],
                 current: dict[str, tuple[str, Any]], previous: dict[str, Decimal],
                 header_row: int) -> None:
    """A row per indicator under the header, its value cell checked by Excel."""
    for row, indicator in enumerate(indicators, start=header_row + 1):
        raw, value = current.get(indicator.code, ("", None))
        sheet.append([indicator.code, section_label(indicator.section),
                      indicator.label(organization.type), _unit(indicator),
                      _cell_value(raw, value if Unit(indicator.kind).is_numeric else None),
                      _number(previous.get(indicator.code))])
        sheet.cell(row=row, column=5).fill = _INPUT_FILL
        sheet.cell(row=row, column=3).alignment = _WRAP
        sheet.cell(row=row, column=6).font = Font(color="666666")
    add_validations(sheet, [(indicator, f"E{row}") for row, indicator
                             in enumerate(indicators, start=header_row + 1)])


def _owner_line(label: str, code: str, name: str, period: Period) -> str:
    return end_sentence(_("%(label)s: %(code)s — %(name)s. Period: %(period)s", label=label,
                          code=code, name=name, period=period.label))


def _size_limit() -> str:
    return _("The file must be smaller than %(mb)d MB.", mb=UPLOAD_MAX_BYTES // 2 ** 20)


_OTHER_KINDS = (Unit.YES_NO, Unit.EVIDENCE, Unit.DATE, Unit.TEXT)


def _report_instructions(organization: Organization, period: Period,
                         indicators: Iterable[Indicator] = ()) -> list[str]:
    kinds = {i.kind for i in indicators}
    other = [_("A yes/no item is answered “%(yes)s” or “%(no)s”, a date as 13.12.2024, a text "
               "as it is (a link, a document's number).", yes=_("yes"), no=_("no"))] \
        if kinds & set(_OTHER_KINDS) else []
    return [
        _("How to fill in the report"),
        _owner_line(_("Organization"), organization.code, organization.name, period),
        _("1. Fill in the “%(value)s” column on the “%(sheet)s” sheet (the yellow cells). The "
          "“%(previous)s” column is there to compare with; you may leave it as it is.",
          value=VALUE_HEADER, sheet=REPORT_SHEET, previous=PREVIOUS_HEADER),
        _("2. A count is a whole number of 0 or more, a share is a percentage from 0 to 100, "
          "satisfaction is an average score from 1 to 10. You may write 12,5 or 12.5, and "
          "“1 200”."),
        *other,
        _("3. Enter numbers, not formulas; do not merge cells, and do not change or delete the "
          "columns, the hidden column of indicator codes included."),
        _("4. An empty “%(value)s” cell means there is no value (a value saved before is "
          "deleted, and the check page shows it).", value=VALUE_HEADER),
        _("An evidence item is answered with a web link (starting with http:// or https://), "
          "or with the word no when there is none. A file cannot come in this workbook: "
          "attach it in the web form of the report; the answer yes then keeps the attached file."),
        _("5. Upload the file with “%(upload)s” on the report page. The portal shows every "
          "change and every error by row; nothing is saved until you press “%(save)s”, and "
          "then everything is saved at once.", upload=UPLOAD_FROM_FILE, save=SAVE_FROM_FILE),
        _("6. The file is only for this organization and this period: a file of another "
          "organization or another period is refused.") + " " + _size_limit(),
        "",
        *_csv_instructions(),
    ]


_BULK_FIXED = [ORG_HEADER, ORG_NAME_HEADER, ORG_TYPE_HEADER, STATE_HEADER]


def bulk_template(municipality: Municipality, period: Period, organizations: list[Organization],
                  indicators: list[Indicator], current: dict[int, dict[str, tuple[str, Any]]],
                  states: dict[int, str | None]) -> bytes:
    """The XLSX file for a municipal bulk upload: a row per organization, a column per indicator.

    ``current`` (organization id → code → (raw, value)) pre-fills the stored values.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(BULK_SHEET)
    header_row = 5
    _bulk_header(sheet, municipality, period, indicators, header_row)
    for row, org in enumerate(organizations, start=header_row + 1):
        _bulk_row(sheet, row, org, indicators, current.get(org.id, {}), states.get(org.id))
    _bulk_validations(sheet, indicators, header_row, header_row + max(len(organizations), 1))
    return _finish(workbook, zip("ABCD", (16, 40, 22, 18)), header_row,
                   _bulk_instructions(municipality, period),
                   [("format", FORMAT_BULK), ("municipality", municipality.code),
                    *_period_meta(period)])


def _bulk_header(sheet: Any, municipality: Municipality, period: Period,
                 indicators: list[Indicator], header_row: int) -> None:
    """The title, the indicators' names over their columns, and the row of codes."""
    sheet["A1"] = _("Reports of the organizations: %(name)s", name=municipality.name)
    sheet["A1"].font = _TITLE
    sheet["A2"] = _("Period: %(period)s", period=_period_line(period))
    # Read back from a template saved as CSV, where the hidden metadata sheet is lost.
    sheet["A3"], sheet["B3"] = _("Municipality"), f"{municipality.code} — {municipality.name}"
    labels_row = header_row - 1
    for column, indicator in enumerate(indicators, start=len(_BULK_FIXED) + 1):
        label = sheet.cell(row=labels_row, column=column,
                           value=with_unit(indicator.label(), _unit(indicator)))
        label.alignment, label.font = _WRAP, Font(size=9)
        sheet.column_dimensions[get_column_letter(column)].width = 16
    sheet.row_dimensions[labels_row].height = 90
    for column, title in enumerate(_BULK_FIXED + [i.code for i in indicators], start=1):
        cell = sheet.cell(row=header_row, column=column, value=str(title))
        cell.font, cell.fill = _BOLD, _HEADER_FILL


def _bulk_row(sheet: Any, row: int, org: Organization, indicators: list[Indicator],
              values: dict[str, tuple[str, Any]], state: str | None) -> None:
    sheet.cell(row=row, column=1, value=org.code)
    sheet.cell(row=row, column=2, value=org.short_name or org.name)
    sheet.cell(row=row, column=3, value=org.type.label)
    sheet.cell(row=row, column=4, value=_state(state))
    for column, indicator in enumerate(indicators, start=len(_BULK_FIXED) + 1):
        cell = sheet.cell(row=row, column=column)
        if not indicator.applies(org.type):
            cell.fill = _GREY_FILL  # not reported by this type: leave empty
            continue
        raw, value = values.get(indicator.code, ("", None))
        cell.value = _cell_value(raw, value if Unit(indicator.kind).is_numeric else None)


def _bulk_validations(sheet: Any, indicators: list[Indicator], header_row: int,
                      last: int) -> None:
    # One range per column (a range per cell would make the file slow to open and to read).
    letters = [get_column_letter(column) for column in
               range(len(_BULK_FIXED) + 1, len(_BULK_FIXED) + 1 + len(indicators))]
    add_validations(sheet, [(indicator, f"{letter}{header_row + 1}:{letter}{last}")
                             for indicator, letter in zip(indicators, letters)])


def _bulk_instructions(municipality: Municipality, period: Period) -> list[str]:
    return [
        _("How to fill in the municipal file"),
        _owner_line(_("Municipality"), municipality.code, municipality.name, period),
        _("1. One row is one organization (the “%(org)s” column), one column is one indicator "
          "(the indicator's code in the header row, its name above it).", org=ORG_HEADER),
        _("2. Grey cells are indicators that organizations of that type do not report: leave "
          "them empty. An empty cell means there is no value."),
        _("3. The row of an organization whose report is already submitted or accepted may be "
          "left as it is: such a report cannot be changed, and a row with changes is marked as "
          "an error."),
        _("4. A row with the code of an organization outside your municipality or your area of "
          "responsibility refuses the whole file."),
        _("5. Upload the file with “%(upload)s” on the status page. The data are saved only "
          "after the check, when you press “%(save)s”, and only all at once: if the file has "
          "errors, nothing is saved.", upload=UPLOAD_MUNICIPAL_FILE, save=SAVE_FROM_FILE)
        + " " + _size_limit(),
        _("6. CSV: the first line holds org_code (or “%(org)s”) and the indicator codes; "
          "encoding UTF-8 or Windows-1251, separated by semicolons or commas.", org=ORG_HEADER),
        _("An evidence item is answered with a web link (starting with http:// or https://), "
          "or with the word no when there is none. A file cannot come in this workbook: "
          "attach it in the web form of the report; the answer yes then keeps the attached file."),
    ]


def municipal_export(municipality: Municipality, period: Period,
                     rows: Iterable[tuple[Organization, str | None, dict[str, Any]]],
                     indicators: list[Indicator]) -> bytes:
    """All reports of a municipality for a period: a row per organization, a column per
    indicator."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(EXPORT_SHEET)
    sheet["A1"] = _("%(name)s: reports for %(period)s", name=municipality.name,
                    period=period.label)
    sheet["A1"].font = _TITLE
    fixed = [str(title) for title in _BULK_FIXED]
    header = fixed + [with_unit(i.label(), _unit(i)) for i in indicators]
    sheet.append([])
    sheet.append(header)
    sheet.append([None] * len(fixed) + [i.code for i in indicators])
    for column in range(1, len(header) + 1):
        sheet.cell(row=3, column=column).font = _BOLD
        sheet.cell(row=3, column=column).fill = _HEADER_FILL
        sheet.cell(row=3, column=column).alignment = _WRAP
        sheet.cell(row=4, column=column).font = Font(color="666666", size=9)
    sheet.row_dimensions[3].height = 90
    for org, state, values in rows:
        sheet.append([org.code, org.short_name or org.name, org.type.label, _state(state)]
                     + [_number(values.get(i.code)) if i.applies(org.type) else None
                        for i in indicators])
    for letter, width in zip("ABCD", (14, 40, 22, 18)):
        sheet.column_dimensions[letter].width = width
    for column in range(len(fixed) + 1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = "E5"
    return _save(workbook)
