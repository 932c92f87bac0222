"""Report files: XLSX templates and exports with Russian headers, built with openpyxl.

What the files look like (sheets, headers, metadata) is in :mod:`portal.report_files.file_format`;
uploads are read by the pure parser of :mod:`portal.report_files.parse`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal import sheets
from portal.catalogue.models import Indicator, Unit
from portal.catalogue.standard import SECTIONS
from portal.i18n import end_sentence, russian
from portal.report_files.file_format import (
    BULK_SHEET,
    EXPORT_SHEET,
    FORMAT_BULK,
    FORMAT_REPORT,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    ORG_HEADER,
    ORG_NAME_HEADER,
    ORG_TYPE_HEADER,
    REPORT_HEADERS,
    REPORT_SHEET,
    STATE_HEADER,
)
from portal.reports.forms import UPLOAD_FROM_FILE
from portal.reports.models import Period
from tenants.models import Municipality, Organization, OrganizationType

# -- Russian names of the catalogue's units, types and states in the files --------------------

RU_UNITS = {Unit.COUNT: "чел./ед.", Unit.PERCENT: "%", Unit.SCORE: "балл (1–10)"}


def ru_unit(indicator: Indicator) -> str:
    """The unit caption of an item in the files (the three first kinds keep their captions)."""
    return RU_UNITS.get(indicator.kind) or indicator.unit_ru or indicator.kind.value


RU_TYPES = {
    OrganizationType.SCHOOL: "общеобразовательная организация",
    OrganizationType.KINDERGARTEN: "дошкольная образовательная организация",
    OrganizationType.COLLEGE: "профессиональная образовательная организация",
    OrganizationType.ADDITIONAL: "организация дополнительного образования",
}
RU_STATES = {"draft": "черновик", "awaiting_head": "ожидает подтверждения руководителя",
             "submitted": "сдан", "accepted": "принят", "returned": "возвращён на доработку",
             None: "не начат"}
ROMAN = ["I", "II", "III", "IV"]


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_GREY_FILL = PatternFill("solid", fgColor="EDEDED")
_WRAP = Alignment(wrap_text=True, vertical="top")


def ru_label(indicator: Indicator, org_type: OrganizationType | None = None) -> str:
    """The indicator's Russian label, specific to the organization type where it has one."""
    special = (indicator.type_labels or {}).get(org_type.value) if org_type else None
    return special["ru"] if special else indicator.label_ru


def period_text(period: Period) -> str:
    """The period in Russian, whatever the user's language (the files are Russian)."""
    if period.quarter is None:
        with force_locale("ru"):
            return period.label
    return f"{ROMAN[period.quarter - 1]} квартал {period.year} г."


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


def _validation(indicator: Indicator) -> tuple[str, DataValidation]:
    """Excel's own check on a value cell: whole ≥ 0, percent 0–100, score 1–10."""
    if indicator.unit is Unit.COUNT:
        check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                               allow_blank=True)
        text = "Введите целое число не меньше 0."
        key = "count"
    elif indicator.unit is Unit.PERCENT:
        check = DataValidation(type="decimal", operator="between", formula1="0",
                               formula2="100", allow_blank=True)
        text = "Введите число от 0 до 100 (проценты)."
        key = "percent"
    else:
        check = DataValidation(type="decimal", operator="between", formula1="1", formula2="10",
                               allow_blank=True)
        text = "Введите средний балл от 1 до 10."
        key = "score"
    check.error, check.errorTitle = text, "Недопустимое значение"
    check.prompt, check.promptTitle = text, "Значение"
    check.showErrorMessage = check.showInputMessage = True
    return key, check


def _add_validations(sheet: Any, ranges: list[tuple[Indicator, str]]) -> None:
    """Excel's own checks of the value cells: one per unit, over all the ranges of its unit."""
    validations: dict[str, DataValidation] = {}
    for indicator, cells in ranges:
        key, check = _validation(indicator)
        validations.setdefault(key, check).add(cells)
    for check in validations.values():
        sheet.add_data_validation(check)


def _instructions(workbook: Workbook, lines: list[str]) -> None:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 110
    for line in lines:
        sheet.append([line])
        sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = _TITLE


