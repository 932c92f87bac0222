"""Rules as expressions: the migration's conversion, and the engine raising exactly what the
engine of compare/requires rules raised (copied below as the reference) for random values."""

from __future__ import annotations

import importlib.util
import random
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import RuleKind, ValidationRule
from portal.catalogue.standard import rule_rows
from portal.extensions import db
from portal.reports.validation import Problem, check
from portal.reports.values import parse_value
from tenants.models import OrganizationType

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def _migration(name: str):
    path = next(VERSIONS.glob(f"*_{name}.py"))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONVERSION = _migration("rules_as_expressions")
OLD_RULES = _migration("quarterly_reports").RULES  # the rows as the first migration stored them


# -- the reference: the engine of compare / requires rules as it was ---------------------------

def _expand(codes, indicators):
    expanded, has_breakdown = [], False
    for code in codes:
        if code.endswith(".*"):
            expanded += [c for c in indicators if c.startswith(code[:-1])]
            has_breakdown = True
        else:
            expanded.append(code)
    return expanded, has_breakdown


def _sum(codes, values, blanks_as_zero):
    total = Decimal(0)
    for code in codes:
        parsed = values.get(code)
        if parsed is None or parsed.value is None:
            if not blanks_as_zero:
                return None
            continue
        total += parsed.value
    return total


def _old_rule(rule, indicators, values):
    left, left_breakdown = _expand(rule["left"], indicators)
    right, right_breakdown = _expand(rule["right"] or [], indicators)
    if any(code not in indicators for code in left + right) or not left:
        return None
    lhs, rhs = _sum(left, values, left_breakdown), _sum(right, values, right_breakdown)
    if rule["kind"] == "requires":
        if lhs is not None and lhs > 0 and not rhs:
            return Problem(rule["severity"], rule["message_ru"], tuple(right), rule["code"])
        return None
    if lhs is None or rhs is None:
        return None
    limit = rhs * Decimal(rule["factor"])
    if {"<=": lhs <= limit, ">=": lhs >= limit, "==": lhs == limit}[rule["operator"]]:
        return None
    return Problem(rule["severity"], rule["message_ru"], tuple(left + right), rule["code"])


def _old_check(indicators, values, previous):
    problems = [Problem("error", parsed.error, (code,)) for code, parsed in values.items()
                if parsed.error and code in indicators]
    for rule in OLD_RULES:
        if rule["kind"] == "jump":
            for code, indicator in indicators.items():
                parsed, before = values.get(code), previous.get(code)
                if indicator.unit.value != "count" or parsed is None or parsed.value is None \
                        or not before:
                    continue
                change = abs(parsed.value - before)
                if change >= 5 and change / before > Decimal(rule["threshold"]):
                    problems.append(Problem(rule["severity"], rule["message_ru"], (code,),
                                            f"{rule['code']}:{code}"))
        else:
            problems.append(_old_rule(rule, indicators, values))
    return [p for p in problems if p is not None]


# -- random value sets ----------------------------------------------------------------------------

COUNTS = ["", "", "0", "0", "1", "2", "3", "4", "5", "6", "8", "10", "12", "20", "60", "много"]


def _raw(indicator, rng: random.Random) -> str:
    if indicator.unit.value == "percent":
        return rng.choice(["", "0", "50", "91,5", "100", "120"])
    if indicator.unit.value == "score":
        return rng.choice(["", "1", "8,6", "10", "0"])
    return rng.choice(COUNTS)


def _previous(indicators, rng: random.Random) -> dict:
    return {code: Decimal(rng.choice([0, 1, 3, 6, 10, 40])) for code in indicators
            if rng.random() < 0.3}


def _plain(problems):
    return [(p.severity.value if hasattr(p.severity, "value") else p.severity, p.message,
             p.codes, p.key) for p in problems]


@pytest.mark.parametrize("org_type", list(OrganizationType))
def test_the_expressions_raise_exactly_what_the_old_rules_raised(database, org_type):
    indicators = {i.code: i for i in catalogue_queries.indicators_for(catalogue_queries.template_version_id(), org_type)}
    rules = catalogue_queries.active_rules(catalogue_queries.template_version_id())
    rng = random.Random(f"rules-{org_type.value}")
    fired = set()
    for _attempt in range(400):
        values = {code: parse_value(indicator, _raw(indicator, rng))
                  for code, indicator in indicators.items() if rng.random() < 0.95}
        previous = _previous(indicators, rng)
        new = _plain(check(list(indicators.values()), values, rules, previous).problems)
        assert new == _plain(_old_check(indicators, values, previous)), values
        fired |= {key for *_rest, key in new}
    # The random values reach every rule, so the comparison covers each of them.
    assert {rule.code for rule in rules if rule.kind is RuleKind.EXPRESSION} <= fired


