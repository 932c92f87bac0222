"""Parsing what people type or paste into a number cell, the Russian way.

Accepted: ``12``, ``12,5``, ``12.5``, ``1 200`` (with a normal or non-breaking space),
``1 200,5``. Rejected, with a message in the user's language: text, dates, several
numbers, counts with a fraction, values outside the indicator's range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from portal.reports.models import Indicator, Unit
from portal.tabular import normalize_raw

_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")


@dataclass(frozen=True)
class Parsed:
    """The outcome for one cell: the number, or the reason it is not one."""

    raw: str
    value: Decimal | None
    error: str | None = None

    @property
    def blank(self) -> bool:
        return self.raw == ""


def parse_number(text: str) -> Decimal | None:
    """The number in ``text`` or None; decimal comma and space separators are fine."""
    compact = text.strip()
    if _GROUPED.match(compact):
        compact = re.sub(r"[ \u00a0\u202f]", "", compact)
    if not _NUMBER.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


def parse_value(indicator: Indicator, cell: Any) -> Parsed:
    """Parse and check one value against its indicator's unit and range."""
    if isinstance(cell, (datetime, date)):
        return Parsed(normalize_raw(cell), None, _("a date is not a number"))
    raw = normalize_raw(cell)
    if raw == "":
        return Parsed("", None)
    if len(raw) > 64:
        return Parsed(raw[:64], None, _("the value is too long"))
    number = parse_number(raw)
    if number is None:
        return Parsed(raw, None, _("“%(raw)s” is not a number", raw=raw))
    if indicator.unit is Unit.COUNT and number != number.to_integral_value():
        return Parsed(raw, number, _("a count must be a whole number"))
    low, high = indicator.min_value, indicator.max_value
    if low is not None and number < low or high is not None and number > high:
        return Parsed(raw, number, _range_message(indicator))
    return Parsed(raw, number)


def _range_message(indicator: Indicator) -> str:
    if indicator.unit is Unit.PERCENT:
        return _("a percentage must be between 0 and 100")
    if indicator.unit is Unit.SCORE:
        return _("a score must be between 1 and 10")
    return _("a count cannot be negative")