CSV_INSTRUCTIONS = [
    "Вместо этого файла можно загрузить CSV-файл с двумя столбцами: code и value "
    "(или «Код показателя» и «Значение»); первая строка — названия столбцов.",
    "Кодировка UTF-8 (с BOM или без) или Windows-1251, разделитель — точка с запятой или "
    "запятая. Дробную часть можно отделять запятой (12,5) или точкой (12.5); при разделителе "
    "«запятая» число с запятой возьмите в кавычки: \"12,5\".",
    "Пример:",
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
    sheet.title = REPORT_SHEET
    header_row = 5
    _report_header(sheet, organization, period, state, header_row)
    _report_rows(sheet, organization, indicators, current, previous, header_row)
    sheet.column_dimensions["A"].hidden = True
    return _finish(workbook, zip("ABCDEF", (24, 28, 70, 14, 14, 16)), header_row,
                   _report_instructions(organization, period),
                   [("format", FORMAT_REPORT), ("organization", organization.code),
                    ("year", period.year), ("quarter", period.quarter)])


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
    sheet["B1"] = "Отчёт о реализации целевой модели наставничества педагогических работников"
    sheet["B1"].font = _TITLE
    sheet.append([None, "Организация", f"{organization.code} — {organization.name}"])
    sheet.append([None, "Период", f"{period_text(period)} (срок сдачи: "
                                  f"{period.deadline.strftime('%d.%m.%Y')})"])
    sheet.append([None, "Состояние отчёта", RU_STATES.get(state, state)])
    for column, title in enumerate(REPORT_HEADERS, start=1):
        cell = sheet.cell(row=header_row, column=column, value=title)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP


def _report_rows(sheet: Any, organization: Organization, indicators: list[Indicator],
                 current: dict[str, tuple[str, Any]], previous: dict[str, Decimal],
                 header_row: int) -> None:
    """A row per indicator under the header, its value cell checked by Excel."""
    for row, indicator in enumerate(indicators, start=header_row + 1):
        raw, value = current.get(indicator.code, ("", None))
        sheet.append([indicator.code, SECTIONS.get(indicator.section, (indicator.section,))[0],
                      ru_label(indicator, organization.type), ru_unit(indicator),
                      _cell_value(raw, value), _number(previous.get(indicator.code))])
        sheet.cell(row=row, column=5).fill = _INPUT_FILL
        sheet.cell(row=row, column=3).alignment = _WRAP
        sheet.cell(row=row, column=6).font = Font(color="666666")
    _add_validations(sheet, [(indicator, f"E{row}") for row, indicator
                             in enumerate(indicators, start=header_row + 1)])


def _report_instructions(organization: Organization, period: Period) -> list[str]:
    return [
        "Как заполнить отчёт",
        f"Организация: {organization.code} — {organization.name}. "
        + end_sentence(f"Период: {period_text(period)}"),
        "1. Заполните столбец «Значение» на листе «Отчёт» (жёлтые ячейки). Столбец «Значение за "
        "прошлый квартал» — для сравнения, его можно не трогать.",
        "2. Количество — целое число не меньше 0; доля — процент от 0 до 100; удовлетворённость "
        "— средний балл от 1 до 10. Можно писать 12,5 или 12.5 и «1 200».",
        "3. Вводите сами числа, не формулы; не объединяйте ячейки, не меняйте и не удаляйте "
        "столбцы и скрытый столбец с кодами показателей.",
        "4. Пустая ячейка «Значение» означает, что значения нет (если оно было сохранено, "
        "оно будет удалено — это будет видно на странице проверки).",
        f"5. Загрузите файл на портале: «{russian(UPLOAD_FROM_FILE)}» на странице отчёта. "
        "Портал покажет все "
        "изменения и ошибки по строкам; данные сохранятся только после подтверждения и только "
        "целиком.",
        "6. Файл предназначен только для этой организации и этого периода: файл другой "
        "организации или другого квартала будет отклонён. Размер файла — меньше 20 МБ.",
        "",
        *CSV_INSTRUCTIONS,
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
    sheet.title = BULK_SHEET
    header_row = 5
    _bulk_header(sheet, municipality, period, indicators, header_row)
    for row, org in enumerate(organizations, start=header_row + 1):
        _bulk_row(sheet, row, org, indicators, current.get(org.id, {}), states.get(org.id))
    _bulk_validations(sheet, indicators, header_row, header_row + max(len(organizations), 1))
    return _finish(workbook, zip("ABCD", (16, 40, 22, 18)), header_row,
                   _bulk_instructions(municipality, period),
                   [("format", FORMAT_BULK), ("municipality", municipality.code),
                    ("year", period.year), ("quarter", period.quarter)])


def _bulk_header(sheet: Any, municipality: Municipality, period: Period,
                 indicators: list[Indicator], header_row: int) -> None:
    """The title, the indicators' names over their columns, and the row of codes."""
    sheet["A1"] = f"Отчёты организаций: {municipality.name}"
    sheet["A1"].font = _TITLE
    sheet["A2"] = f"Период: {period_text(period)} (срок сдачи: " \
                  f"{period.deadline.strftime('%d.%m.%Y')})"
    # Read back from a template saved as CSV, where the hidden metadata sheet is lost.
    sheet["A3"], sheet["B3"] = "Муниципалитет", f"{municipality.code} — {municipality.name}"
    labels_row = header_row - 1
    for column, indicator in enumerate(indicators, start=len(_BULK_FIXED) + 1):
        label = sheet.cell(row=labels_row, column=column,
                           value=f"{ru_label(indicator)}, {ru_unit(indicator)}")
        label.alignment, label.font = _WRAP, Font(size=9)
        sheet.column_dimensions[get_column_letter(column)].width = 16
    sheet.row_dimensions[labels_row].height = 90
    for column, title in enumerate(_BULK_FIXED + [i.code for i in indicators], start=1):
        cell = sheet.cell(row=header_row, column=column, value=title)
        cell.font, cell.fill = _BOLD, _HEADER_FILL


def _bulk_row(sheet: Any, row: int, org: Organization, indicators: list[Indicator],
              values: dict[str, tuple[str, Any]], state: str | None) -> None:
    sheet.cell(row=row, column=1, value=org.code)
    sheet.cell(row=row, column=2, value=org.short_name or org.name)
    sheet.cell(row=row, column=3, value=RU_TYPES[org.type])
    sheet.cell(row=row, column=4, value=RU_STATES.get(state))
    for column, indicator in enumerate(indicators, start=len(_BULK_FIXED) + 1):
        cell = sheet.cell(row=row, column=column)
        if not indicator.applies(org.type):
            cell.fill = _GREY_FILL  # not reported by this type: leave empty
            continue
        raw, value = values.get(indicator.code, ("", None))
        cell.value = _cell_value(raw, value)


def _bulk_validations(sheet: Any, indicators: list[Indicator], header_row: int,
                      last: int) -> None:
    # One range per column (a range per cell would make the file slow to open and to read).
    letters = [get_column_letter(column) for column in
               range(len(_BULK_FIXED) + 1, len(_BULK_FIXED) + 1 + len(indicators))]
    _add_validations(sheet, [(indicator, f"{letter}{header_row + 1}:{letter}{last}")
                             for indicator, letter in zip(indicators, letters)])


def _bulk_instructions(municipality: Municipality, period: Period) -> list[str]:
    return [
        "Как заполнить сводный файл муниципалитета",
        f"Муниципалитет: {municipality.code} — {municipality.name}. "
        + end_sentence(f"Период: {period_text(period)}"),
        "1. Одна строка — одна организация (столбец «Код организации»), один столбец — один "
        "показатель (код показателя в строке заголовка, его название — над ним).",
        "2. Серые ячейки — показатели, которые организация этого типа не сдаёт: оставьте их "
        "пустыми. Пустая ячейка означает «значения нет».",
        "3. Строку организации, отчёт которой уже сдан или принят, можно оставить без изменений: "
        "изменить такой отчёт нельзя, и строка с изменениями будет отмечена как ошибка.",
        "4. Строка с кодом организации, которая не относится к вашему муниципалитету или "
        "к вашей зоне ответственности, отклоняет весь файл.",
        "5. Данные сохраняются только после проверки и подтверждения, и только целиком: "
        "если в файле есть ошибки, не сохраняется ничего. Размер файла — меньше 20 МБ.",
        "6. CSV: первая строка — org_code (или «Код организации») и коды показателей; "
        "кодировка UTF-8 или Windows-1251, разделитель — точка с запятой или запятая.",
    ]


def municipal_export(municipality: Municipality, period: Period,
                     rows: Iterable[tuple[Organization, str | None, dict[str, Any]]],
                     indicators: list[Indicator]) -> bytes:
    """All reports of a municipality for a period: a row per organization, a column per
    indicator."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = EXPORT_SHEET
    sheet["A1"] = f"{municipality.name}: отчёты за {period_text(period)}"
    sheet["A1"].font = _TITLE
    fixed = [ORG_HEADER, ORG_NAME_HEADER, ORG_TYPE_HEADER, STATE_HEADER]
    header = fixed + [f"{ru_label(i)} ({ru_unit(i)})" for i in indicators]
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
        sheet.append([org.code, org.short_name or org.name, RU_TYPES[org.type],
                      RU_STATES.get(state, state)]
                     + [_number(values.get(i.code)) if i.applies(org.type) else None
                        for i in indicators])
    for letter, width in zip("ABCD", (14, 40, 22, 18)):
        sheet.column_dimensions[letter].width = width
    for column in range(len(fixed) + 1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = "E5"
    return _save(workbook)
