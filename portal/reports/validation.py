"""The validation engine: parsed values + rules as data → errors and warnings.

Pure functions over plain data (no queries), so the form, the upload, the municipal bulk
upload and the submission all run exactly the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from portal.catalogue.models import Indicator, RuleKind, Severity, Unit, ValidationRule
from portal.reports.values import Parsed

JUMP_MIN_ABSOLUTE = Decimal(5)  # small counts jump by nature: 1 → 3 is not suspicious


@dataclass(frozen=True)
class Problem:
    """One finding: shown next to ``codes``; a warning needs an explanation keyed ``key``."""

    severity: Severity
    message: str
    codes: tuple[str, ...]
    key: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def for_code(self, code: str) -> list[Problem]:
        return [p for p in self.problems if code in p.codes]


def _expand(codes: list[str], indicators: dict[str, Indicator]) -> tuple[list[str], bool]:
    """Rule operands → applicable indicator codes, and whether a breakdown is among them."""
    expanded, has_breakdown = [], False
    for code in codes:
        if code.endswith(".*"):
            prefix = code[:-1]
            expanded += [c for c in indicators if c.startswith(prefix)]
            has_breakdown = True
        else:
            expanded.append(code)
    return expanded, has_breakdown


def _sum(codes: list[str], values: dict[str, Parsed], blanks_as_zero: bool) -> Decimal | None:
    total = Decimal(0)
    for code in codes:
        parsed = values.get(code)
        if parsed is None or parsed.value is None:
            if not blanks_as_zero:
                return None
            continue
        total += parsed.value
    return total


def _operands(rule: ValidationRule, indicators, values):
    left, left_breakdown = _expand(rule.left, indicators)
    right, right_breakdown = _expand(rule.right or [], indicators)
    if any(code not in indicators for code in left + right) or not left:
        return None  # the rule mentions an indicator this organization does not report
    return (left, _sum(left, values, left_breakdown)), (right, _sum(right, values, right_breakdown))


def _check_compare(rule, indicators, values) -> Problem | None:
    operands = _operands(rule, indicators, values)
    if operands is None:
        return None
    (left, lhs), (right, rhs) = operands
    if lhs is None or rhs is None:
        return None  # an operand is still blank: nothing to compare yet
    limit = rhs * Decimal(rule.factor)
    ok = {"<=": lhs <= limit, ">=": lhs >= limit, "==": lhs == limit}[rule.operator]
    if ok:
        return None
    return Problem(rule.severity, rule.message(), tuple(left + right), rule.code)


def _check_requires(rule, indicators, values) -> Problem | None:
    operands = _operands(rule, indicators, values)
    if operands is None:
        return None
    (_left, lhs), (right, rhs) = operands
    if lhs is not None and lhs > 0 and not rhs:
        return Problem(rule.severity, rule.message(), tuple(right), rule.code)
    return None


def _check_jumps(rule, indicators, values, previous) -> list[Problem]:
    problems = []
    threshold = Decimal(rule.threshold or 0)
    for code, indicator in indicators.items():
        parsed, before = values.get(code), previous.get(code)
        if indicator.unit is not Unit.COUNT or parsed is None or parsed.value is None \
                or not before:
            continue
        change = abs(parsed.value - before)
        if change >= JUMP_MIN_ABSOLUTE and change / before > threshold:
            problems.append(Problem(rule.severity, rule.message(), (code,),
                                    f"{rule.code}:{code}"))
    return problems


def check(indicators: list[Indicator], values: dict[str, Parsed], rules: list[ValidationRule],
          previous: dict[str, Decimal] | None = None, *, for_submission: bool = False,
          explanations: dict[str, str] | None = None) -> Outcome:
    """Run every check over one organization's values (codes → parsed cells)."""
    by_code = {i.code: i for i in indicators}
    outcome = Outcome()
    for code, parsed in values.items():
        if parsed.error and code in by_code:
            outcome.problems.append(Problem(Severity.ERROR, parsed.error, (code,)))
    for rule in (r for r in rules if r.active):
        if rule.kind is RuleKind.COMPARE:
            found = [_check_compare(rule, by_code, values)]
        elif rule.kind is RuleKind.REQUIRES:
            found = [_check_requires(rule, by_code, values)]
        else:
            found = _check_jumps(rule, by_code, values, previous or {})
        outcome.problems += [p for p in found if p is not None]
    if for_submission:
        outcome.problems += _submission_problems(by_code, values, outcome, explanations or {})
    return outcome


def _submission_problems(indicators, values, outcome, explanations) -> list[Problem]:
    """On submission every non-breakdown value is required and every warning explained."""
    problems = [
        Problem(Severity.ERROR, _("fill in this value"), (code,))
        for code, indicator in indicators.items()
        if indicator.breakdown is None and (values.get(code) is None or values[code].blank)
    ]
    problems += [
        Problem(Severity.ERROR, _("explain the warning before submitting: %(w)s", w=w.message),
                w.codes, w.key)
        for w in outcome.warnings if not (explanations.get(w.key) or "").strip()
    ]
    return problems
