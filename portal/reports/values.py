"""Parsing what people type or paste into a number cell, the Russian way.

Accepted: ``12``, ``12,5``, ``12.5``, ``1 200`` (with a normal or non-breaking space),
``1 200,5``, and for a percentage ``37%`` (what a percent-formatted Excel cell holding 0.37
reads as, see :class:`portal.tabular.Percent`). Rejected, with a message in the user's
language: text, dates, several numbers, counts with a fraction, a percent sign on anything
but a percentage, invisible characters, and values outside the indicator's range or above
the unit's maximum (:data:`UNIT_MAX`).

A point or a comma between groups of three digits is refused for counts - «1,000» and
«2.000» are 1 000 or 1 - and so is any number with several such groups or with both marks
(«1.234.567», «1,234.5»), even where only one reading makes sense: the rule is the same for
every number, and the message says to write ``1000`` or ``1 000``. For percentages and scores
a single «12,500» is the decimal 12.5, as typed in Russian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from portal.catalogue.models import Indicator, Unit
from portal.documents.operations import url_problem
from portal.tabular import normalize_raw, visible  # noqa: F401 - visible is part of the API

_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
_PERCENT_SIGN = re.compile(r"[ \u00a0\u202f]?%$")
_MARKED_GROUPS = re.compile(r"^[+-]?\d{1,3}([.,]\d{3})+([.,]\d+)?$")  # 1,000 2.000 1.234.567
_ONE_MARK = re.compile(r"^[+-]?\d+[.,]\d+$")
_SHOWN = re.compile(r"\[U\+[0-9A-F]{4,6}\]")

# The largest value of each unit, whatever an indicator's own maximum. The value column is
# Numeric(14, 4): nothing at or above 10^10 can be stored at all, not even with its error (a
# draft keeps invalid input), so such a number is kept as text only.
COLUMN_LIMIT = Decimal(10) ** 10
UNIT_MAX = {Unit.COUNT: Decimal(1_000_000), Unit.PERCENT: Decimal(100), Unit.SCORE: Decimal(10),
            Unit.NUMBER: COLUMN_LIMIT - 1}
TEXT_MAX = 2000  # the raw column: a text answer is kept as typed
YES = frozenset({"да", "yes", "1", "есть", "имеется", "true"})
NO = frozenset({"нет", "no", "0", "отсутствует", "false"})
_DATE_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


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
    """The number in ``text`` or None; decimal comma, space separators and a final % are fine."""
    compact = _PERCENT_SIGN.sub("", text.strip(), count=1)
    if _GROUPED.match(compact):
        compact = re.sub(r"[ \u00a0\u202f]", "", compact)
    if not _NUMBER.match(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


def parse_value(indicator: Indicator, cell: Any, *, has_file: bool = False) -> Parsed:
    """Parse and check one value against its item's kind and range.

    ``has_file``: an evidence item's value has a file (its own or a document of the
    register), so that «да» without a link is present.
    """
    if indicator.kind is Unit.EVIDENCE:
        raw = normalize_raw(cell) if not isinstance(cell, (datetime, date)) else cell
        return Parsed("", None) if raw == "" else _evidence(raw, has_file)
    special = _SPECIAL_KINDS.get(indicator.kind)
    if special is not None:
        raw = normalize_raw(cell) if not isinstance(cell, (datetime, date)) else cell
        return Parsed("", None) if raw == "" else special(indicator, raw)
    if isinstance(cell, (datetime, date)):
        return Parsed(normalize_raw(cell), None, _("a date is not a number"))
    raw = normalize_raw(cell)
    if raw == "":
        return Parsed("", None)
    if len(raw) > 64:
        return Parsed(raw[:64], None, _("the value is too long"))
    if _SHOWN.search(raw):
        return Parsed(raw, None, _("“%(raw)s” contains invisible characters; type the number "
                                   "again", raw=raw))
    # A number cell of a workbook is no notation to be misread: only text can be ambiguous.
    error = None if isinstance(cell, (int, float, Decimal)) else _notation_error(indicator.unit,
                                                                                 raw)
    if error:
        return Parsed(raw, None, error)
    number = parse_number(raw)
    if number is None:
        return Parsed(raw, None, _("“%(raw)s” is not a number", raw=raw))
    storable = number if abs(number) < COLUMN_LIMIT else None
    if indicator.unit is Unit.COUNT and number != number.to_integral_value():
        return Parsed(raw, storable, _("a count must be a whole number"))
    low, high = bounds(indicator)
    if number < low or number > high:
        return Parsed(raw, storable, _range_message(indicator, number < low, high))
    return Parsed(raw, number)


def _yes_no(indicator: Indicator, raw: Any) -> Parsed:
    """да / нет (and their usual spellings): stored as 1 or 0."""
    word = str(raw).strip().lower()
    if word in YES:
        return Parsed("да", Decimal(1))
    if word in NO:
        return Parsed("нет", Decimal(0))
    return Parsed(str(raw)[:64], None, _("answer yes or no"))


def _evidence(raw: Any, has_file: bool) -> Parsed:
    """An evidence item: «нет» (absent, 0), a web link, or «да» with a file (present, 1).

    The link is the raw text itself; «да» alone is present only with a file, which comes
    through the web form (a file cannot come in a workbook).
    """
    text = str(raw).strip()
    word = text.lower()
    if word in NO:
        return Parsed("нет", Decimal(0))
    if word in YES:
        if has_file:
            return Parsed("да", Decimal(1))
        return Parsed("да", None, _("give a link (http:// or https://) or attach a file in "
                                    "the web form"))
    problem = url_problem(text)
    if problem:
        return Parsed(text[:TEXT_MAX], None, problem)
    return Parsed(text, Decimal(1))


def _text(indicator: Indicator, raw: Any) -> Parsed:
    """Free text, within the item's maximum length (its max_value) and the column's."""
    text = str(raw)
    limit = min(int(indicator.max_value or TEXT_MAX), TEXT_MAX)
    if len(text) > limit:
        return Parsed(text[:TEXT_MAX], None,
                      _("the text is longer than %(n)d characters", n=limit))
    return Parsed(text, None)


def _date(indicator: Indicator, raw: Any) -> Parsed:
    """A calendar day (a date cell, 2024-12-13 or 13.12.2024), kept as ISO text."""
    if isinstance(raw, datetime):
        return Parsed(raw.date().isoformat(), None)
    if isinstance(raw, date):
        return Parsed(raw.isoformat(), None)
    text = str(raw).strip()
    dotted = _DATE_DOTTED.match(text)
    try:
        day = (date(int(dotted[3]), int(dotted[2]), int(dotted[1])) if dotted
               else date.fromisoformat(text))
    except ValueError:
        return Parsed(text[:64], None, _("“%(raw)s” is not a date", raw=text[:64]))
    return Parsed(day.isoformat(), None)


_SPECIAL_KINDS = {Unit.YES_NO: _yes_no, Unit.TEXT: _text,
                  Unit.DATE: _date}


def _notation_error(unit: Unit, raw: str) -> str | None:
    """A percent sign where no percentage is due; a point or comma that may mean thousands."""
    compact = _PERCENT_SIGN.sub("", raw, count=1)
    if compact != raw and unit is not Unit.PERCENT:
        return _("“%(raw)s” is a percentage, but this indicator is not measured in percent; "
                 "enter the number itself, without a percent format", raw=raw)
    if _MARKED_GROUPS.match(compact) and (unit is Unit.COUNT or not _ONE_MARK.match(compact)):
        return _("“%(raw)s” is ambiguous: a point or a comma may separate thousands or "
                 "decimals. Write thousands without them, as 1000 or 1 000, and decimals with "
                 "a comma, as 12,5", raw=raw)
    return None


def bounds(indicator: Indicator) -> tuple[Decimal, Decimal]:
    """The lowest and highest value the indicator accepts, within its unit's maximum."""
    cap = UNIT_MAX[indicator.unit]
    if indicator.unit is Unit.SCORE and indicator.scale:
        cap = Decimal(indicator.scale)
    low, high = indicator.min_value, indicator.max_value
    high = cap if high is None else min(Decimal(high), cap)
    low = -cap if low is None else Decimal(low)
    return low, high


def _range_message(indicator: Indicator, below: bool, high: Decimal) -> str:
    if indicator.unit is Unit.PERCENT:
        return _("a percentage must be between 0 and 100")
    if indicator.unit is Unit.SCORE:
        if indicator.scale and indicator.scale != 10:
            return _("a score must be between 1 and %(n)d", n=indicator.scale)
        return _("a score must be between 1 and 10")
    if indicator.unit is Unit.NUMBER:
        return _("the number must be between %(low)s and %(high)s", low=bounds(indicator)[0],
                 high=high)
    if below:
        return _("a count cannot be negative")
    return _("a count cannot be more than %(max)s", max=f"{int(high):,}".replace(",", "\u00a0"))
