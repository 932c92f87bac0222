"""The XLSX definition file of a form: round trip, every refusal with its line, hostile files."""

from __future__ import annotations

import dataclasses
import io
import time
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from portal.catalogue.definition import (
    FormDefinition,
    ItemDefinition,
    ItemKind,
    Periodicity,
    RuleDefinition,
    Severity,
)
from portal.catalogue.definition_file import (
    DefinitionFileError,
    DefinitionProblem,
    read_definition,
    write_definition,
)
from tests.data import hostile_uploads
from tests.data.make_form_example import OUT as EXAMPLE
from tests.data.make_form_example import example_form

UPLOADS = Path(__file__).resolve().parent / "data" / "uploads"


def _without_rows(definition: FormDefinition) -> FormDefinition:
    return dataclasses.replace(
        definition, row=0, items=tuple(dataclasses.replace(i, row=0) for i in definition.items),
        rules=tuple(dataclasses.replace(r, row=0) for r in definition.rules))


def _every_kind() -> FormDefinition:
    """A form with one item of every kind and every optional part filled."""
    items = (
        ItemDefinition("staff", "Кадры", "Педагогов", "Teachers", ItemKind.COUNT, "человек",
                       "people", min_value=Decimal(0), max_value=Decimal(10000),
                       help_ru="Всего", help_en="In all"),
        ItemDefinition("share", "Кадры", "Доля", "Share", ItemKind.PERCENT,
                       applies_to=frozenset({"school", "college"}), min_value=Decimal(0),
                       max_value=Decimal(100)),
        ItemDefinition("score", "Опрос", "Балл", "Score", ItemKind.SCORE, scale=5,
                       required=False),
        ItemDefinition("hours", "Опрос", "Часов", "Hours", ItemKind.NUMBER,
                       min_value=Decimal("0.5"), max_value=Decimal("12.25")),
        ItemDefinition("agreed", "Документы", "Согласовано", "Agreed", ItemKind.YES_NO,
                       presence=True),
        ItemDefinition("order", "Документы", "Приказ", "Order", ItemKind.EVIDENCE,
                       presence=True, applies_to=frozenset({"kindergarten"})),
        ItemDefinition("note", "Прочее", "=HYPERLINK(\"x\")", "Note", ItemKind.TEXT,
                       max_value=Decimal(300)),
        ItemDefinition("day", "Прочее", "Дата", "Date", ItemKind.DATE),
    )
    rules = (
        RuleDefinition("share_needs_staff", Severity.ERROR, "if share > 0 then staff > 0",
                       "Нет педагогов", "No teachers"),
        RuleDefinition("order_when_agreed", Severity.WARNING, "not agreed or present(order)",
                       "-2+3 нет приказа", "No order"),
    )
    return FormDefinition("every_kind", "Все виды", "Every kind", Periodicity.ONE_OFF,
                          frozenset({"school", "kindergarten"}), items, rules,
                          jump_relative=Decimal("0.5"), jump_absolute=Decimal(5))


@pytest.mark.parametrize("definition", [example_form(), _every_kind()],
                         ids=["krasnoyarsk", "every_kind"])
def test_a_written_definition_reads_back_unchanged(definition):
    read = read_definition(write_definition(definition))
    assert _without_rows(read) == definition
    assert [item.row for item in read.items] == list(range(2, 2 + len(definition.items)))
    assert [rule.row for rule in read.rules] == list(range(2, 2 + len(definition.rules)))


def test_text_that_looks_like_a_formula_is_written_as_text():
    workbook = load_workbook(io.BytesIO(write_definition(_every_kind())))
    cell = workbook["Показатели"]["C8"]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s" and cell.quotePrefix


def test_the_example_in_the_documentation_is_the_krasnoyarsk_form():
    definition = read_definition(EXAMPLE.read_bytes())
    assert _without_rows(definition) == example_form()
    presence = [item.code for item in definition.items if item.presence]
    assert len(presence) == 8 and {i.kind for i in definition.items} == {
        ItemKind.EVIDENCE, ItemKind.COUNT, ItemKind.DATE}
    assert definition.items[0].document_kind == "website"  # the optional column
    count = next(i for i in definition.items if i.kind is ItemKind.COUNT)
    assert count.label_ru == "Количество наставнических пар/групп в соответствии с приказом"


