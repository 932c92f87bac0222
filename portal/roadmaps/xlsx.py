"""Spreadsheets of roadmaps: import and export of events, the presence check, the report.

Imports are all-or-nothing: every problem is reported with its line number, and nothing is
written unless the whole file is right.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import sheets
from portal.database import Refusal
from portal.roadmaps import schoolyear
from portal.roadmaps.models import RoadmapEvent
from portal.roadmaps.operations import EventData, check_event
from portal.roadmaps.presence import Cell, Matrix
from portal.tabular import TableError, read_table

MAX_ROWS = 500
# Roadmap columns: key, header (in the user's language on export), the Russian header, width.
COLUMNS = [
    ("number", _l("No."), "№", 6),
    ("stage", _l("Stage"), "этап", 8),
    ("title", _l("Event"), "мероприятие", 60),
    ("start", _l("Start"), "начало", 10),
    ("deadline", _l("Due"), "срок", 12),
    ("note", _l("Deadline note"), "примечание к сроку", 30),
    ("responsible", _l("Responsible"), "ответственный", 30),
    ("planned_result", _l("Planned result"), "планируемый результат", 50),
]
REQUIRED = ["stage", "title", "deadline", "responsible"]
_BOLD = Font(bold=True)
_STAGE_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_STALE_FILL = PatternFill("solid", fgColor="FCE4D6")


class ImportProblems(Refusal):
    """The file was refused; ``problems`` lists every one, with line numbers."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _aliases() -> dict[str, str]:
    """Header names the import understands: the keys, the English and the Russian headers."""
    names: dict[str, str] = {}
    with force_locale("en"):
        english = [str(header) for _key, header, _ru, _width in COLUMNS]
    for (key, header, russian, _width), in_english in zip(COLUMNS, english, strict=True):
        for name in (key, str(header), russian, in_english):
            names[name.strip().lower()] = key
    names["no"] = names["n"] = names["№ п/п"] = "number"
    names["сроки"] = "deadline"
    names["мероприятия"] = "title"
    return names


def parse_roadmap(data: bytes, filename: str, school_year: int) -> list[EventData]:
    """Read events from an XLSX (or CSV) file; raise :class:`ImportProblems` if anything is off."""
    try:
        table = read_table(data, filename)
    except TableError as problem:
        raise ImportProblems([str(problem)]) from problem
    aliases = _aliases()
    found = {aliases[c]: c for c in table.columns if c in aliases}
    missing = [str(h) for key, h, _ru, _w in COLUMNS if key in REQUIRED and key not in found]
    if missing:
        raise ImportProblems([_("Missing columns: %(names)s.", names=", ".join(missing))])
    if not table.rows:
        raise ImportProblems([_("The file has no events.")])
    if len(table.rows) > MAX_ROWS:
        raise ImportProblems([_("The file has more than %(n)d events.", n=MAX_ROWS)])
    events, problems = [], []
    for row in table.rows:
        cell = {key: row.values.get(column) for key, column in found.items()}
        data_row, row_problems = check_event(
            school_year, stage=cell.get("stage"), title=cell.get("title"),
            deadline=cell.get("deadline"), start=cell.get("start"), note=cell.get("note"),
            responsible=cell.get("responsible"), planned_result=cell.get("planned_result"))
        problems += [_("Line %(line)d: %(problem)s", line=row.line, problem=text)
                     for text in row_problems.values()]
        if data_row:
            events.append(data_row)
    if problems:
        raise ImportProblems(problems)
    return events


def _header(sheet, headers: Iterable[str], widths: Iterable[int]) -> None:
    sheet.append([str(h) for h in headers])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=sheet.max_row, column=index).font = _BOLD
    sheet.freeze_panes = f"A{sheet.max_row + 1}"  # a string: cell() would create a row


def export_roadmap(events: list[tuple[int, RoadmapEvent]]) -> bytes:
    """The roadmap as the import reads it back: one row per event. A deadline that is a day
    is a date cell; a month (and the start, always a month) is text such as ``10.2025``: a
    date cell would come back as a day."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Roadmap"))[:31]
    _header(sheet, [h for _k, h, _r, _w in COLUMNS], [w for *_rest, w in COLUMNS])
    for number, e in events:
        sheet.append([
            number, e.stage, e.title,
            schoolyear.as_text(e.starts_on, True) if e.starts_on else None,
            schoolyear.as_text(e.due_on, True) if e.due_is_month else e.due_on,
            e.deadline_note, e.responsible,
            e.planned_result,
        ])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP
    return sheets.xlsx_bytes(workbook)


def _presence_value(cell: Cell) -> object:
    """A cell of the exported matrix: a document's date, «present», «missing» or a dash."""
    if not cell.applies:
        return "—"
    if not cell.present:
        return _("missing")
    return cell.day if cell.day else _("present")


def export_presence(matrix: Matrix, title: str) -> bytes:
    """The presence check as a sheet: one row per organization, one column per document."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Presence check"))[:31]
    # A stale document's date stays a date; its format says it was not updated.
    note = _("not updated").replace('"', "")
    stale_format = f'{sheets.DATE_FORMAT}" ({note})"'
    sheet.append([title])
    sheet.cell(row=1, column=1).font = _BOLD
    columns = matrix.columns
    headers = [_("Code"), _("Organization"), _("Type")] + [c.short_label for c in columns]
    headers += [_("Roadmap %(year)s", year=schoolyear.year_label(matrix.school_year)),
                _("Overdue events")]
    _header(sheet, headers, [10, 40, 20] + [14] * len(columns) + [14, 12])
    for row in matrix.rows:
        values = [row.organization.code, row.organization.short_name,
                  row.organization.type.label]
        values += [_presence_value(row.cells[c.key]) for c in columns]
        values += [row.events if row.roadmap_id else _("none"), row.overdue]
        sheet.append(values)
        for column, cell in zip(columns, sheet[sheet.max_row][3:], strict=False):
            if row.cells[column.key].stale:
                cell.number_format = stale_format
                cell.fill = _STALE_FILL
    counts = matrix.present_counts
    sheet.append(["", _("Present"), ""] + [counts[c.key] for c in columns]
                 + [matrix.with_roadmap, len(matrix.behind)])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    return sheets.xlsx_bytes(workbook)


def export_execution(title: str, groups: list[tuple[str, list[tuple]]]) -> bytes:
    """The execution report in the shape of seed 001, events grouped under their stages.

    ``groups`` holds (stage label, [(number, event, deadline, responsible, note, status)]);
    a deadline is a date (a date cell) or its text.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Execution"))[:31]
    sheet.append([title])
    sheet.cell(row=1, column=1).font = _BOLD
    _header(sheet, [_("No."), _("Events"), _("Due"), _("Responsible"),
                    _("Execution note"), _("Status")], [6, 50, 20, 30, 60, 14])
    width = 6
    for stage, rows in groups:
        sheet.append([stage])
        line = sheet.max_row
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        sheet.cell(row=line, column=1).font = _BOLD
        sheet.cell(row=line, column=1).fill = _STAGE_FILL
        for values in rows:
            sheet.append(list(values))
            for cell in sheet[sheet.max_row]:
                cell.alignment = _WRAP
    return sheets.xlsx_bytes(workbook)
