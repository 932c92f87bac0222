"""Derived indicators defined per form version (issue 11 §8): stored rows the migration gave
every existing version (exactly the five standard ones), copied with a version, read with
the items, defined in the definition file's sheet «Производные» and in the form editor."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from dashboards import queries as dashboard_queries
from portal import rules
from portal.catalogue import derived_operations, editor, operations, queries
from portal.catalogue.definition import DerivedDefinition, ItemKind, Periodicity
from portal.catalogue.definition_file import (
    DefinitionFileError,
    read_definition,
    write_definition,
)
from portal.catalogue.derived_rows import derived_rows
from portal.catalogue.models import DerivedIndicator
from portal.extensions import db
from tenants.models import Role
from tests.data.make_form_example import example_form
from tests.report_helpers import setup_region

STANDARD = [d.code for d in rules.DERIVED]
SHEET = "Производные"


def _codes(version) -> list[str]:
    return [d.code for d in queries.derived_rows(version)]


def test_the_migration_gives_the_template_exactly_the_five_standard_ones(database):
    rows = queries.derived_rows(queries.template_version_id())
    assert [d.code for d in rows] == STANDARD
    for row, standard in zip(rows, rules.DERIVED, strict=True):
        assert rules.Derived.of(row).parts == standard.parts
        assert (row.scale, row.unit) == (standard.scale, standard.unit)
    assert rows[0].label_ru == "Охват наставляемых" and rows[0].label_en == "Mentee coverage"


def test_a_region_copy_and_a_new_version_keep_the_derived_indicators(app, factory):
    _region, _m, school, _c, period = setup_region(factory)
    assert _codes(period.form_version_id) == STANDARD  # the region's quarterly form
    form = period.form_version.form
    assert period.form_version.frozen
    derived_operations.add_derived(form, code="pairs_per_mentor", label_ru="Пар на наставника",
                                   label_en="", numerator=("mentees",), denominator=("mentors",),
                                   scale=1)
    latest = operations.latest_version(form)
    assert latest.id != period.form_version_id  # the frozen version is copied, not changed
    assert _codes(latest) == [*STANDARD, "pairs_per_mentor"]
    assert _codes(period.form_version_id) == STANDARD
    derived = rules.derived_for(queries.indicators_for(latest, school.type))
    assert [d.code for d in derived] == [*STANDARD, "pairs_per_mentor"]
    assert derived[-1].compute({"mentees": 9, "mentors": 3}) == 3


def test_the_dashboard_catalogue_and_the_report_form_read_the_versions_rows(
        app, client, factory):
    region, _m, school, _c, period = setup_region(factory)
    db.session.execute(sa.delete(DerivedIndicator).where(
        DerivedIndicator.form_version_id == period.form_version_id,
        DerivedIndicator.code == "mentor_share"))
    db.session.add(DerivedIndicator(
        form_version_id=period.form_version_id, code="young_share", label_ru="Доля молодых",
        label_en="Young share", numerator=["young_specialists"], denominator=["staff_total"],
        scale=100, position=99))
    db.session.commit()
    with app.test_request_context("/"):
        derived = [m.code for m in dashboard_queries.catalogue(period.form_version_id).items
                   if m.section == "derived"]
    assert "young_share" in derived and "mentor_share" not in derived
    client.login(factory.user(Role.CURATOR, school))
    page = client.get(f"/organizations/{school.id}/reports/{period.id}").get_data(as_text=True)
    assert "Доля молодых" in page and "young_share" in page and "Доля наставников" not in page
    assert "Расчётные показатели" in page


def test_a_form_without_derived_indicators_shows_no_empty_card(client, factory):
    region, _m, school, _c, period = setup_region(factory)
    db.session.execute(sa.delete(DerivedIndicator).where(
        DerivedIndicator.form_version_id == period.form_version_id))
    db.session.commit()
    client.login(factory.user(Role.CURATOR, school))
    page = client.get(f"/organizations/{school.id}/reports/{period.id}").get_data(as_text=True)
    assert 'id="v-staff_total"' in page and "Расчётные показатели" not in page


def _with_sheet(rows: list[list]) -> bytes:
    workbook = load_workbook(io.BytesIO(write_definition(example_form())))
    sheet = workbook.create_sheet(SHEET)
    sheet.append(["code", "label_ru", "label_en", "numerator", "denominator", "unit"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _count_codes() -> list[str]:
    """The example form's count item, twice (it has one)."""
    (count,) = [i.code for i in example_form().items if i.kind is ItemKind.COUNT]
    return [count, count]


