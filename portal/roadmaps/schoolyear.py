"""School years (September to August) and roadmap deadlines, which are a month or a date.

A deadline given as a month is kept as the last day of that month, so "due by" comparisons
work the same for both. Parsing accepts what people type in a form or an Excel cell:
``10.2025``, ``2025-10``, ``октябрь 2025``, ``October 2025``, ``15.10.2025``,
``2025-10-15`` or a date cell.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _

from portal.database import Refusal

# One definition of the school year for reports and roadmaps (portal/reports/periods.py).
from portal.reports.periods import SCHOOL_YEAR_FIRST_MONTH as FIRST_MONTH
from portal.reports.periods import school_year_label as year_label
from portal.reports.periods import school_year_of  # noqa: F401


class DeadlineError(Refusal):
    """A deadline that cannot be read or is impossible; the message is for the user."""


def year_start(school_year: int) -> date:
    return date(school_year, FIRST_MONTH, 1)


def year_end(school_year: int) -> date:
    return date(school_year + 1, FIRST_MONTH - 1, 31)


def month_in_year(school_year: int, month: int) -> int:
    """The calendar year of ``month`` within the school year (Sept–Dec first, Jan–Aug second)."""
    return school_year if month >= FIRST_MONTH else school_year + 1


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Deadline:
    """A parsed deadline: the last day it allows, and whether it was given as a month."""

    day: date
    is_month: bool


_MONTHS = {
    **{name: i for i, name in enumerate(
        ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
         "октябрь", "ноябрь", "декабрь"], start=1)},
    # Genitive, as in "до 1 марта" or "сентября 2025".
    **{name: i for i, name in enumerate(
        ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
         "октября", "ноября", "декабря"], start=1)},
    **{name.lower(): i for i, name in enumerate(calendar.month_name) if name},
}
_NUMERIC = [
    (re.compile(r"^(\d{1,2})[./](\d{4})$"), "my"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"), "dmy"),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
]
_WORDS = re.compile(r"^(?:(\d{1,2})\s+)?([^\d\s]+)\s+(\d{4})(?:\s*(?:г\.?|года?))?$")


def _build(year: int, month: int, day: int | None, text: str) -> Deadline:
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        raise DeadlineError(_("%(value)s is not a possible date.", value=text))
    if day is None:
        return Deadline(month_end(year, month), True)
    try:
        return Deadline(date(year, month, day), False)
    except ValueError:
        raise DeadlineError(_("%(value)s is not a possible date.", value=text)) from None


def parse_deadline(value: object) -> Deadline:
    """Read a month or a date from text or a spreadsheet cell."""
    if isinstance(value, datetime):
        return Deadline(value.date(), False)
    if isinstance(value, date):
        return Deadline(value, False)
    text = " ".join(str(value or "").split()).lower()
    if not text:
        raise DeadlineError(_("The deadline is empty."))
    for pattern, order in _NUMERIC:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, map(int, match.groups()), strict=True))
            return _build(parts["y"], parts["m"], parts.get("d"), text)
    match = _WORDS.match(text)
    if match and match.group(2) in _MONTHS:
        day = int(match.group(1)) if match.group(1) else None
        return _build(int(match.group(3)), _MONTHS[match.group(2)], day, text)
    raise DeadlineError(_("%(value)s is not a month or a date (write 10.2025 or 15.10.2025).",
                          value=text))


def check_in_year(deadline: Deadline, school_year: int, text: str) -> None:
    """Refuse a deadline outside the school year of the roadmap."""
    if not year_start(school_year) <= deadline.day <= year_end(school_year):
        raise DeadlineError(_("%(value)s is outside the school year %(year)s (September to "
                              "August).", value=text, year=year_label(school_year)))


def as_text(day: date, is_month: bool) -> str:
    """The form that :func:`parse_deadline` reads back: ``10.2025`` or ``15.10.2025``."""
    return day.strftime("%m.%Y") if is_month else day.strftime("%d.%m.%Y")


def display(day: date, is_month: bool) -> str:
    """A deadline for people: ``октябрь 2025`` or ``15.10.2025`` in the user's language."""
    return format_date(day, "LLLL yyyy") if is_month else format_date(day, "dd.MM.yyyy")