def _edited(*edits: tuple[str, str, object]) -> bytes:
    """The example file with cells changed: (sheet, cell, value)."""
    workbook = load_workbook(io.BytesIO(write_definition(example_form())))
    for sheet, cell, value in edits:
        workbook[sheet][cell] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _problems(data: bytes) -> list[tuple[str, int, str]]:
    with pytest.raises(DefinitionFileError) as raised:
        read_definition(data)
    return [(p.sheet, p.row, p.message) for p in raised.value.problems]


ITEMS, RULES, FORM = "Показатели", "Правила", "Форма"


@pytest.mark.parametrize("edits,problem", [
    ([(ITEMS, "E3", "checkbox")], (ITEMS, 3, "column «kind»: «checkbox» is not one of: count, "
                                   "percent, score, number, yes_no, evidence, text, date")),
    ([(ITEMS, "G4", "school, university")],
     (ITEMS, 4, "column «applies_to»: «university» is not «all» nor a comma list of school, "
                "kindergarten, college, additional")),
    ([(ITEMS, "A5", "order_model")], (ITEMS, 5, "the code «order_model» is already used on "
                                      "line 3")),
    ([(ITEMS, "A5", "Order model")], (ITEMS, 5, "column «code»: «Order model» is not a code: "
                                      "use small Latin letters, digits and «_», parts joined "
                                      "by «.»")),
    ([(ITEMS, "I10", 10), (ITEMS, "J10", 5)], (ITEMS, 10, "min (10) is greater than max (5)")),
    ([(ITEMS, "E10", "score")], (ITEMS, 10, "a score needs its scale (the column «scale», "
                                 "e.g. 10)")),
    ([(ITEMS, "K10", 10)], (ITEMS, 10, "only a score has a scale")),
    ([(ITEMS, "K10", 2.5), (ITEMS, "E10", "score")],
     (ITEMS, 10, "column «scale»: the scale must be a whole number from 2 to 100")),
    ([(ITEMS, "L10", "yes")], (ITEMS, 10, "presence = yes is only for yes_no and evidence "
                               "items")),
    ([(ITEMS, "H6", "может быть")], (ITEMS, 6, "column «required»: «может быть» is not yes or "
                                     "no (да / нет, yes / no, 1 / 0)")),
    ([(ITEMS, "I10", "много")], (ITEMS, 10, "column «min»: «много» is not a number")),
    ([(ITEMS, "C7", "")], (ITEMS, 7, "column «label_ru»: the value is missing")),
    ([(ITEMS, "C7", "=1+1")], (ITEMS, 7, "column «label_ru»: the cell holds a formula "
                               "(=1+1): write the value itself")),
    ([(RULES, "B3", "critical")], (RULES, 3, "column «severity»: «critical» is not one of: "
                                   "error, warning")),
    ([(RULES, "C2", "pairs_count >")], (RULES, 2, "column «expression»: The expression ends "
                                        "too early: something is missing at its end (a "
                                        "number, an item code or a closing part).")),
    ([(RULES, "C3", "pairs > 0")], (RULES, 3, "column «expression»: Unknown item code «pairs» "
                                    "at column 1.")),
    ([(RULES, "C3", "filled_on > 0")], (RULES, 3, "column «expression»: «filled_on» at column "
                                        "1 is a text or date item: only present(filled_on) "
                                        "can test it.")),
    ([(ITEMS, "N3", "passport")], (ITEMS, 3, "column «document_kind»: «passport» is not one "
                                   "of: implementation_order, regulation, roadmap, "
                                   "curator_order, pairs_order, programmes, website, "
                                   "annual_report")),
    ([(ITEMS, "N11", "regulation")], (ITEMS, 11, "document_kind is only for evidence items")),
    ([(RULES, "A3", "pairs_need_order")], (RULES, 3, "the code «pairs_need_order» is already "
                                           "used on line 2")),
    ([(FORM, "D2", "monthly")], (FORM, 2, "column «periodicity»: «monthly» is not one of: "
                                 "quarter, half_year, school_year, calendar_year, one_off")),
    ([(FORM, "A3", "second"), (FORM, "B3", "Вторая")],
     (FORM, 0, "the sheet must have exactly one row under the column names (it has 2)")),
    ([(ITEMS, "N1", "colour")], (ITEMS, 1, "unknown column «colour»")),
    ([(RULES, "D1", None)], (RULES, 1, "the column «message_ru» is missing")),
])
def test_every_refusal_names_its_sheet_and_line(edits, problem):
    assert _problems(_edited(*edits)) == [problem]


