"""Evaluation of checked rule expressions (:mod:`portal.catalogue.expressions`) in Kleene logic.

A walk over the tuples that the checker built: ``None`` is «unknown» (a blank operand, a
division by zero at run time), ``and`` is false as soon as one side is false, ``or`` true as
soon as one side is true, ``if A then B`` is ``not A or B``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, DecimalException
from typing import Any


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (Decimal, int)):
        return Decimal(value)
    return None


def _present(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (Decimal, int)):
        return value > 0
    return value is not None and str(value).strip() != ""


def evaluate(node: tuple, values: Mapping[str, Any], previous: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "code":
        value = values.get(node[1])
        return value if isinstance(value, bool) else _number(value)
    if kind == "prev":
        return _number(previous.get(node[1]))
    if kind == "present":
        return _present(values.get(node[1]))
    if kind in _LOGIC:
        return _LOGIC[kind](*(evaluate(child, values, previous) for child in node[1:]))
    if kind == "sum":
        return _sum(node, values, previous)
    operands = [evaluate(child, values, previous) for child in node[2 if len(node) == 4 else 1:]]
    if any(operand is None for operand in operands):
        return None
    if kind == "neg":
        return -operands[0]
    if kind == "abs":
        return abs(operands[0])
    if kind == "cmp":
        return _COMPARE[node[1]](*operands)
    return _arithmetic(node[1], *operands)


def _sum(node: tuple, values: Mapping[str, Any], previous: Mapping[str, Any]) -> Decimal | None:
    total = Decimal(0)
    for term in node[1]:
        value = evaluate(term, values, previous)
        if value is None:
            return None
        total += value
    for prefix in node[2]:
        total += sum((_number(v) or Decimal(0) for code, v in values.items()
                      if code.startswith(prefix)), Decimal(0))
    return total


def _arithmetic(operator: str, left: Decimal, right: Decimal) -> Decimal | None:
    try:
        if operator == "PLUS":
            return left + right
        if operator == "MINUS":
            return left - right
        if operator == "TIMES":
            return left * right
        return left / right
    except DecimalException:  # division by zero, overflow: the answer is unknown
        return None


def _and(left: bool | None, right: bool | None) -> bool | None:
    if left is False or right is False:
        return False
    return None if left is None or right is None else True


def _or(left: bool | None, right: bool | None) -> bool | None:
    if left is True or right is True:
        return True
    return None if left is None or right is None else False


def _not(operand: bool | None) -> bool | None:
    return None if operand is None else not operand


_LOGIC = {"and": _and, "or": _or, "not": _not, "implies": lambda a, b: _or(_not(a), b)}
_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b, ">=": lambda a, b: a >= b, ">": lambda a, b: a > b}
