"""Calendar arithmetic of reporting periods: quarters, deadlines, school years."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

DEADLINE_DAYS_AFTER_QUARTER = 10
SCHOOL_YEAR_FIRST_MONTH = 9  # mentoring programmes run by school year, September to August


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    month = 3 * quarter
    return date(year, month, calendar.monthrange(year, month)[1])


def default_opening(year: int, quarter: int) -> date:
    """Reporting opens on the first day of the quarter's last month."""
    return date(year, 3 * quarter, 1)


def default_deadline(year: int, quarter: int) -> date:
    """The 10th day after the quarter ends (DOMAIN.md §8)."""
    return quarter_end(year, quarter) + timedelta(days=DEADLINE_DAYS_AFTER_QUARTER)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def school_year_of(day: date) -> int:
    """The school year containing ``day``, named by the calendar year it starts in.

    A quarter belongs to the school year it starts in: Q4 2025 → 2025 (2025/2026), Q1–Q3
    2026 → 2025 as well (Q3 starts in July, before the new school year).
    """
    return day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1


def school_year_label(start_year: int) -> str:
    """The usual way to write a school year: 2025 → "2025/2026"."""
    return f"{start_year}/{start_year + 1}"


ROMAN = ("I", "II", "III", "IV")


def period_bounds(periodicity: str, year: int, number: int = 1) -> tuple[date, date]:
    """The first and last day of a periodic collection.

    ``year`` names it (the calendar year, or the year a school year starts in); ``number`` is
    the quarter (1–4) or half-year (1–2), and is ignored for yearly periodicities.
    """
    if periodicity == "quarter":
        return quarter_start(year, number), quarter_end(year, number)
    if periodicity == "half_year":
        return date(year, 6 * number - 5, 1), quarter_end(year, 2 * number)
    if periodicity == "school_year":
        return (date(year, SCHOOL_YEAR_FIRST_MONTH, 1),
                date(year + 1, SCHOOL_YEAR_FIRST_MONTH, 1) - timedelta(days=1))
    if periodicity == "calendar_year":
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(f"a {periodicity} collection has no calendar bounds")


def default_dates(ends_on: date) -> tuple[date, date]:
    """Default opening (the first day of the period's last month) and deadline (the 10th day
    after it ends), as for quarters (DOMAIN.md §8)."""
    return (ends_on.replace(day=1),
            ends_on + timedelta(days=DEADLINE_DAYS_AFTER_QUARTER))


def period_label(periodicity: str, starts_on: date, title: str | None = None) -> str:
    """How a collection is named: «IV квартал 2026 г.», «I полугодие 2026 г.», «2025/2026
    учебный год», «2026 г.», or a one-off collection's own title."""
    from flask_babel import gettext as _

    if periodicity == "quarter":
        return _("%(q)s quarter %(y)d", q=ROMAN[(starts_on.month - 1) // 3], y=starts_on.year)
    if periodicity == "half_year":
        return _("%(h)s half-year %(y)d", h=ROMAN[(starts_on.month - 1) // 6], y=starts_on.year)
    if periodicity == "school_year":
        return _("%(year)s school year", year=school_year_label(school_year_of(starts_on)))
    if periodicity == "calendar_year":
        return _("year %(y)d", y=starts_on.year)
    return title or _("on %(date)s", date=starts_on.strftime("%d.%m.%Y"))
