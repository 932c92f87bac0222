"""The definition file of a form (issue 11 §7): an XLSX workbook read and written here.

Three sheets and an optional fourth, the first row of each naming its columns:

- «Форма», one row: ``code, name_ru, name_en, periodicity, applies_to`` and, optionally,
  ``jump_relative, jump_absolute`` (the jump warning of count items);
- «Показатели», one row per item: ``code, section, label_ru, label_en, kind, unit_ru,
  applies_to, required, min, max, scale, presence, help_ru`` (optionally ``unit_en,
  help_en, document_kind``: the document kind of the register an evidence item stands for);
- «Правила», one row per rule: ``code, severity, expression, message_ru`` (optionally
  ``message_en``);
- «Производные», optional, one row per derived indicator (:mod:`.derived_sheet`).

Reading goes through the portal's bounded reader of untrusted workbooks
(:func:`portal.tabular.read_grid`: the same limits on size, cells and parts as report files,
formulas reported, never evaluated) and is all or nothing: :class:`DefinitionFileError`
carries every problem found, each with its sheet and line. Writing goes through
:func:`portal.sheets.xlsx_bytes`, so no text cell can run as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from portal import sheets, tabular
from portal.catalogue import derived_sheet, expressions
from portal.catalogue.definition import (
    ORGANIZATION_TYPES,
    PRESENCE_KINDS,
    FormDefinition,
    ItemDefinition,
    ItemKind,
    Periodicity,
    RuleDefinition,
    Severity,
)
from portal.documents.models import DocumentKind
from portal.refusals import Refusal
from portal.tabular import FileRejected, Formula

FORM_SHEET, ITEMS_SHEET, RULES_SHEET = "Форма", "Показатели", "Правила"
FORM_COLUMNS = ("code", "name_ru", "name_en", "periodicity", "applies_to")
FORM_OPTIONAL = ("jump_relative", "jump_absolute")
ITEM_COLUMNS = ("code", "section", "label_ru", "label_en", "kind", "unit_ru", "applies_to",
                "required", "min", "max", "scale", "presence", "help_ru")
ITEM_OPTIONAL = ("unit_en", "help_en", "document_kind")
RULE_COLUMNS = ("code", "severity", "expression", "message_ru")
RULE_OPTIONAL = ("message_en",)
CODE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")
TRUE, FALSE = {"да", "yes", "1", "true", "истина"}, {"нет", "no", "0", "false", "ложь"}
MAX_TEXT = 2000  # characters of one cell of a definition


@dataclass(frozen=True)
class DefinitionProblem:
    """One reason the file is refused: where (sheet, line; 0 = the whole sheet) and what."""

    sheet: str
    row: int
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        if not self.row:
            return f"«{self.sheet}»: {self.message}"
        return _("«%(sheet)s», line %(row)d: %(message)s", sheet=self.sheet, row=self.row,
                 message=self.message)


class DefinitionFileError(Refusal):
    """The definition file is refused as a whole; ``problems`` lists every reason."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Bad(ValueError):
    """A cell that cannot be used; the message (translated) says why."""


# -- cells ----------------------------------------------------------------------------------------

def _text(cell: Any) -> str:
    if isinstance(cell, Formula):
        raise _Bad(_("the cell holds a formula (%(formula)s): write the value itself",
                     formula=cell))
    text = tabular.normalize_raw(cell)
    if len(text) > MAX_TEXT:
        raise _Bad(_("the text is too long (%(length)d characters, at most %(limit)d)",
                     length=len(text), limit=MAX_TEXT))
    return text


def _required_text(cell: Any) -> str:
    text = _text(cell)
    if not text:
        raise _Bad(_("the value is missing"))
    return text


def _code(cell: Any) -> str:
    code = _required_text(cell)
    if not CODE.match(code):
        raise _Bad(_("«%(code)s» is not a code: use small Latin letters, digits and «_», "
                     "parts joined by «.»", code=code))
    return code


