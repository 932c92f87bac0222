"""Values are parsed the Russian way; rules as data give errors and warnings (pure checks)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.catalogue import queries as catalogue_queries
from portal.reports.validation import check
from portal.reports.values import parse_value
from tenants.models import OrganizationType
from tests.report_helpers import GOOD_VALUES


@pytest.fixture
def catalogue(database):
    return {i.code: i for i in catalogue_queries.indicators_for(catalogue_queries.template_version_id(), OrganizationType.SCHOOL)}


@pytest.mark.parametrize("raw,expected", [
    ("12", Decimal(12)), ("12,5", Decimal("12.5")), ("12.5", Decimal("12.5")),
    ("1 200", Decimal(1200)), ("1\u00a0200", Decimal(1200)), (" 7 ", Decimal(7)), (12.0, Decimal(12)),
])
def test_numbers_written_the_russian_way_are_understood(catalogue, raw, expected):
    assert parse_value(catalogue["students_passed_pct" if "," in str(raw) or "." in str(raw)
                                 else "staff_total"], raw).value == expected


@pytest.mark.parametrize("code,raw,message", [
    ("staff_total", "много", "«много» не является числом"),
    ("staff_total", "-3", "количество не может быть отрицательным"),
    ("staff_total", "2,5", "количество должно быть целым числом"),
    ("students_passed_pct", "120", "процент должен быть от 0 до 100"),
    ("satisfaction_mentors", "0", "балл должен быть от 1 до 10"),
    ("staff_total", "12 000 5", "«12 000 5» не является числом"),
])
def test_bad_values_get_a_reason_in_russian(catalogue, code, raw, message):
    parsed = parse_value(catalogue[code], raw)
    assert parsed.error == message and parsed.raw == raw.strip()


def _check(catalogue, overrides=None, previous=None, **kwargs):
    values = {**GOOD_VALUES, **(overrides or {})}
    parsed = {code: parse_value(catalogue[code], raw) for code, raw in values.items()}
    return check(list(catalogue.values()), parsed, catalogue_queries.active_rules(catalogue_queries.template_version_id()), previous, **kwargs)


def test_consistent_values_pass_every_rule(catalogue):
    outcome = _check(catalogue, for_submission=True)
    assert outcome.problems == []


@pytest.mark.parametrize("overrides,rule,severity", [
    ({"mentees_young": "9", "mentees": "12"}, "young_mentees_within_young", "error"),
    ({"mentors": "61"}, "mentors_within_staff", "error"),
    ({"pairs_groups": "10", "pairs_by_form.teacher_teacher": "8", "pairs_by_type.traditional": "7"},
     "pairs_within_mentees", "error"),
    ({"pairs_by_form.teacher_teacher": "5"}, "pairs_by_form_sum", "error"),
    ({"pairs_by_type.group": "1"}, "pairs_by_type_sum", "error"),
    ({"mentees": "70", "mentors": "15"}, "mentees_within_staff", "warning"),
    ({"mentors": "1", "mentors_trained": "1", "mentors_paid": "1"}, "mentor_load", "warning"),
])
def test_each_rule_fires(catalogue, overrides, rule, severity):
    found = [(p.key, p.severity.value) for p in _check(catalogue, overrides).problems]
    assert (rule, severity) in found


def test_mentees_require_mentors_and_pairs(catalogue):
    outcome = _check(catalogue, {"mentors": "0", "pairs_groups": "0",
                                 **{c: "0" for c in GOOD_VALUES if c.startswith("pairs_by_")}})
    keys = {p.key for p in outcome.errors}
    assert {"mentees_need_mentors", "mentees_need_pairs"} <= keys


def test_a_jump_from_the_previous_quarter_is_a_warning(catalogue):
    outcome = _check(catalogue, previous={"meetings_held": Decimal(10), "staff_total": Decimal(59)})
    assert [p.key for p in outcome.warnings] == ["jump_from_previous:meetings_held"]


def test_submission_requires_values_and_explained_warnings(catalogue):
    outcome = _check(catalogue, {"staff_total": "", "mentors": "1"}, for_submission=True)
    messages = [p.message for p in outcome.errors]
    assert "заполните это значение" in messages
    assert any(m.startswith("поясните предупреждение перед отправкой") for m in messages)
    one_mentor = {"mentors": "1", "mentors_trained": "1", "mentors_paid": "1",
                  "mentors_awarded": "1"}
    explained = _check(catalogue, one_mentor, for_submission=True,
                       explanations={"mentor_load": "Временно: наставник в декрете."})
    assert explained.errors == [] and len(explained.warnings) == 1


def test_blank_breakdown_counts_as_zero_against_pairs(catalogue):
    blank = {c: "" for c in GOOD_VALUES if c.startswith("pairs_by_form.")}
    assert "pairs_by_form_sum" in {p.key for p in _check(catalogue, blank).errors}


def test_kindergartens_do_not_report_contest_participants(database):
    codes = {i.code for i in catalogue_queries.indicators_for(catalogue_queries.template_version_id(), OrganizationType.KINDERGARTEN)}
    assert "students_contest_participants" not in codes and "staff_total" in codes
    passed = next(i for i in catalogue_queries.indicators_for(catalogue_queries.template_version_id(), OrganizationType.KINDERGARTEN)
                  if i.code == "students_passed_pct")
    assert "освоивших образовательную программу" in passed.label(OrganizationType.KINDERGARTEN)
