"""The register of participants as an XLSX file: the template, the export, the import.

Template and export have one layout: a data sheet with the header row (in the user's
language, Russian by default) and an instruction sheet listing the accepted values; no
sheet is hidden. The export is the template filled in, so exporting a register and
importing it into an empty one gives the same people. Both are written by
:func:`portal.sheets.xlsx_bytes` (no cell can run as a formula).

The import reads through the safe reader (:func:`portal.tabular.read_grid`: its limits
refuse hostile workbooks with a message) and is all-or-nothing: every problem of every line
is reported, and nothing is written while there is one. Values are the labels the template
shows (in Russian or English), or the stored keys. A line repeats a person when its full
name and position, compared without case, «ё» and extra spaces, are those of another line
of the file or of a named person of the register: namesakes in different positions are two
people, the same file imported twice is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal import sheets, textcheck
from portal.mentoring.models import (
    LABELS,
    MenteeCategory,
    Participant,
    ParticipantRole,
    Qualification,
)
from portal.mentoring.operations import ParticipantData
from portal.refusals import Refusal
from portal.tabular import FileRejected, Formula, find_header, normalize_raw, read_grid
from portal.textcheck import hidden_characters, too_long_for_columns

MAX_PEOPLE = 2000  # lines of one file (a large college has a few hundred teachers)
MAX_EXPERIENCE = 80
VALIDATED_LINES = 1000  # template lines with drop-down lists
REGISTER_SHEET = _l("Register")
INSTRUCTIONS_SHEET = _l("Instructions")


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy: the header in the user's language
    width: int
    choices: type | None = None  # the enum whose labels the column takes


COLUMNS = [
    Column("full_name", _l("Full name of the person"), 36),
    Column("position", _l("Position"), 28),
    Column("education", _l("Education"), 30),
    Column("experience_years", _l("Pedagogical experience, years"), 14),
    Column("qualification", _l("Qualification category"), 30, Qualification),
    Column("role", _l("Role in mentoring"), 24, ParticipantRole),
    Column("mentee_category", _l("Mentee category"), 44, MenteeCategory),
    Column("consent_on", _l("Consent to personal-data processing given on"), 22),
]
_BY_KEY = {c.key: c for c in COLUMNS}


class ImportProblems(Refusal):
    """The file was refused; ``problems`` lists every one, with line numbers."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold().replace("ё", "е").rstrip(".")


def _in_both_languages(text: Any) -> set[str]:
    names = {_norm(text)}
    for locale in ("ru", "en"):
        with force_locale(locale):
            names.add(_norm(str(text)))
    return names


def _header_aliases() -> dict[str, str]:
    aliases = {}
    for column in COLUMNS:
        for name in _in_both_languages(column.header) | {column.key}:
            aliases[name] = column.key
    aliases |= {"фио": "full_name", "ф.и.о": "full_name", "стаж": "experience_years"}
    return aliases


def _label_aliases(enum_cls: type) -> dict[str, Any]:
    aliases = {}
    for member, label in LABELS[enum_cls].items():
        for name in _in_both_languages(label) | {member.value}:
            aliases[name] = member
    return aliases


# -- writing --------------------------------------------------------------------------------

