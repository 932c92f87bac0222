"""The form editor (issue 11 §1, §3): a region's coordinator lists the region's forms,
creates one (a copy of the template, or empty), edits its items and rules, downloads and
uploads its definition; a frozen version never changes; another region's forms, items and
rules are out of reach."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from portal.catalogue import operations, queries, rule_operations
from portal.catalogue.definition import ItemKind, Periodicity, Severity
from portal.catalogue.models import Form, FormVersion, Indicator, ValidationRule
from portal.extensions import db
from portal.reports import period_operations
from tenants.models import Role
from tests.report_helpers import setup_region

ITEM = {"code": "site_section", "section": "Документы", "label_ru": "Раздел на сайте",
        "label_en": "Website section", "kind": "yes_no", "unit_ru": "", "unit_en": "",
        "applies_to": ["kindergarten", "school"], "required": "y", "presence": "y",
        "help_ru": "Ссылка на раздел", "help_en": ""}


def _empty_form(region, code="docs") -> Form:
    return operations.create_form(region, code=code, name_ru="Документы ОО",
                                  name_en="Documents", periodicity=Periodicity.ONE_OFF,
                                  applies_to=["school", "kindergarten"])


def _item(form: Form, code: str) -> Indicator:
    version = operations.latest_version(form)
    return db.session.scalars(sa.select(Indicator).filter_by(
        form_version_id=version.id, code=code)).one()


def _coordinator(client, factory, region):
    client.login(factory.user(Role.REGIONAL, region))


def test_the_coordinator_creates_a_form_as_a_copy_of_the_template_or_empty(client, factory):
    region = factory.region()
    _coordinator(client, factory, region)
    page = f"/regions/{region.id}/forms"
    template = operations.template()
    response = client.post_form(page, {"source": str(template.id), "code": "quarterly_2027",
                                       "name_ru": "Квартальная форма 2027", "name_en": "",
                                       "periodicity": "quarter", "applies_to": ["school"]},
                                token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    copy = operations.find_form(region, "quarterly_2027")
    assert copy.name_ru == "Квартальная форма 2027" and copy.periodicity is Periodicity.QUARTER
    copied = {i.code for i in queries.all_indicators(operations.latest_version(copy))}
    assert copied == {i.code for i in queries.all_indicators(queries.template_version_id())}
    response = client.post_form(page, {"source": "", "code": "docs", "name_ru": "Документы",
                                       "periodicity": "one_off",
                                       "applies_to": ["kindergarten"]}, token_from=page)
    assert response.status_code == 302
    empty = operations.find_form(region, "docs")
    assert empty.applies_to == ["kindergarten"]
    assert queries.all_indicators(operations.latest_version(empty)) == []
    listing = client.get(page).get_data(as_text=True)
    assert 'data-testid="form-docs"' in listing and 'data-testid="form-quarterly_2027"' in listing


def test_the_coordinator_adds_an_item_with_every_field_and_edits_it(client, factory):
    region = factory.region()
    form = _empty_form(region)
    _coordinator(client, factory, region)
    page = f"/forms/{form.id}"
    response = client.post_form(page, ITEM, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    item = _item(form, "site_section")
    assert (item.kind, item.section, item.label_ru, item.required, item.presence,
            item.help_ru, sorted(item.applies_to)) == (
        ItemKind.YES_NO, "Документы", "Раздел на сайте", True, True, "Ссылка на раздел",
        ["kindergarten", "school"])
    response = client.post_form(f"/forms/items/{item.id}", {
        **ITEM, "kind": "score", "scale": "5", "presence": "", "required": "",
        "label_ru": "Оценка раздела", "unit_ru": "баллов", "code": "renamed"},
        token_from=f"/forms/items/{item.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert (item.code, item.kind, item.scale, item.max_value, item.required, item.unit_ru) == (
        "site_section", ItemKind.SCORE, 5, 5, False, "баллов")


def test_an_item_that_does_not_fit_is_refused_with_its_reason(client, factory):
    region = factory.region()
    form = _empty_form(region)
    _coordinator(client, factory, region)
    page = f"/forms/{form.id}"
    response = client.post_form(page, {**ITEM, "kind": "count", "presence": "y"},
                                token_from=page)
    assert response.status_code == 422
    assert "чек-лист" in response.get_data(as_text=True) or "presence" in response.get_data(
        as_text=True)
    response = client.post_form(page, {**ITEM, "kind": "count", "presence": "",
                                       "min_value": "10", "max_value": "2"}, token_from=page)
    assert response.status_code == 422
    assert queries.all_indicators(operations.latest_version(form)) == []


def test_items_move_and_retire_and_come_back(client, factory):
    region = factory.region()
    form = _empty_form(region)
    for code in ("a_one", "b_two", "c_three"):
        operations.add_indicator(form, code=code, label_ru=code, label_en=code,
                                 kind=ItemKind.COUNT, section="S", applies_to=["school"])
    _coordinator(client, factory, region)
    page = f"/forms/{form.id}"
    moved = _item(form, "c_three")
    assert client.post_form(f"/forms/items/{moved.id}/move", {"direction": "up"},
                            token_from=page).status_code == 302
    order = [i.code for i in queries.all_indicators(operations.latest_version(form).id)]
    assert order == ["a_one", "c_three", "b_two"]
    client.post_form(f"/catalogue/{moved.id}/retire", {}, token_from=page)
    db.session.expire_all()
    assert moved.retired_at is not None
    client.post_form(f"/forms/items/{moved.id}/restore", {}, token_from=page)
    db.session.expire_all()
    assert moved.retired_at is None


def test_editing_a_frozen_version_makes_the_next_one_and_keeps_the_period(client, factory):
    region, _m, _school, _college, period = setup_region(factory)
    form = period.form
    frozen = period.form_version
    item = _item(form, "joint_projects")
    _coordinator(client, factory, region)
    page = f"/forms/{form.id}"
    assert 'data-testid="frozen-note"' in client.get(page).get_data(as_text=True)
    edit = f"/forms/items/{item.id}"
    client.get(edit)
    assert operations.latest_version(form).id == frozen.id  # a GET makes no version
    fields = {**ITEM, "code": item.code, "section": item.section, "kind": "count",
              "label_ru": "Совместные проекты (новое)", "presence": "",
              "applies_to": list(item.applies_to)}
    assert client.post_form(edit, fields, token_from=edit).status_code == 302
    db.session.expire_all()
    assert item.label_ru != "Совместные проекты (новое)"  # the frozen row stays
    latest = operations.latest_version(form)
    assert latest.number == frozen.number + 1 and not latest.frozen
    assert _item(form, "joint_projects").label_ru == "Совместные проекты (новое)"
    rule = queries.all_rules(frozen)[0]
    rules_page = f"/forms/{form.id}/rules"
    response = client.post_form(f"/catalogue/rules/{rule.id}/active", {"active": "0"},
                                token_from=rules_page)
    assert response.status_code == 302
    db.session.expire_all()
    assert rule.active  # in the frozen version
    copy = db.session.scalars(sa.select(ValidationRule).filter_by(
        form_version_id=latest.id, code=rule.code)).one()
    assert not copy.active
    # The period keeps its version; the next one opens with the new one.
    assert period.form_version_id == frozen.id
    assert period_operations.open_period(region, 2026, 4).form_version_id == latest.id


def test_the_coordinator_adds_a_rule_checked_by_the_parser(client, factory):
    region = factory.region()
    form = _empty_form(region)
    operations.add_indicator(form, code="pairs", label_ru="Пары", label_en="Pairs",
                             kind=ItemKind.COUNT, section="S", applies_to=["school"])
    operations.add_indicator(form, code="pairs_order", label_ru="Приказ", label_en="Order",
                             kind=ItemKind.YES_NO, section="S", applies_to=["school"])
    _coordinator(client, factory, region)
    page = f"/forms/{form.id}/rules"
    bad = {"code": "order_needed", "severity": "error", "expression": "if pairs > 0 then",
           "message_ru": "Нужен приказ", "message_en": "An order is needed"}
    response = client.post_form(page, bad, token_from=page)
    assert response.status_code == 422
    assert 'id="expression"' in response.get_data(as_text=True)
    assert "is-invalid" in response.get_data(as_text=True)  # the error beside the field
    good = {**bad, "expression": "if pairs > 0 then present(pairs_order)"}
    assert client.post_form(page, good, token_from=page).status_code == 302
    rule = queries.all_rules(operations.latest_version(form))[0]
    assert (rule.code, rule.severity, rule.expression) == (
        "order_needed", Severity.ERROR, "if pairs > 0 then present(pairs_order)")
    assert "order_needed" in client.get(page).get_data(as_text=True)


def test_the_definition_downloads_and_uploads_again(client, factory):
    region = factory.region()
    form = _empty_form(region)
    operations.add_indicator(form, code="pairs", label_ru="Пары", label_en="Pairs",
                             kind=ItemKind.COUNT, section="S", applies_to=["school"])
    rule_operations.add_rule(operations.latest_version(form), code="some_pairs",
                             severity=Severity.WARNING, expression="pairs >= 0",
                             message_ru="Пары", message_en="Pairs")
    _coordinator(client, factory, region)
    response = client.get(f"/forms/{form.id}/definition.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    items = book["Показатели"]
    header = [c.value for c in items[1]]
    items.append({**dict.fromkeys(range(1, len(header) + 1)), **{
        header.index(k) + 1: v for k, v in {
            "code": "mentors", "section": "S", "label_ru": "Наставники", "kind": "count",
            "applies_to": "school"}.items()}})
    changed = io.BytesIO()
    book.save(changed)
    page = f"/forms/{form.id}"
    response = client.post_form(f"/forms/{form.id}/definition",
                                {"file": (io.BytesIO(changed.getvalue()), "docs.xlsx")},
                                token_from=page, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    codes = [i.code for i in queries.all_indicators(operations.latest_version(form))]
    assert codes == ["pairs", "mentors"]
    assert [r.code for r in queries.all_rules(operations.latest_version(form))] == ["some_pairs"]
    broken = io.BytesIO()
    rules = book["Правила"]
    rules.append(["broken", "error", "pairs >", "Сломано"])
    book.save(broken)
    response = client.post_form(f"/forms/{form.id}/definition",
                                {"file": (io.BytesIO(broken.getvalue()), "docs.xlsx")},
                                token_from=page, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "broken" not in [r.code for r in queries.all_rules(
        operations.latest_version(form))]


def test_another_regions_forms_items_and_rules_are_out_of_reach(client, factory):
    """Isolation: a coordinator of region A neither reads nor changes region B's forms."""
    region_a, region_b = factory.region(), factory.region()
    form_b = _empty_form(region_b, code="form_b")
    item_b = operations.add_indicator(form_b, code="pairs", label_ru="ПАРЫ-Б",
                                      label_en="Pairs", kind=ItemKind.COUNT, section="S",
                                      applies_to=["school"])
    rule_b = rule_operations.add_rule(operations.latest_version(form_b), code="rule_b",
                                      severity=Severity.ERROR, expression="pairs >= 0",
                                      message_ru="ПРАВИЛО-Б", message_en="Rule B")
    _coordinator(client, factory, region_a)
    own = f"/regions/{region_a.id}/forms"
    assert "form_b" not in client.get(own).get_data(as_text=True)
    assert client.get(f"/regions/{region_b.id}/forms").status_code == 404
    for url in (f"/forms/{form_b.id}", f"/forms/{form_b.id}/rules",
                f"/forms/{form_b.id}/definition.xlsx"):
        assert client.get(url).status_code == 404, url
    for url in (f"/forms/items/{item_b.id}", f"/catalogue/rules/{rule_b.id}"):
        assert client.get(url).status_code in (403, 404), url
    posts = {f"/forms/{form_b.id}": ITEM, f"/forms/{form_b.id}/rules": {
        "code": "x", "severity": "error", "expression": "pairs >= 1", "message_ru": "x",
        "message_en": "x"}, f"/forms/items/{item_b.id}": {**ITEM, "code": "pairs"},
        f"/forms/items/{item_b.id}/move": {"direction": "up"},
        f"/catalogue/rules/{rule_b.id}": {"severity": "warning", "expression": "pairs >= 9",
                                          "message_ru": "x", "message_en": "x"},
        f"/catalogue/rules/{rule_b.id}/active": {"active": "0"},
        f"/regions/{region_b.id}/forms": {"code": "intruder", "name_ru": "x",
                                          "periodicity": "one_off",
                                          "applies_to": ["school"]}}
    for url, data in posts.items():
        assert client.post_form(url, data, token_from=own).status_code in (403, 404), url
    db.session.expire_all()
    assert (item_b.label_ru, rule_b.expression, rule_b.active) == ("ПАРЫ-Б", "pairs >= 0", True)
    assert db.session.scalar(sa.select(sa.func.count(FormVersion.id))
                             .filter_by(form_id=form_b.id)) == 1
    assert operations.find_form(region_b, "intruder") is None
    assert len(queries.all_indicators(operations.latest_version(form_b))) == 1