def test_the_sheet_round_trips_and_a_file_without_it_says_nothing():
    a, b = _count_codes()[:2]
    definition = dataclasses.replace(example_form(), derived=(
        DerivedDefinition("share_a", "Доля А", "Share A", (a,), (b,)),
        DerivedDefinition("a_per_b", "А на Б", "A per B", (a,), (b,), scale=1)))
    read = read_definition(write_definition(definition))
    assert tuple(dataclasses.replace(d, row=0) for d in read.derived) == definition.derived
    assert [d.row for d in read.derived] == [2, 3]
    assert read_definition(write_definition(example_form())).derived is None
    empty = read_definition(_with_sheet([]))
    assert empty.derived == ()


def test_unknown_codes_and_other_problems_are_refused_with_their_line():
    a, b = _count_codes()[:2]
    text = next(i.code for i in example_form().items if not i.kind.is_numeric)
    with pytest.raises(DefinitionFileError) as raised:
        read_definition(_with_sheet([
            ["fine", "Хорошо", "", f"{a}, {b}", b, "percent"],
            ["bad", "Плохо", "", "nobody", b, "percent"],
            ["words", "Текст", "", text, b, "ratio"],
            ["fine", "Ещё раз", "", a, b, "percent"],
            ["unit", "Единица", "", a, b, "times"],
            [a, "Код показателя", "", a, b, "percent"]]))
    problems = [(p.sheet, p.row) for p in raised.value.problems]
    assert problems == [(SHEET, 3), (SHEET, 4), (SHEET, 5), (SHEET, 6), (SHEET, 7)]
    assert "nobody" in str(raised.value.problems[0])


def test_an_import_stores_the_sheet_all_or_nothing(app, factory):
    region = factory.region()
    a, b = _count_codes()[:2]
    version = operations.import_definition(region, read_definition(_with_sheet(
        [["share_a", "Доля А", "Share A", a, f"{a},{b}", "percent"]])))
    assert _codes(version) == ["share_a"]
    assert operations.definition_of(version).derived[0].denominator == (a,)
    broken = dataclasses.replace(example_form(), derived=(
        DerivedDefinition("x", "Икс", "X", ("nobody",), (a,), row=2),))
    with pytest.raises(operations.CatalogueError, match=r"\b2\b.*nobody"):
        operations.import_definition(region, broken)


def test_a_definition_without_a_list_keeps_the_standard_ones_its_items_allow(app, factory):
    source = operations.definition_of(operations.latest_version(operations.template()))
    assert [d.code for d in source.derived] == STANDARD
    plain = dataclasses.replace(source, code="plain", derived=None)
    version = operations.import_definition(factory.region(), plain)
    assert _codes(version) == STANDARD
    rows = queries.derived_rows(version)
    assert rows[0].label_ru == "Охват наставляемых" and rows[0].label_en == "Mentee coverage"


def _form_with_counts(region):
    form = operations.create_form(region, code="staffing", name_ru="Кадры", name_en="Staff",
                                  periodicity=Periodicity.ONE_OFF, applies_to=["school"])
    for code in ("teachers", "young"):
        editor.add_item(form, code, {"section": "Кадры", "label_ru": code, "label_en": code,
                                     "kind": ItemKind.COUNT, "applies_to": ["school"]})
    return form