def _instructions(workbook: Workbook) -> dict[str, str]:
    """The instruction sheet; returns, per choice column, the range of its accepted labels."""
    sheet = workbook.create_sheet(str(INSTRUCTIONS_SHEET)[:31])
    sheet.column_dimensions["A"].width = 110
    lines = [
        _("One line per person, from the line after the header. Do not rename the columns."),
        _("Required: the full name and the role in mentoring. The mentee category is for "
          "mentees only."),
        _("Pedagogical experience: whole years from 0 to %(n)d. Dates: 01.09.2025.",
          n=MAX_EXPERIENCE),
        _("The consent date cannot be later than today. The signed consent file is attached "
          "to each person in the portal."),
        _("A person already in the register (the same full name and position) is refused, "
          "and so is a line repeating another line."),
        _("The file is imported as a whole or not at all: every problem is listed with its "
          "line."),
    ]
    for line in lines:
        sheet.append([line])
    ranges = {}
    for column in (c for c in COLUMNS if c.choices):
        sheet.append([])
        sheet.append([str(column.header)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        first = sheet.max_row + 1
        for member in column.choices:
            sheet.append([member.label])
        title = sheet.title.replace("'", "''")
        ranges[column.key] = f"'{title}'!$A${first}:$A${sheet.max_row}"
    return ranges


def _workbook(people: list[Participant]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(REGISTER_SHEET)[:31]
    sheet.append([str(c.header) for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    for person in people:
        sheet.append([person.full_name, person.position, person.education,
                      person.experience_years,
                      person.qualification.label if person.qualification else None,
                      person.role.label,
                      person.mentee_category.label if person.mentee_category else None,
                      person.consent_on])
    for key, source in _instructions(workbook).items():
        letter = get_column_letter(COLUMNS.index(_BY_KEY[key]) + 1)
        check = DataValidation(type="list", formula1=source, allow_blank=True)
        sheet.add_data_validation(check)
        check.add(f"{letter}2:{letter}{max(VALIDATED_LINES, len(people) + 1)}")
    return sheets.xlsx_bytes(workbook)


def template() -> bytes:
    """The empty register to fill in."""
    return _workbook([])


def export(people: list[Participant]) -> bytes:
    """The named people of the register, in the template's layout (anonymized ones left
    out: nothing of them remains to export)."""
    return _workbook([p for p in people if p.anonymized_at is None])


# -- reading --------------------------------------------------------------------------------

def _text(value: Any) -> tuple[str, str | None]:
    if isinstance(value, str) and hidden_characters(value.strip(), spaces_allowed=True):
        # A zero-width space pasted with a name would make a second «same» person.
        return "", _("«%(value)s» holds invisible characters; type the text again",
                     value=textcheck.visible(value.strip()))
    return normalize_raw(value), None


def _experience(value: Any) -> tuple[int | None, str | None]:
    text = normalize_raw(value)
    if not text:
        return None, None
    if not re.fullmatch(r"\d{1,3}", text) or int(text) > MAX_EXPERIENCE:
        return None, _("pedagogical experience «%(value)s» is not a number of years from 0 to "
                       "%(n)d", value=text, n=MAX_EXPERIENCE)
    return int(text), None


def _date(value: Any) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = normalize_raw(value)
    if not text:
        return None, None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date(), None
        except ValueError:
            continue
    return None, _("the date «%(value)s» is not a date such as 01.09.2025", value=text)


def _choice(key: str) -> Callable[[Any], tuple[Any, str | None]]:
    aliases = _label_aliases(_BY_KEY[key].choices)

    def parse(value: Any) -> tuple[Any, str | None]:
        text = normalize_raw(value)
        if not text:
            return None, None
        if _norm(text) not in aliases:
            return None, _("«%(value)s» is not one of the values of the column «%(column)s» "
                           "(see the instructions sheet)", value=text,
                           column=_BY_KEY[key].header)
        return aliases[_norm(text)], None

    return parse


def _parsers() -> dict[str, Callable[[Any], tuple[Any, str | None]]]:
    return {"full_name": _text, "position": _text, "education": _text,
            "experience_years": _experience, "qualification": _choice("qualification"),
            "role": _choice("role"), "mentee_category": _choice("mentee_category"),
            "consent_on": _date}


def _row_problems(data: dict[str, Any], today: date) -> list[str]:
    """What is wrong with one line's values beyond their own format."""
    problems = []
    if not data["full_name"]:
        problems.append(_("the full name is missing"))
    if data["role"] is None:
        problems.append(_("the role in mentoring is missing"))
    elif data["mentee_category"] is not None and data["role"] is ParticipantRole.MENTOR:
        problems.append(_("a mentee category is only for mentees"))
    if data["consent_on"] is not None and data["consent_on"] > today:
        problems.append(_("the consent date is later than today"))
    too_long = too_long_for_columns({
        str(_BY_KEY[key].header): (getattr(Participant, key), data[key])
        for key in ("full_name", "position", "education")})
    return problems + ([too_long] if too_long else [])


def person_key(full_name: str, position: str) -> tuple[str, str]:
    """What makes two lines the same person: the full name and the position, normalized."""
    return _norm(full_name), _norm(position)


def _read(data: bytes, filename: str) -> tuple[dict[int, str], list[tuple[int, list[Any]]]]:
    """The columns found (index → key) and the data lines after the header."""
    names = _in_both_languages(REGISTER_SHEET)
    try:
        grid = read_grid(data, filename, prefer=tuple(names),
                         skip=tuple(_in_both_languages(INSTRUCTIONS_SHEET)))
    except FileRejected as problem:
        raise ImportProblems([str(problem)]) from problem
    aliases = _header_aliases()
    found = find_header(grid, {n for n, key in aliases.items() if key == "full_name"})
    if found is None:
        raise ImportProblems([_("No header row with the column «%(name)s» was found. Download "
                                "the template and fill it in.", name=COLUMNS[0].header)])
    position, header = found
    columns = {i: aliases[_norm(v)] for i, v in enumerate(header) if _norm(v) in aliases}
    missing = [str(_BY_KEY[k].header) for k in ("full_name", "role")
               if k not in columns.values()]
    if missing:
        raise ImportProblems([_("Missing columns: %(names)s.", names=", ".join(missing))])
    lines = grid.rows[position + 1:]
    if not lines:
        raise ImportProblems([_("The file has nobody in it.")])
    if len(lines) > MAX_PEOPLE:
        raise ImportProblems([_("The file has more than %(n)d people; split it into several "
                                "files.", n=MAX_PEOPLE)])
    return columns, lines


def _line(values: list[Any], columns: dict[int, str], parsers, today: date,
          ) -> tuple[dict[str, Any], list[str]]:
    data: dict[str, Any] = {c.key: None for c in COLUMNS} | {
        "full_name": "", "position": "", "education": ""}
    problems = []
    for index, key in columns.items():
        value = values[index] if index < len(values) else None
        if isinstance(value, Formula):
            problems.append(_("the column «%(column)s» holds a formula; type the value itself",
                              column=_BY_KEY[key].header))
            continue
        data[key], problem = parsers[key](value)
        if problem:
            problems.append(problem)
    return data, problems + _row_problems(data, today)


def parse_register(data: bytes, filename: str, register: list[Participant],
                   today: date) -> list[ParticipantData]:
    """The people of an uploaded register file; raise :class:`ImportProblems` listing every
    problem of every line if there is any. ``register``: the people already there;
    ``today``: the day in the organization's region."""
    columns, lines = _read(data, filename)
    parsers = _parsers()
    known = {person_key(p.full_name, p.position) for p in register if p.anonymized_at is None}
    seen: dict[tuple[str, str], int] = {}
    people, problems = [], []
    for line, values in lines:
        person, line_problems = _line(values, columns, parsers, today)
        key = person_key(person["full_name"], person["position"])
        if person["full_name"] and key in known:
            line_problems.append(_("this person (the same full name and position) is already "
                                   "in the register"))
        elif person["full_name"] and key in seen:
            line_problems.append(_("this person is already on line %(line)d", line=seen[key]))
        seen.setdefault(key, line)
        problems += [_("Line %(line)d: %(problem)s", line=line, problem=p)
                     for p in line_problems]
        if not line_problems:
            people.append(ParticipantData(**person))
    if problems:
        raise ImportProblems(problems)
    return people