def test_every_problem_of_the_file_is_reported_at_once():
    problems = _problems(_edited((ITEMS, "E3", "checkbox"), (ITEMS, "I10", 10),
                                 (ITEMS, "J10", 5), (RULES, "C2", "nothing > 0")))
    assert [(sheet, row) for sheet, row, _message in problems] == [
        (ITEMS, 3), (ITEMS, 10), (RULES, 2)]


def test_a_rule_may_name_an_item_whose_line_is_refused():
    # Only the item's own line is reported, not every rule that mentions it.
    assert _problems(_edited((ITEMS, "E10", "counter"))) == [
        (ITEMS, 10, "column «kind»: «counter» is not one of: count, percent, score, number, "
                    "yes_no, evidence, text, date")]


def test_booleans_in_russian_english_digits_and_excel_cells():
    flags = [("да", True), ("нет", False), ("Yes", True), ("NO", False), (1, True), (0, False),
             ("1", True), (True, True), (False, False), (None, True)]
    for cell, expected in flags:
        definition = read_definition(_edited((ITEMS, "H2", cell)))
        assert definition.items[0].required is expected, cell


def test_a_missing_sheet_and_a_workbook_that_is_not_one():
    workbook = load_workbook(io.BytesIO(write_definition(example_form())))
    del workbook[RULES]
    out = io.BytesIO()
    workbook.save(out)
    assert _problems(out.getvalue()) == [(RULES, 0, "the workbook has no visible sheet "
                                                    "«Правила»")]
    assert _problems(b"code;name_ru\nx;y\n") == [("", 0, "A form definition is an Excel "
                                                         "workbook (.xlsx) with the sheets "
                                                         "«Форма», «Показатели» and «Правила».")]


def test_a_hidden_sheet_is_not_read():
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
    data = hostile_uploads.book([("Форма", "hidden", hostile_uploads.sheet(row)),
                                 ("Показатели", "visible", hostile_uploads.sheet(row))])
    problems = _problems(data)
    assert (FORM, 0, "the workbook has no visible sheet «Форма»") in problems


@pytest.mark.parametrize("name", ["billion_laughs.xlsx", "external_entity.xlsx",
                                  "bomb_packed.xlsx", "bomb_cells.xlsx", "encrypted.xlsx",
                                  "old_format.xls", "corrupt.xlsx", "macros.xlsm"])
def test_hostile_files_are_refused_quickly_with_one_message(name):
    started = time.perf_counter()
    problems = _problems((UPLOADS / name).read_bytes())
    assert time.perf_counter() - started < 10
    assert len(problems) == 1 and problems[0][2]


def test_messages_are_translated(app):
    with app.test_request_context("/", headers={"Accept-Language": "ru"}), \
            pytest.raises(DefinitionFileError) as raised:
        read_definition(_edited((ITEMS, "E3", "checkbox"), (RULES, "C3", "pairs > 0")))
    assert str(raised.value) == (
        "«Показатели», строка 3: столбец «kind»: «checkbox» — не одно из значений: count, "
        "percent, score, number, yes_no, evidence, text, date\n"
        "«Правила», строка 3: столбец «expression»: Неизвестный код показателя «pairs» в "
        "позиции 1.")


def test_a_problem_reads_as_its_place_and_message():
    assert str(DefinitionProblem("Правила", 4, "x")) == "«Правила», line 4: x"
    assert str(DefinitionProblem("Правила", 0, "x")) == "«Правила»: x"
    assert str(DefinitionProblem("", 0, "x")) == "x"


def test_a_blank_workbook_is_refused():
    out = io.BytesIO()
    Workbook().save(out)
    problems = _problems(out.getvalue())
    assert problems and all(message for *_place, message in problems)
