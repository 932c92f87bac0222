"""Writes of the reporting periods: open, close, and the region's head-confirmation rule.

Every function flushes and never commits; the request (or CLI command) commits once.
Callers pass objects already resolved through the scope and checked for the action.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue import operations as catalogue_operations
from portal.catalogue.definition import Periodicity
from portal.catalogue.models import Form
from portal.clock import utcnow
from portal.extensions import db
from portal.reports import head_confirmation
from portal.reports.models import Period
from portal.reports.operations import ReportError
from portal.reports.periods import default_dates, period_bounds, school_year_of
from tenants.models import Region


def open_period(region: Region, year: int, quarter: int, opens_on: date | None = None,
                deadline: date | None = None) -> Period:
    """Open (or reopen) a quarter of the region's quarterly form, with default dates if none
    are given (the form is copied from the national template on first use)."""
    form = catalogue_operations.quarterly_form(region)
    return open_collection(form, period_bounds(Periodicity.QUARTER, year, quarter),
                           opens_on, deadline)


def open_collection(form: Form, bounds: tuple[date, date], opens_on: date | None = None,
                    deadline: date | None = None, title: str | None = None) -> Period:
    """Open (or reopen) a collection of ``form`` covering ``bounds`` (first and last day).

    A new collection reads the form's latest version, which freezes: editing the form from
    now on makes a new version, for collections opened later. Reopening keeps its version.
    """
    if form.region_id is None:
        raise ReportError(_("A template is not collected: a region collects its own copy."))
    starts_on, ends_on = bounds
    if ends_on < starts_on:
        raise ReportError(_("The period cannot end before it starts."))
    period = db.session.scalars(sa.select(Period).filter_by(
        form_id=form.id, starts_on=starts_on, ends_on=ends_on)).first()
    default_opens, default_deadline = default_dates(ends_on)
    opens_on = opens_on or (period and period.opens_on) or default_opens
    deadline = deadline or (period and period.deadline) or default_deadline
    if deadline < opens_on:
        raise ReportError(_("The deadline cannot be before the opening date."))
    if period is None:
        version = catalogue_operations.latest_version(form)
        quarterly = form.periodicity == Periodicity.QUARTER
        period = Period(region_id=form.region_id, form_id=form.id, form_version_id=version.id,
                        starts_on=starts_on, ends_on=ends_on,
                        year=starts_on.year if quarterly else None,
                        quarter=(starts_on.month - 1) // 3 + 1 if quarterly else None)
        db.session.add(period)
    if title is not None:
        period.title = title.strip() or None
    period.opens_on, period.deadline = opens_on, deadline
    period.is_open, period.closed_at = True, None
    db.session.flush()
    catalogue_operations.freeze(period.form_version)
    return period


def close_period(period: Period) -> None:
    """Close a quarter: no new reports and no changes to drafts."""
    period.is_open, period.closed_at = False, utcnow()
    db.session.flush()


def set_head_confirmation(region: Region, required: bool, user: Any = None) -> int:
    """Switch the region's rule that the head confirms a report before it is reviewed.

    Switched off, the reports waiting for a head go on to review (nobody would confirm
    them any more); returns how many did.
    """
    region.requires_head_confirmation = required
    db.session.flush()
    return 0 if required else head_confirmation.release_waiting(region, user)


def open_form_period(form: Form, opens_on: date | None, deadline: date | None, *,
                     title: str | None = None, year: int | None = None,
                     number: int | None = None) -> Period:
    """Open a collection of ``form``: the period its periodicity gives for ``year`` and
    ``number`` (by default the one containing ``opens_on``), or, for a one-off form, the
    collection «на» ``opens_on`` with its own title."""
    if form.periodicity == Periodicity.ONE_OFF:
        if opens_on is None or deadline is None:
            raise ReportError(_("A one-off collection needs its opening date and deadline."))
        return open_collection(form, (opens_on, opens_on), opens_on, deadline, title=title)
    day = opens_on or utcnow().date()
    year = year if year is not None else (school_year_of(day) if form.periodicity
                                          == Periodicity.SCHOOL_YEAR else day.year)
    if number is None:
        number = (day.month - 1) // (3 if form.periodicity == Periodicity.QUARTER else 6) + 1
    if not 1 <= number <= (4 if form.periodicity == Periodicity.QUARTER else 2):
        raise ReportError(_("There is no such quarter or half-year."))
    return open_collection(form, period_bounds(form.periodicity, year, number), opens_on,
                           deadline, title=title)