def _choice(options: type) -> Callable[[Any], Any]:
    def parse(cell: Any) -> Any:
        text = _required_text(cell).lower()
        try:
            return options(text)
        except ValueError:
            raise _Bad(_("«%(value)s» is not one of: %(options)s", value=text,
                         options=", ".join(o.value for o in options))) from None
    return parse


def _document_kind(cell: Any) -> str | None:
    """A document kind of the register an evidence item stands for, or None (blank)."""
    text = _text(cell).lower()
    if not text:
        return None
    if text not in DocumentKind.__members__.values():
        raise _Bad(_("«%(value)s» is not one of: %(options)s", value=text,
                     options=", ".join(kind.value for kind in DocumentKind)))
    return text


def _types(cell: Any) -> frozenset[str]:
    text = _text(cell).lower()
    if text in ("", "all", "все"):
        return frozenset(ORGANIZATION_TYPES)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in ORGANIZATION_TYPES]
    if unknown or not chosen:
        raise _Bad(_("«%(value)s» is not «all» nor a comma list of %(types)s",
                     value=", ".join(unknown) or text, types=", ".join(ORGANIZATION_TYPES)))
    return frozenset(chosen)


def _flag(default: bool) -> Callable[[Any], bool]:
    def parse(cell: Any) -> bool:
        if isinstance(cell, bool):
            return cell
        text = _text(cell).lower()
        if not text:
            return default
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise _Bad(_("«%(value)s» is not yes or no (да / нет, yes / no, 1 / 0)", value=text))
    return parse


def _number(cell: Any) -> Decimal | None:
    text = _text(cell).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Bad(_("«%(value)s» is not a number", value=_text(cell))) from None
    if not number.is_finite():
        raise _Bad(_("«%(value)s» is not a number", value=_text(cell)))
    return number


def _whole(cell: Any) -> int | None:
    number = _number(cell)
    if number is None:
        return None
    if number != number.to_integral_value() or not 2 <= number <= 100:
        raise _Bad(_("the scale must be a whole number from 2 to 100"))
    return int(number)


# -- sheets ---------------------------------------------------------------------------------------

