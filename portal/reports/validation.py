"""The validation engine: parsed values + rules as data → errors and warnings.

A rule is an expression (:mod:`portal.catalogue.expressions`) that must hold; it is violated
only when it is definitely false, never while an operand it needs is blank. The jump rule
compares every count with the previous quarter.

Pure functions over plain data (no queries), so the form, the upload, the municipal bulk
upload and the submission all run exactly the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _

from portal.catalogue import expressions
from portal.catalogue.expressions import Expression, ExpressionError
from portal.catalogue.models import Indicator, RuleKind, Severity, Unit, ValidationRule
from portal.reports.values import Parsed

# The jump rule's absolute minimum change when it has none of its own (the migration gave the
# standard rule this value): small counts jump by nature, 1 → 3 is not suspicious.
JUMP_MIN_ABSOLUTE = Decimal(5)


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


def compiled(rule: ValidationRule, codes: tuple[str, ...]) -> Expression | None:
    """The rule's expression checked against these item codes; None when it refers to an item
    that the organization does not report.

    Parsing is a pure function of the text and the codes and its result is immutable, so it is
    kept per process (keyed by both: an edited rule or item list is a new key)."""
    return _compile(rule.expression or "", codes)


@lru_cache(maxsize=2048)
def _compile(text: str, codes: tuple[str, ...]) -> Expression | None:
    try:
        return expressions.parse(text, codes)
    except ExpressionError:
        # Rules are checked when they are saved, against the whole catalogue; one that does
        # not parse against an organization's items mentions an item its type does not report.
        return None


def _check_expression(rule, indicators, values, previous) -> Problem | None:
    expression = compiled(rule, tuple(indicators))
    if expression is None:
        return None
    known = {code: values[code].value for code in indicators if code in values}
    if expression.evaluate(known, previous) is not False:
        return None  # holds, or unknown while an operand is still blank
    return Problem(rule.severity, rule.message(), expression.blamed, rule.code)


def _check_jumps(rule, indicators, values, previous) -> list[Problem]:
    problems = []
    threshold = Decimal(rule.threshold or 0)
    minimum = Decimal(JUMP_MIN_ABSOLUTE if rule.threshold_absolute is None
                      else rule.threshold_absolute)
    for code, indicator in indicators.items():
        parsed, before = values.get(code), previous.get(code)
        if indicator.unit is not Unit.COUNT or parsed is None or parsed.value is None \
                or not before:
            continue
        change = abs(parsed.value - before)
        if change >= minimum and change / before > threshold:
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
        if rule.kind is RuleKind.JUMP:
            found = _check_jumps(rule, by_code, values, previous or {})
        else:
            found = [_check_expression(rule, by_code, values, previous or {})]
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
