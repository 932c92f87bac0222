"""Reports started by the current transaction: new drafts, and what their first save skips.

A draft inserted by this transaction is its own until the commit (no one else sees the row;
on SQLite the transaction holds the write lock), and the INSERT itself made it only while
the period was open as stored. So the first save of such a report needs no locking re-read
of its version, state and period: one statement less on the deadline's hot path (issue 9:
the curator's flow in at most 30). What is remembered is used once, and forgotten when the
transaction or a savepoint ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.reports.models import Period, Report, ReportState
from tenants.models import Organization

_KEY = "reports_started_in_transaction"  # report id → the version it was inserted with


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:  # not a flush's subtransaction
        session.info.pop(_KEY, None)


def insert_drafts(org_ids: Sequence[int], period: Period) -> list[Report]:
    """New empty drafts of ``org_ids`` for ``period`` in one INSERT … SELECT, made only while
    the period is open as stored (none when it is closed: the caller refuses)."""
    rows = (sa.select(Organization.id, sa.literal(period.id, Report.period_id.type),
                      sa.literal(ReportState.DRAFT, Report.state.type),
                      sa.literal({}, Report.explanations.type))
            .select_from(Organization)
            .join(Period, sa.and_(Period.id == period.id, Period.is_open))
            .where(Organization.id.in_(org_ids)))
    reports = db.session.scalars(
        sa.insert(Report).from_select(["organization_id", "period_id", "state", "explanations"],
                                      rows).returning(Report)).all()
    started = db.session.info.setdefault(_KEY, {})
    for report in reports:
        set_committed_value(report, "values", [])  # nothing to read: there are none yet
        started[report.id] = report.version
    return reports


def take_started(report_ids: Iterable[int]) -> dict[int, int]:
    """The versions of those of ``report_ids`` this transaction inserted and has not saved
    yet (forgotten as they are taken: a second save locks and re-reads as usual)."""
    started = db.session.info.get(_KEY, {})
    return {report_id: started.pop(report_id) for report_id in report_ids
            if report_id in started}
