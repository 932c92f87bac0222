"""Groups of items that must add up, read from a version's rules (issue 11 §9).

A rule of the shape ``sum(a, b, …) = total`` (or ``total = sum(…)``), with named items and/or
wildcards ``prefix.*``, is a group: the report form shows the running sum of its parts next to
its total as the curator types, and says when they do not add up. The rules are parsed with
:mod:`portal.catalogue.expressions`, never matched with patterns: whatever parses to an
equality between one ``sum()`` and one item code is a group, anything else is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from portal.catalogue import expressions
from portal.catalogue.expressions import ExpressionError
from portal.catalogue.models import Indicator, RuleKind, ValidationRule
from portal.reports.values import parse_number


@dataclass(frozen=True)
class SumGroup:
    """The parts that must add up to ``total``: ``parts`` named in the rule (the rule is
    unknown while one is blank) and ``open_parts`` of its wildcards (zero while blank)."""

    rule: str
    total: str
    parts: tuple[str, ...]
    open_parts: tuple[str, ...]
    message: str

    def as_json(self) -> dict:
        """What the form's script needs."""
        return {"rule": self.rule, "total": self.total, "parts": list(self.parts),
                "open": list(self.open_parts), "message": self.message}

    def state(self, values: Mapping[str, str]) -> tuple[Decimal, bool]:
        """The running sum of the typed ``values`` (raw text by code; a blank part or one
        that is not a number adds nothing) and whether the parts contradict a typed total:
        only once every named part is a number, as the rule itself would say."""
        numbers = {code: parse_number(values.get(code) or "")
                   for code in self.parts + self.open_parts}
        running = sum((n for n in numbers.values() if n is not None), Decimal(0))
        expected = parse_number(values.get(self.total) or "")
        complete = all(numbers[code] is not None for code in self.parts)
        return running, complete and expected is not None and expected != running


def _kinds(indicators: Iterable[Indicator]) -> dict[str, str]:
    return {i.code: i.kind.value for i in indicators}


def _group(rule: ValidationRule, kinds: dict[str, str]) -> SumGroup | None:
    try:
        tree = expressions.parse(rule.expression or "", kinds).tree
    except ExpressionError:
        return None  # mentions an item this organization does not report
    if tree[0] != "cmp" or tree[1] != "=":
        return None
    left, right = tree[2], tree[3]
    if right[0] == "sum":
        left, right = right, left
    if left[0] != "sum" or right[0] != "code":
        return None
    terms, prefixes = left[1], left[2]
    if any(term[0] != "code" for term in terms):
        return None  # sum(a * 2, …): not a plain group of items
    named = tuple(term[1] for term in terms)
    open_parts = tuple(code for code, kind in kinds.items()
                       if any(code.startswith(p) for p in prefixes) and code not in named
                       and kind not in expressions.BOOL_KINDS | expressions.OPAQUE_KINDS)
    return SumGroup(rule.code, right[1], named, open_parts, rule.message())


def sum_groups(indicators: Iterable[Indicator], rules: Iterable[ValidationRule]
               ) -> list[SumGroup]:
    """The groups of the active rules that must add up, over the organization's items."""
    kinds = _kinds(indicators)
    found = (_group(rule, kinds) for rule in rules
             if rule.active and rule.kind is RuleKind.EXPRESSION)
    return [group for group in found if group is not None]
