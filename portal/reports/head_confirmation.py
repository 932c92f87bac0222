"""Reports waiting for the head's confirmation are never stranded.

Where a region asks the head of an organization to confirm a report before it is reviewed,
an organization without a head account would wait for ever. So: the periods page says how
many organizations have no head account before the setting is switched on; the curator can
withdraw a report that waits for the head; the reviewing level sees those reports, and which
of them have nobody to confirm, on the status page and can return them; switching the
setting off passes every waiting report on to review, each change with its audit row.

Writes flush, never commit; the request commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.auth.models import User
from portal.extensions import db
from portal.reports import operations, workflow
from portal.reports.models import Period, Report, ReportState
from tenants.models import Municipality, Organization, Region, Role, RoleAssignment
from tenants.scoping import Action, scoped_select


def has_head() -> sa.ColumnElement[bool]:
    """The organization (of the enclosing query) has an active head account."""
    return (sa.select(RoleAssignment.id).join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.organization_id == Organization.id,
                   RoleAssignment.role == Role.HEAD, User.active.is_(True))
            .exists())


def count_without_head(region: Region) -> int:
    """How many open organizations of the region have no active head account."""
    stmt = (scoped_select(Organization, Action.VIEW).join(Municipality)
            .where(Municipality.region_id == region.id, Organization.is_active,
                   sa.not_(has_head())))
    return db.session.scalar(stmt.with_only_columns(sa.func.count(Organization.id))) or 0


def without_head(org_ids: Iterable[int]) -> set[int]:
    """Which of the organizations have no active head account (one query)."""
    ids = list(org_ids)
    if not ids:
        return set()
    stmt = sa.select(Organization.id).where(Organization.id.in_(ids), sa.not_(has_head()))
    return set(db.session.scalars(stmt))


def withdraw(report: Report, user: Any) -> ReportState:
    """The curator takes back a report waiting for the head, to correct and submit it again.

    It becomes a draft again while the period is open; in a closed period, which takes no
    drafts, it is returned for correction, which may still be submitted.
    """
    if report.state is not ReportState.AWAITING_HEAD:
        raise operations.ReportError(_("Only a report waiting for the head's confirmation can "
                                       "be withdrawn."))
    target = ReportState.DRAFT if report.period.is_open else ReportState.RETURNED
    workflow.transition(report, target, user, _("withdrawn by the curator"))
    db.session.flush()
    return target


def release_waiting(region: Region, user: Any) -> int:
    """Every report of the region waiting for the head goes on to review (submitted), each
    with its audit row: the region no longer asks for the confirmation. Returns how many."""
    waiting = list(db.session.scalars(
        sa.select(Report).join(Period, Period.id == Report.period_id)
        .where(Period.region_id == region.id, Report.state == ReportState.AWAITING_HEAD)
        .order_by(Report.id)))
    note = _("the region no longer requires the head's confirmation")
    for report in waiting:
        workflow.transition(report, ReportState.SUBMITTED, user, note)
    db.session.flush()
    return len(waiting)