def test_the_coordinator_adds_and_deletes_a_derived_indicator(client, factory):
    region = factory.region()
    form = _form_with_counts(region)
    db.session.commit()
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/forms/{form.id}/derived"
    sent = {"code": "young_share", "label_ru": "Доля молодых", "label_en": "",
            "numerator": "young", "denominator": "teachers", "unit": "percent"}
    response = client.post_form(page, {**sent, "numerator": "young, ghost"}, token_from=page)
    assert response.status_code == 422 and "ghost" in response.get_data(as_text=True)
    assert _codes(operations.latest_version(form)) == []
    response = client.post_form(page, sent, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = queries.derived_rows(operations.latest_version(form))[0]
    assert (row.numerator, row.denominator, row.scale, row.label_en) == (
        ["young"], ["teachers"], 100, "Доля молодых")
    listing = client.get(page).get_data(as_text=True)
    assert 'data-testid="derived-young_share"' in listing
    response = client.post_form(f"/forms/derived/{row.id}/delete", {}, token_from=page)
    assert response.status_code == 302
    assert _codes(operations.latest_version(form)) == []


def test_another_regions_coordinator_and_a_curator_cannot_change_them(client, factory):
    region = factory.region()
    form = _form_with_counts(region)
    derived_operations.add_derived(form, code="young_share", label_ru="Доля", label_en="",
                                   numerator=("young",), denominator=("teachers",), scale=100)
    row = queries.derived_rows(operations.latest_version(form))[0]
    db.session.commit()
    client.login(factory.user(Role.REGIONAL, factory.region()))
    assert client.get(f"/forms/{form.id}/derived").status_code == 404
    assert client.post(f"/forms/derived/{row.id}/delete").status_code in (400, 404)
    assert _codes(operations.latest_version(form)) == ["young_share"]


def test_a_frozen_versions_derived_indicators_are_read_once_per_process(
        app, factory, count_queries):
    """The deadline's hot path: the items do not bring their version's derived indicators
    joined to every row, and a frozen version's are not read again by the next request."""
    _region, _m, school, _c, period = setup_region(factory)
    version = period.form_version
    assert version.frozen_at is not None
    with app.test_request_context("/"):
        first = derived_rows(version.id, version.frozen_at)
    with app.test_request_context("/"), count_queries() as statements:
        again = derived_rows(version.id, version.frozen_at)
        items = queries.indicators_for(period, school.type)
        from_items = [d.code for d in rules.derived_for(items)]
    assert again == first and [d.code for d in first] == STANDARD == from_items
    assert [s for s in statements if "derived_indicators" in s] == []  # nor joined to items


def test_a_version_id_frozen_anew_is_read_anew(app, factory):
    """A version id a rolled-back transaction handed out may come again: the moment of
    freezing tells the two apart, so the later one never shows the earlier one's rows."""
    _region, _m, _school, _c, period = setup_region(factory)
    version = period.form_version
    with app.test_request_context("/"):
        assert len(derived_rows(version.id, version.frozen_at)) == len(STANDARD)
    db.session.execute(sa.delete(DerivedIndicator).where(
        DerivedIndicator.form_version_id == version.id, DerivedIndicator.code != "mentor_load"))
    db.session.commit()
    with app.test_request_context("/"):
        later = version.frozen_at + timedelta(seconds=1)
        assert [d.code for d in derived_rows(version.id, later)] == ["mentor_load"]


def test_the_editable_versions_derived_indicators_follow_the_editor(app, factory):
    """The editable version's rows are not kept past their transaction: one just added is
    listed by the next read (the editor's page after its save)."""
    _region, _m, _school, _c, period = setup_region(factory)
    version = operations.editable_version(period.form)
    before = [d.code for d in derived_rows(version.id, version.frozen_at)]
    derived_operations.add_derived(
        period.form, code="young_share", label_ru="Доля молодых", label_en="Young share",
        numerator=("young_specialists",), denominator=("staff_total",), scale=100)
    after = [d.code for d in derived_rows(version.id, version.frozen_at)]
    assert version.frozen_at is None and after == [*before, "young_share"]


def test_deleting_a_derived_indicator_the_editable_version_no_longer_has_is_refused(factory):
    """A frozen version's row names the change; its copy in the editable version is what
    goes, and once gone a second delete (a stale page) is refused with its reason."""
    _region, _m, _school, _c, period = setup_region(factory)
    frozen = db.session.scalars(sa.select(DerivedIndicator).filter_by(
        form_version_id=period.form_version_id, code="mentor_share")).one()
    derived_operations.delete_derived(frozen)
    editable = operations.editable_version(period.form)
    assert editable.id != frozen.form_version_id
    left = db.session.scalars(sa.select(DerivedIndicator.code).filter_by(
        form_version_id=editable.id)).all()
    assert "mentor_share" not in left and len(left) == len(STANDARD) - 1
    with pytest.raises(operations.CatalogueError, match="mentor_share"):
        derived_operations.delete_derived(frozen)
    assert db.session.get(DerivedIndicator, frozen.id) is frozen  # the frozen one stays
