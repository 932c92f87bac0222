"""Opening a form's collection, stated as properties against a specification written out here
(not copied from portal.reports.periods): for every periodic kind of form and every boundary
day of the year, the collection opened «on» that day is the one containing it; explicit
numbers are bounded; a one-off collection needs both of its dates; the head-confirmation
switch releases waiting reports only when it is switched off."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal.catalogue import operations as catalogue
from portal.catalogue.definition import Periodicity
from portal.clock import utcnow
from portal.reports import period_operations
from portal.reports.models import ReportState
from portal.reports.operations import ReportError
from tests.report_helpers import setup_region
from tests.test_report_head_confirmation import _report, _waiting

PERIODIC = [Periodicity.QUARTER, Periodicity.HALF_YEAR, Periodicity.SCHOOL_YEAR,
            Periodicity.CALENDAR_YEAR]
# The first and last day of each quarter and of the school year's edges, in two years.
DAYS = [date(y, m, d) for y in (2025, 2026) for m, d in
        ((1, 1), (3, 31), (4, 1), (6, 30), (7, 1), (8, 31), (9, 1), (9, 30), (10, 1),
         (12, 31))]
NO_NUMBER = "Такого квартала или полугодия нет."
ONE_OFF_DATES = "Для разового сбора нужны дата открытия и срок."


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def expected_bounds(periodicity: str, day: date) -> tuple[date, date]:
    """The collection containing ``day``, by plain month arithmetic."""
    if periodicity == Periodicity.QUARTER:
        first = 3 * ((day.month - 1) // 3) + 1
        return date(day.year, first, 1), _month_end(day.year, first + 2)
    if periodicity == Periodicity.HALF_YEAR:
        first = 1 if day.month <= 6 else 7
        return date(day.year, first, 1), _month_end(day.year, first + 5)
    if periodicity == Periodicity.SCHOOL_YEAR:  # September to August
        start = day.year if day.month >= 9 else day.year - 1
        return date(start, 9, 1), date(start + 1, 8, 31)
    return date(day.year, 1, 1), date(day.year, 12, 31)


def _form(region, periodicity: str, code: str | None = None):
    return catalogue.create_form(region, code=code or f"f_{periodicity}", name_ru="Форма",
                                 name_en="Form", periodicity=periodicity, applies_to=["school"])


@pytest.mark.parametrize("periodicity", PERIODIC)
def test_the_collection_opened_on_a_day_is_the_one_containing_it(factory, periodicity):
    form = _form(factory.region(), periodicity)
    for day in DAYS:
        period = period_operations.open_form_period(form, day, day + timedelta(days=30),
                                                    title=f"  сбор {day}  ")
        assert (period.starts_on, period.ends_on) == expected_bounds(periodicity, day), day
        assert (period.opens_on, period.deadline) == (day, day + timedelta(days=30))
        assert period.title == f"сбор {day}" and period.is_open
        assert period.form_id == form.id


@pytest.mark.parametrize("periodicity", PERIODIC)
def test_without_an_opening_day_the_collection_of_today_is_opened(factory, periodicity):
    form = _form(factory.region(), periodicity)
    today = utcnow().date()
    period = period_operations.open_form_period(form, None, None)
    assert (period.starts_on, period.ends_on) == expected_bounds(periodicity, today)
    assert period.opens_on <= period.deadline


@pytest.mark.parametrize(("periodicity", "year", "highest"), [
    (Periodicity.QUARTER, 2026, 4), (Periodicity.HALF_YEAR, 2026, 2)])
def test_explicit_numbers_run_from_one_to_the_last_of_the_year(factory, periodicity, year,
                                                               highest):
    form = _form(factory.region(), periodicity)
    months = 12 // highest
    for number in range(1, highest + 1):
        period = period_operations.open_form_period(form, None, None, year=year,
                                                    number=number)
        first = date(year, months * (number - 1) + 1, 1)
        assert (period.starts_on, period.ends_on) == expected_bounds(periodicity, first)
    for number in (0, highest + 1):
        with pytest.raises(ReportError, match=re.escape(NO_NUMBER)):
            period_operations.open_form_period(form, None, None, year=year, number=number)


def test_an_explicit_school_year_is_named_by_the_year_it_starts_in(factory):
    form = _form(factory.region(), Periodicity.SCHOOL_YEAR)
    period = period_operations.open_form_period(form, date(2026, 3, 1), date(2026, 3, 20),
                                                year=2024)
    assert (period.starts_on, period.ends_on) == (date(2024, 9, 1), date(2025, 8, 31))


@pytest.mark.parametrize(("opens_on", "deadline"), [
    (None, None), (date(2026, 5, 13), None), (None, date(2026, 5, 20))])
def test_a_one_off_collection_needs_both_of_its_dates(factory, opens_on, deadline):
    form = _form(factory.region(), Periodicity.ONE_OFF)
    with pytest.raises(ReportError, match=re.escape(ONE_OFF_DATES)):
        period_operations.open_form_period(form, opens_on, deadline)


def test_a_one_off_collection_is_on_its_opening_day_with_its_own_title(factory):
    form = _form(factory.region(), Periodicity.ONE_OFF)
    period = period_operations.open_form_period(form, date(2026, 5, 13), date(2026, 5, 20),
                                                title="Мониторинг на 13.05.2026")
    assert (period.starts_on, period.ends_on) == (date(2026, 5, 13), date(2026, 5, 13))
    assert (period.opens_on, period.deadline) == (date(2026, 5, 13), date(2026, 5, 20))
    assert period.title == "Мониторинг на 13.05.2026" and period.quarter is None


def test_switching_head_confirmation_on_again_keeps_the_reports_waiting(client, factory):
    region, _m, school, _c, period = setup_region(factory)
    report = _waiting(client, factory, region, school, period)
    assert period_operations.set_head_confirmation(region, True) == 0
    assert _report(school, period).state is ReportState.AWAITING_HEAD
    assert period_operations.set_head_confirmation(region, False) == 1
    assert _report(school, period).state is ReportState.SUBMITTED and report.id


def test_a_quarter_opens_with_the_dates_given_or_the_default_ones(factory):
    region = factory.region()
    given = period_operations.open_period(region, 2026, 2, date(2026, 6, 1), date(2026, 7, 15))
    assert (given.starts_on, given.ends_on) == expected_bounds(Periodicity.QUARTER,
                                                               date(2026, 4, 1))
    assert (given.opens_on, given.deadline, given.year, given.quarter) == (
        date(2026, 6, 1), date(2026, 7, 15), 2026, 2)
    default = period_operations.open_period(region, 2026, 3)  # DOMAIN.md §8: last month, +10
    assert (default.opens_on, default.deadline) == (date(2026, 9, 1), date(2026, 10, 10))


@pytest.mark.parametrize(("bounds", "dates", "message"), [
    ((date(2026, 3, 31), date(2026, 1, 1)), (None, None),
     "Период не может закончиться раньше, чем начался."),
    ((date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 3, 1), date(2026, 2, 28)),
     "Срок сдачи не может быть раньше даты открытия.")])
def test_impossible_dates_are_refused_with_their_reason(factory, bounds, dates, message):
    form = _form(factory.region(), Periodicity.QUARTER)
    with pytest.raises(ReportError, match=re.escape(message)):
        period_operations.open_collection(form, bounds, *dates)


def test_a_deadline_on_the_opening_day_is_accepted(factory):
    """A one-day collection: the deadline may be the day it opens, not a day earlier."""
    form = _form(factory.region(), Periodicity.QUARTER)
    day = date(2026, 3, 10)
    period = period_operations.open_collection(form, (date(2026, 1, 1), date(2026, 3, 31)),
                                               day, day)
    assert (period.opens_on, period.deadline) == (day, day)


def test_the_national_template_is_not_collected_and_says_why(factory):
    with pytest.raises(ReportError, match=re.escape(
            "Шаблон не собирают: регион собирает свою копию формы.")):
        period_operations.open_collection(catalogue.template(), (date(2026, 1, 1),
                                                                 date(2026, 3, 31)))
