"""Issue 11 §7: a form stored from plain data and read back as the same data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.catalogue import operations, queries
from portal.catalogue.definition import (
    FormDefinition,
    ItemDefinition,
    ItemKind,
    Periodicity,
    RuleDefinition,
    Severity,
)
from portal.reports import period_operations

KRASNOYARSK = FormDefinition(
    code="mentoring_on_date", name_ru="Мониторинг реализации целевой модели наставничества",
    name_en="Monitoring of the target model of mentoring", periodicity=Periodicity.ONE_OFF,
    applies_to=frozenset({"kindergarten"}),
    items=(
        ItemDefinition("website", "Документы", "Наличие Раздела Наставничество на сайте ОО",
                       "The «Mentoring» section of the website", ItemKind.EVIDENCE,
                       applies_to=frozenset({"kindergarten"}), presence=True, row=2),
        ItemDefinition("implementation_order", "Документы",
                       "Наличие Приказа о внедрении целевой модели наставничества в ОО",
                       "Order on implementing the target model", ItemKind.YES_NO,
                       applies_to=frozenset({"kindergarten"}), presence=True, row=3),
        ItemDefinition("pairs", "Пары", "Количество наставнических пар/групп в соответствии с "
                       "приказом", "Pairs and groups under the order", ItemKind.COUNT,
                       unit_ru="пар и групп", unit_en="pairs and groups",
                       min_value=Decimal(0), max_value=Decimal(1000), row=4),
        ItemDefinition("satisfaction", "Пары", "Удовлетворённость", "Satisfaction",
                       ItemKind.SCORE, scale=5, required=False, min_value=Decimal(1),
                       max_value=Decimal(5), help_ru="Средний балл", row=5),
        ItemDefinition("comment", "Пары", "Комментарий", "Comment", ItemKind.TEXT,
                       max_value=Decimal(500), required=False, row=6),
    ),
    jump_relative=Decimal("0.5"), jump_absolute=Decimal(5))


def _without_rows(definition: FormDefinition) -> FormDefinition:
    return replace(definition, row=0, items=tuple(replace(i, row=0) for i in definition.items))


def test_a_definition_is_stored_and_read_back_unchanged(factory):
    version = operations.import_definition(factory.region(), KRASNOYARSK)
    assert version.number == 1 and not version.frozen
    # a stored form has a list of derived indicators: none for this one (no standard one's
    # parts among its items)
    assert _without_rows(operations.definition_of(version)) == _without_rows(
        replace(KRASNOYARSK, derived=()))
    sections = [i.section for i in queries.all_indicators(version)]
    assert sections == ["Документы", "Документы", "Пары", "Пары", "Пары"]


def test_importing_again_replaces_an_unfrozen_version_and_follows_a_frozen_one(factory):
    region = factory.region()
    first = operations.import_definition(region, KRASNOYARSK)
    fewer = replace(KRASNOYARSK, items=KRASNOYARSK.items[:2])
    assert operations.import_definition(region, fewer).id == first.id  # nobody read it yet
    assert [i.code for i in queries.all_indicators(first)] == ["website", "implementation_order"]
    period_operations.open_collection(first.form, (date(2024, 12, 13), date(2024, 12, 13)))
    second = operations.import_definition(region, KRASNOYARSK)
    assert second.number == 2 and second.form_id == first.form_id
    assert len(queries.all_indicators(first)) == 2  # the opened collection keeps its items
    assert len(queries.all_indicators(second)) == 5


@pytest.mark.parametrize("item", [
    replace(KRASNOYARSK.items[0], code="pairs"),  # a code used twice
    replace(KRASNOYARSK.items[2], scale=10),  # a scale on a count
    replace(KRASNOYARSK.items[2], presence=True),  # a count on the presence checklist
])
def test_a_bad_item_is_refused_naming_its_row(factory, item):
    definition = replace(KRASNOYARSK, items=(*KRASNOYARSK.items, replace(item, row=9)))
    region = factory.region()
    with pytest.raises(operations.CatalogueError, match="Row 9|Строка 9"):
        operations.import_definition(region, definition)
    assert operations.find_form(region, KRASNOYARSK.code) is None  # nothing stored


def test_rules_and_the_jump_warning_are_stored_and_read_back(factory):
    rule = RuleDefinition("pairs_order", Severity.ERROR, "if pairs > 0 then present(website)",
                          "Нужен приказ о парах", "The order on pairs is needed")
    version = operations.import_definition(factory.region(), replace(KRASNOYARSK, rules=(rule,)))
    back = operations.definition_of(version)
    assert back.rules == (rule,)
    assert (back.jump_relative, back.jump_absolute) == (Decimal("0.5"), Decimal(5))
    jump = [r for r in queries.all_rules(version) if r.kind.value == "jump"]
    assert [(r.threshold, r.threshold_absolute) for r in jump] == [(Decimal("0.5"), Decimal(5))]


@pytest.mark.parametrize("expression", ["if pairs > 0 then present(nowhere)", "pairs >",
                                        "sum(pairs, comment) = 1"])
def test_a_rule_that_does_not_fit_the_items_is_refused_naming_its_row(factory, expression):
    rule = RuleDefinition("bad", Severity.ERROR, expression, "Плохо", row=7)
    region = factory.region()
    with pytest.raises(operations.CatalogueError, match="7"):
        operations.import_definition(region, replace(KRASNOYARSK, rules=(rule,)))


def test_a_definition_file_round_trips_through_the_cli(app, factory, tmp_path):
    from portal.catalogue.definition_file import read_definition

    factory.region(code="CLI-DEF")
    example = Path(__file__).parent.parent / "docs" / "forms" / "example-form.xlsx"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forms", "import", "--region", "CLI-DEF", str(example)])
    assert result.exit_code == 0, result.output
    original = read_definition(example.read_bytes())
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["forms", "export", "--region", "CLI-DEF", "--form",
                                 original.code, str(out)])
    assert result.exit_code == 0, result.output
    exported = read_definition(out.read_bytes())
    # a blank English label or message is stored as the Russian one (the English page
    # shows something); everything else comes back as it was
    expected = replace(original, items=tuple(replace(i, label_en=i.label_en or i.label_ru)
                                             for i in original.items))
    assert _without_rows(exported) == replace(_without_rows(expected), rules=exported.rules,
                                              derived=())
    assert [(r.code, r.severity, r.expression, r.message_ru) for r in exported.rules] == \
        [(r.code, r.severity, r.expression, r.message_ru) for r in original.rules]


def test_a_broken_definition_file_is_refused_by_the_cli_and_stores_nothing(app, factory,
                                                                            tmp_path):
    region = factory.region(code="CLI-BAD")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = app.test_cli_runner().invoke(args=["forms", "import", "--region", "CLI-BAD",
                                                str(broken)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert queries.forms_of(region.id) == []