def test_the_migration_wrote_the_standard_rules(database):
    stored = db.session.scalars(sa.select(ValidationRule).order_by(ValidationRule.id)).all()
    columns = ("code", "kind", "severity", "expression", "threshold", "threshold_absolute",
               "message_ru", "message_en")
    as_stored = [{c: getattr(rule, c) for c in columns} for rule in stored]
    expected = [{c: row[c] for c in columns} for row in rule_rows()]
    for row in expected:
        for number in ("threshold", "threshold_absolute"):
            row[number] = None if row[number] is None else Decimal(str(row[number]))
    assert as_stored == expected


@pytest.mark.parametrize("old,expression", [
    (("compare", ["mentors"], "<=", ["staff_total"], 1), "mentors <= staff_total"),
    (("compare", ["mentees"], "<=", ["mentors"], Decimal("5.0000")), "mentees <= 5 * mentors"),
    (("compare", ["a"], ">=", ["b"], Decimal("0.25")), "a >= 0.25 * b"),
    (("compare", ["pairs_by_form.*"], "==", ["pairs_groups"], 1),
     "sum(pairs_by_form.*) = pairs_groups"),
    (("compare", ["a", "b"], "<=", ["c", "d.*"], 2), "sum(a, b) <= 2 * sum(c, d.*)"),
    (("compare", ["a"], "==", [], 1), "a = 0"),
    (("requires", ["mentees"], None, ["mentors"], 1), "if mentees > 0 then present(mentors)"),
    (("requires", ["a", "b"], None, ["c", "d"], 1), "if sum(a, b) > 0 then not sum(c, d) = 0"),
])
def test_each_old_rule_becomes_an_expression_and_back(old, expression):
    assert CONVERSION.expression_of(*old) == expression
    kind, left, operator, right, factor = old
    back = CONVERSION._old_columns(expression)
    assert back == {"kind": kind, "left": left, "operator": operator, "right": right,
                    "factor": Decimal(factor)}


def test_the_kind_column_takes_only_the_new_kinds(database):
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.text(
            "INSERT INTO validation_rules (code, kind, severity, message_ru, message_en, active)"
            " VALUES ('x', 'compare', 'error', 'x', 'x', true)"))


def test_downgrade_restores_the_old_rows_and_upgrade_converts_them_again(databases):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import migrated_app

    old_table = sa.table("validation_rules", *(sa.column(c, sa.JSON) for c in ("left", "right")),
                         *(sa.column(c, sa.String) for c in ("code", "kind", "operator")),
                         *(sa.column(c, sa.Numeric) for c in ("threshold", "factor")),
                         sa.column("id", sa.Integer))
    columns = ("code", "kind", "left", "operator", "right", "threshold", "factor")
    application = migrated_app(databases.new_database("rules_round_trip"))
    with application.app_context():
        downgrade(revision=CONVERSION.down_revision)
        old = db.session.execute(sa.select(*(old_table.c[c] for c in columns))
                                 .order_by(old_table.c.id)).mappings().all()
        assert [_numbers(row) for row in old] == [_numbers({c: rule[c] for c in columns})
                                                 for rule in OLD_RULES]
        db.session.remove()
        upgrade()
        stored = db.session.execute(sa.text("SELECT expression FROM validation_rules "
                                            "ORDER BY id")).scalars().all()
        assert stored == [row["expression"] for row in rule_rows()]
        db.session.remove()
        db.engine.dispose()


def _numbers(row) -> dict:
    return {key: Decimal(str(value)) if key in ("threshold", "factor") and value is not None
            else value for key, value in dict(row).items()}


def test_each_rule_is_parsed_once_per_process(app, database, monkeypatch):
    """A parsed rule is kept per process (keyed by its text and the item codes): a second
    request parses nothing, and other item codes are a new parse."""
    from portal.catalogue import expressions
    from portal.reports import validation

    calls = []
    real = expressions.parse
    monkeypatch.setattr(expressions, "parse", lambda text, codes: calls.append(text) or
                        real(text, codes))
    validation._compile.cache_clear()
    indicators = catalogue_queries.indicators_for(catalogue_queries.template_version_id(), OrganizationType.SCHOOL)
    for _request in range(2):
        with app.test_request_context("/"):
            rules = catalogue_queries.active_rules(catalogue_queries.template_version_id())
            for _time in range(3):
                check(indicators, {}, rules)
    assert sorted(calls) == sorted(r.expression for r in rules if r.expression)
    calls.clear()
    with app.test_request_context("/"):
        check(indicators[1:], {}, rules)
    assert sorted(calls) == sorted(r.expression for r in rules if r.expression)
