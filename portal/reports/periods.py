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
