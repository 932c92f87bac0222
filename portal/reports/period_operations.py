"""Writes of the reporting periods: open, close, and the region's head-confirmation rule.

Every function flushes and never commits; the request (or CLI command) commits once.
Callers pass objects already resolved through the scope and checked for the action.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import utcnow
from portal.extensions import db
from portal.reports import head_confirmation
from portal.reports.models import Period
from portal.reports.operations import ReportError
from portal.reports.periods import default_deadline, default_opening
from tenants.models import Region


def open_period(region: Region, year: int, quarter: int, opens_on: date | None = None,
                deadline: date | None = None) -> Period:
    """Open (or reopen) a quarter for the region, with default dates if none are given."""
    period = db.session.scalars(sa.select(Period).filter_by(
        region_id=region.id, year=year, quarter=quarter)).first()
    opens_on = opens_on or (period and period.opens_on) or default_opening(year, quarter)
    deadline = deadline or (period and period.deadline) or default_deadline(year, quarter)
    if deadline < opens_on:
        raise ReportError(_("The deadline cannot be before the opening date."))
    if period is None:
        period = Period(region_id=region.id, year=year, quarter=quarter)
        db.session.add(period)
    period.opens_on, period.deadline = opens_on, deadline
    period.is_open, period.closed_at = True, None
    db.session.flush()
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