class _Reader:
    """Collects every problem of the file while its sheets are read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.problems: list[DefinitionProblem] = []
        self.kinds: dict[str, str] = {}  # every item code read, also of refused rows

    def refuse(self, sheet: str, row: int, message: str) -> None:
        problem = DefinitionProblem(sheet, row, message)
        if problem not in self.problems:  # a damaged file is refused once, not per sheet
            self.problems.append(problem)

    def rows(self, sheet: str, columns: tuple[str, ...],
             optional: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
        """The data rows of ``sheet`` as (line, column → cell); [] when it cannot be read."""
        if self.data[:4] != b"PK\x03\x04":
            self.refuse("", 0, _("A form definition is an Excel workbook (.xlsx) with the "
                                 "sheets «%(form)s», «%(items)s» and «%(rules)s».",
                                 form=FORM_SHEET, items=ITEMS_SHEET, rules=RULES_SHEET))
            return []
        try:
            grid = tabular.read_grid(self.data, "form.xlsx", prefer=(sheet,))
        except FileRejected as exc:
            self.refuse("", 0, str(exc))
            return []
        if grid.sheet != sheet:
            self.refuse(sheet, 0, _("the workbook has no visible sheet «%(sheet)s»",
                                    sheet=sheet))
            return []
        (line, header), body = grid.rows[0], grid.rows[1:]
        names = [tabular.normalize_header(value) for value in header]
        for name in sorted({n for n in names if n and n not in columns + optional}):
            self.refuse(sheet, line, _("unknown column «%(name)s»", name=name))
        missing = [name for name in columns if name not in names]
        for name in missing:
            self.refuse(sheet, line, _("the column «%(name)s» is missing", name=name))
        if missing:  # every row would repeat it
            return []
        return [(number, {name: values[i] if i < len(values) else None
                          for i, name in enumerate(names) if name})
                for number, values in body]

    def first_use(self, sheet: str, line: int, code: str, seen: dict[str, int]) -> bool:
        """Whether ``code`` is new on this sheet (else the line is refused)."""
        if code in seen:
            self.refuse(sheet, line, _("the code «%(code)s» is already used on line %(row)d",
                                       code=code, row=seen[code]))
            return False
        seen[code] = line
        return True

    def fields(self, sheet: str, line: int, cells: dict[str, Any],
               parsers: dict[str, Callable[[Any], Any]]) -> tuple[dict[str, Any], bool]:
        """Each column's value that could be read, and whether all could (else problems are
        noted)."""
        parsed, ok = {}, True
        for name, parser in parsers.items():
            try:
                parsed[name] = parser(cells.get(name))
            except _Bad as exc:
                self.refuse(sheet, line, _("column «%(name)s»: %(reason)s", name=name,
                                           reason=str(exc)))
                ok = False
        return parsed, ok


FORM_PARSERS = {"code": _code, "name_ru": _required_text, "name_en": _text,
                "periodicity": _choice(Periodicity), "applies_to": _types,
                "jump_relative": _number, "jump_absolute": _number}
ITEM_PARSERS = {"code": _code, "section": _required_text, "label_ru": _required_text,
                "label_en": _text, "kind": _choice(ItemKind), "unit_ru": _text,
                "unit_en": _text, "applies_to": _types, "required": _flag(True),
                "min": _number, "max": _number, "scale": _whole, "presence": _flag(False),
                "help_ru": _text, "help_en": _text, "document_kind": _document_kind}
RULE_PARSERS = {"code": _code, "severity": _choice(Severity), "expression": _required_text,
                "message_ru": _required_text, "message_en": _text}


def read_definition(data: bytes) -> FormDefinition:
    """The form defined by an XLSX definition file; raises :class:`DefinitionFileError` with
    every problem of the file (nothing is partly read)."""
    reader = _Reader(data)
    form = _form(reader)
    items = _items(reader)
    rules = _rules(reader)
    derived = derived_sheet.read_derived(reader)
    if reader.problems or form is None:
        raise DefinitionFileError(reader.problems)
    return FormDefinition(items=tuple(items), rules=tuple(rules), derived=derived, **form)


def _form(reader: _Reader) -> dict | None:
    rows = reader.rows(FORM_SHEET, FORM_COLUMNS, FORM_OPTIONAL)
    if len(rows) != 1:
        if rows or not reader.problems:
            reader.refuse(FORM_SHEET, 0, _("the sheet must have exactly one row under the "
                                           "column names (it has %(n)d)", n=len(rows)))
        return None
    line, cells = rows[0]
    fields, ok = reader.fields(FORM_SHEET, line, cells, FORM_PARSERS)
    if not ok:
        return None
    return {"code": fields["code"], "name_ru": fields["name_ru"], "name_en": fields["name_en"],
            "periodicity": fields["periodicity"], "applies_to": fields["applies_to"],
            "jump_relative": fields["jump_relative"], "jump_absolute": fields["jump_absolute"],
            "row": line}


def _items(reader: _Reader) -> list[ItemDefinition]:
    items: list[ItemDefinition] = []
    seen: dict[str, int] = {}
    for line, cells in reader.rows(ITEMS_SHEET, ITEM_COLUMNS, ITEM_OPTIONAL):
        fields, ok = reader.fields(ITEMS_SHEET, line, cells, ITEM_PARSERS)
        if "code" in fields:  # rules may name it, whatever else is wrong on its line
            reader.kinds.setdefault(fields["code"], getattr(fields.get("kind"), "value", ""))
        if not ok:
            continue
        if not reader.first_use(ITEMS_SHEET, line, fields["code"], seen):
            continue
        for message in _item_problems(fields):
            reader.refuse(ITEMS_SHEET, line, message)
        items.append(ItemDefinition(
            code=fields["code"], section=fields["section"], label_ru=fields["label_ru"],
            label_en=fields["label_en"], kind=fields["kind"], unit_ru=fields["unit_ru"],
            unit_en=fields["unit_en"], applies_to=fields["applies_to"],
            required=fields["required"], min_value=fields["min"], max_value=fields["max"],
            scale=fields["scale"], presence=fields["presence"], help_ru=fields["help_ru"],
            help_en=fields["help_en"], document_kind=fields["document_kind"], row=line))
    return items


def _item_problems(fields: dict) -> list[str]:
    """What is wrong in an item whose every cell could be read."""
    kind, problems = fields["kind"], []
    low, high = fields["min"], fields["max"]
    if low is not None and high is not None and low > high:
        problems.append(_("min (%(min)s) is greater than max (%(max)s)", min=low, max=high))
    if kind is ItemKind.SCORE and fields["scale"] is None:
        problems.append(_("a score needs its scale (the column «scale», e.g. 10)"))
    if kind is not ItemKind.SCORE and fields["scale"] is not None:
        problems.append(_("only a score has a scale"))
    if fields["presence"] and kind not in PRESENCE_KINDS:
        problems.append(_("presence = yes is only for yes_no and evidence items"))
    if fields["document_kind"] and kind is not ItemKind.EVIDENCE:
        problems.append(_("document_kind is only for evidence items"))
    return problems


def _rules(reader: _Reader) -> list[RuleDefinition]:
    rules: list[RuleDefinition] = []
    seen: dict[str, int] = {}
    for line, cells in reader.rows(RULES_SHEET, RULE_COLUMNS, RULE_OPTIONAL):
        fields, ok = reader.fields(RULES_SHEET, line, cells, RULE_PARSERS)
        if not ok:
            continue
        if not reader.first_use(RULES_SHEET, line, fields["code"], seen):
            continue
        try:
            expressions.parse(fields["expression"], reader.kinds)
        except expressions.ExpressionError as exc:
            reader.refuse(RULES_SHEET, line, _("column «%(name)s»: %(reason)s",
                                               name="expression", reason=exc.message))
        rules.append(RuleDefinition(fields["code"], fields["severity"], fields["expression"],
                                    fields["message_ru"], fields["message_en"], row=line))
    return rules


# -- writing --------------------------------------------------------------------------------------

def _types_text(types: frozenset[str]) -> str:
    if set(types) == set(ORGANIZATION_TYPES):
        return "all"
    return ", ".join(t for t in ORGANIZATION_TYPES if t in types)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def write_definition(definition: FormDefinition) -> bytes:
    """The form as a definition file that :func:`read_definition` reads back unchanged."""
    workbook = Workbook()
    form = workbook.active
    form.title = FORM_SHEET
    jump = definition.jump_relative is not None or definition.jump_absolute is not None
    form.append(list(FORM_COLUMNS + (FORM_OPTIONAL if jump else ())))
    form.append([definition.code, definition.name_ru, definition.name_en,
                 definition.periodicity.value, _types_text(definition.applies_to),
                 *((definition.jump_relative, definition.jump_absolute) if jump else ())])
    optional = [c for c in ITEM_OPTIONAL if any(getattr(i, c) for i in definition.items)]
    items = workbook.create_sheet(ITEMS_SHEET)
    items.append(list(ITEM_COLUMNS) + optional)
    for item in definition.items:
        items.append([item.code, item.section, item.label_ru, item.label_en, item.kind.value,
                      item.unit_ru, _types_text(item.applies_to), _yes(item.required),
                      item.min_value, item.max_value, item.scale, _yes(item.presence),
                      item.help_ru, *(getattr(item, c) for c in optional)])
    english = any(rule.message_en for rule in definition.rules)
    rules = workbook.create_sheet(RULES_SHEET)
    rules.append(list(RULE_COLUMNS + (RULE_OPTIONAL if english else ())))
    for rule in definition.rules:
        rules.append([rule.code, rule.severity.value, rule.expression, rule.message_ru,
                      *((rule.message_en,) if english else ())])
    for sheet, widths in ((form, (16, 40, 40, 14, 30)),
                          (items, (28, 28, 50, 40, 10, 12, 30, 9, 8, 8, 7, 9, 50)),
                          (rules, (28, 9, 60, 60))):
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
    derived_sheet.write_derived(workbook, definition.derived)
    return sheets.xlsx_bytes(workbook)