def test_curators_and_municipal_coordinators_do_not_edit_forms(client, factory):
    region, municipality, school, _college, _period = setup_region(factory)
    form = _empty_form(region)
    for user in (factory.user(Role.CURATOR, school), factory.user(Role.MUNICIPAL, municipality)):
        client.login(user)
        assert client.get(f"/regions/{region.id}/forms").status_code in (403, 404)
        assert client.get(f"/forms/{form.id}").status_code in (403, 404)
        assert client.post_form(f"/forms/{form.id}", ITEM).status_code in (403, 404)
        client.post_form("/logout")
    assert queries.all_indicators(operations.latest_version(form)) == []


def test_the_periods_page_opens_a_one_off_collection_of_a_form_made_in_the_editor(
        client, factory):
    region = factory.region()
    form = _empty_form(region)
    operations.add_indicator(form, code="pairs", label_ru="Пары", label_en="Pairs",
                             kind=ItemKind.COUNT, section="S", applies_to=["school"])
    _coordinator(client, factory, region)
    page = f"/regions/{region.id}/periods"
    assert f'value="{form.id}"' in client.get(page).get_data(as_text=True)
    response = client.post_form(page, {"form_id": form.id, "title": "на 13.12.2024",
                                       "year": "2024", "quarter": "4",
                                       "opens_on": "2024-12-13", "deadline": "2024-12-20"},
                                token_from=page)
    assert response.status_code == 302
    version = operations.latest_version(form)
    assert version.frozen
    html = client.get(page).get_data(as_text=True)
    assert 'data-testid="periods-form-docs"' in html and "на 13.12.2024" in html
