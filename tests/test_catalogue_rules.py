"""The rule editor: administrators add, edit, deactivate rules; an expression is checked on
save and refused with the parser's message; every other role gets 403 and nothing changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import RuleKind, ValidationRule
from portal.extensions import db
from portal.reports.validation import check
from portal.reports.values import parse_value
from tenants.models import OrganizationType
from tests.report_helpers import GOOD_VALUES
from tests.test_security_catalogue import NOT_ADMIN, _user

NEW_RULE = {"code": "meetings_per_pair", "severity": "warning",
            "expression": "meetings_held >= pairs_groups", "message_ru": "Мало встреч",
            "message_en": "Few meetings"}


def _rule(code: str) -> ValidationRule | None:
    return db.session.scalars(sa.select(ValidationRule).filter_by(
        code=code, form_version_id=catalogue_queries.template_version_id())).first()


def _problems(overrides: dict) -> set[str]:
    indicators = catalogue_queries.indicators_for(catalogue_queries.template_version_id(), OrganizationType.SCHOOL)
    by_code = {i.code: i for i in indicators}
    values = {code: parse_value(by_code[code], raw)
              for code, raw in {**GOOD_VALUES, **overrides}.items()}
    return {p.key for p in check(indicators, values, catalogue_queries.active_rules(catalogue_queries.template_version_id())).problems}


def test_the_administrator_adds_a_rule_that_the_engine_then_runs(client, factory):
    client.login(_user(factory, "admin"))
    page = client.get("/catalogue/rules").get_data(as_text=True)
    assert 'name="expression"' in page and "sum(pairs_by_form.*) = pairs_groups" in page
    assert ("количество изменилось по сравнению с прошлым кварталом больше чем на 50 % и не "
            "меньше чем на 5") in page
    response = client.post_form("/catalogue/rules", NEW_RULE, token_from="/catalogue/rules")
    assert response.status_code == 302
    added = _rule("meetings_per_pair")
    assert (added.kind, added.expression, added.active) == (
        RuleKind.EXPRESSION, "meetings_held >= pairs_groups", True)
    assert "meetings_per_pair" in _problems({"meetings_held": "3"})
    assert "meetings_per_pair" not in _problems({})


@pytest.mark.parametrize("expression,message", [
    ("meetings_held >= pairs", "Неизвестный код показателя «pairs» в позиции 18."),
    ("(meetings_held >= 1", "Скобки не сбалансированы: «(» в позиции 1 не закрыта."),
    ("meetings_held + 1", "Правило должно быть условием: не хватает сравнения (например, «<=» "
                          "или «=»)."),
    ("", "Выражение пустое."),
])
def test_an_expression_that_does_not_parse_is_refused_with_its_message(client, factory,
                                                                      expression, message):
    client.login(_user(factory, "admin"))
    response = client.post_form("/catalogue/rules", {**NEW_RULE, "expression": expression},
                                token_from="/catalogue/rules")
    assert response.status_code == 422  # refused: nothing is committed
    assert str(escape(message)) in response.get_data(as_text=True)
    assert _rule("meetings_per_pair") is None


def test_the_administrator_edits_a_rule_and_a_bad_edit_keeps_it(client, factory):
    client.login(_user(factory, "admin"))
    rule = _rule("mentor_load")
    path = f"/catalogue/rules/{rule.id}"
    form = {"severity": "error", "expression": "mentees <= 4 * mentors",
            "message_ru": "Не больше 4", "message_en": "At most 4"}
    assert client.post_form(path, form, token_from=path).status_code == 302
    rule = db.session.get(ValidationRule, rule.id)
    assert (rule.expression, rule.severity.value, rule.message_ru) == (
        "mentees <= 4 * mentors", "error", "Не больше 4")
    response = client.post_form(path, {**form, "expression": "mentees <= 4 * "},
                                token_from=path)
    assert response.status_code == 200 and "Выражение обрывается" in response.get_data(
        as_text=True)
    assert db.session.get(ValidationRule, rule.id).expression == "mentees <= 4 * mentors"


def test_the_jump_rule_is_edited_by_its_thresholds(client, factory):
    client.login(_user(factory, "admin"))
    rule = _rule("jump_from_previous")
    path = f"/catalogue/rules/{rule.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="threshold_absolute"' in page and 'name="expression"' not in page
    form = {"severity": "warning", "threshold": "0,3", "threshold_absolute": "10",
            "message_ru": rule.message_ru, "message_en": rule.message_en}
    assert client.post_form(path, form, token_from=path).status_code == 302
    rule = db.session.get(ValidationRule, rule.id)
    assert (rule.threshold, rule.threshold_absolute, rule.expression) == (
        Decimal("0.3"), Decimal(10), None)
    response = client.post_form(path, {**form, "threshold": ""}, token_from=path)
    assert response.status_code == 200
    assert db.session.get(ValidationRule, rule.id).threshold == Decimal("0.3")


def test_a_deactivated_rule_is_kept_and_no_longer_runs(client, factory):
    client.login(_user(factory, "admin"))
    rule = _rule("mentors_within_staff")
    assert "mentors_within_staff" in _problems({"mentors": "61"})
    path = f"/catalogue/rules/{rule.id}/active"
    assert client.post_form(path, {"active": "0"}, token_from="/catalogue/rules")\
        .status_code == 302
    assert db.session.get(ValidationRule, rule.id).active is False
    assert "mentors_within_staff" not in _problems({"mentors": "61"})
    assert 'data-testid="activate-mentors_within_staff"' in client.get(
        "/catalogue/rules").get_data(as_text=True)
    client.post_form(path, {"active": "1"}, token_from="/catalogue/rules")
    assert db.session.get(ValidationRule, rule.id).active is True


@pytest.mark.parametrize("who", NOT_ADMIN)
def test_only_the_administrator_changes_rules(client, factory, who):
    client.login(_user(factory, who))
    rule = _rule("mentor_load")
    page = client.get("/catalogue/rules")
    assert page.status_code == 200 and "mentees &lt;= 5 * mentors" in page.get_data(
        as_text=True)  # everyone may read the rules
    assert 'name="expression"' not in page.get_data(as_text=True)
    token = "/catalogue/rules"
    assert client.post_form("/catalogue/rules", NEW_RULE, token_from=token).status_code == 403
    assert client.post_form("/catalogue/rules", {}, token_from=token).status_code == 403
    assert client.get(f"/catalogue/rules/{rule.id}").status_code == 403
    edit = {"severity": "error", "expression": "mentees <= mentors", "message_ru": "x",
            "message_en": "x"}
    assert client.post_form(f"/catalogue/rules/{rule.id}", edit,
                            token_from=token).status_code == 403
    assert client.post_form(f"/catalogue/rules/{rule.id}/active", {"active": "0"},
                            token_from=token).status_code == 403
    stored = db.session.get(ValidationRule, rule.id)
    assert (stored.expression, stored.active) == ("mentees <= 5 * mentors", True)
    assert _rule("meetings_per_pair") is None
