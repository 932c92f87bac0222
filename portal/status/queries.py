"""Reads of the status pages: who of the expected organizations reported, and how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal import rules
from portal.auth.models import User
from portal.extensions import db
from portal.reports.models import Period, Report, ReportState
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination
from tenants.scoping import Action, Scope, scoped_select

STATUS_NOT_STARTED = rules.STATUS_NOT_STARTED
STATUS_LATE = rules.STATUS_LATE


@dataclass(frozen=True)
class StatusRow:
    organization: Organization
    report_id: int | None
    state: ReportState | None
    updated_at: datetime | None
    updated_by: str | None
    first_submitted_at: datetime | None
    review_comment: str
    register_overrides: int = 0  # values the curator changed from the register, with reasons

    @property
    def submitted(self) -> bool:
        return rules.submitted(self.state)

    def status(self, period: rules.Reporting, now: datetime) -> str:
        """not_started, draft, submitted, late, accepted, returned, awaiting_head."""
        return rules.status(self.state, period.ends_at, now)

    def on_time(self, period: rules.Reporting) -> bool:
        return rules.on_time(self.state, self.first_submitted_at, period.ends_at)

    def submitted_late(self, period: rules.Reporting) -> bool:
        return rules.submitted_late(self.state, self.first_submitted_at, period.ends_at)


@dataclass(frozen=True)
class StatusSummary:
    expected: int
    submitted: int
    on_time: int
    accepted: int

    @property
    def completeness(self) -> float | None:
        return rules.completeness(self.submitted, self.expected)

    @property
    def timeliness(self) -> float | None:
        return rules.timeliness(self.on_time, self.expected)


def status_rows(period: Period, *, municipality: Municipality | None = None,
                regional_only: bool = False, org_type: OrganizationType | None = None,
                scope: Scope | None = None, reporting: rules.Reporting | None = None
                ) -> list[StatusRow]:
    """Every expected organization the user may see, with its report state — one query."""
    reporting = reporting or rules.reporting(period)
    editor = aliased(User)
    stmt = (
        scoped_select(Organization, Action.VIEW, scope)
        .join(Municipality)
        .outerjoin(Report, sa.and_(Report.organization_id == Organization.id,
                                   Report.period_id == period.id))
        .outerjoin(editor, editor.id == Report.updated_by_id)
        .add_columns(Report.id, Report.state, Report.updated_at, editor.full_name,
                     Report.first_submitted_at, Report.review_comment, Report.register_values)
        .where(rules.expected(Organization, reporting))
        .options(sa.orm.contains_eager(Organization.municipality))
        .order_by(Municipality.name, Organization.name)
    )
    if municipality is not None:
        stmt = stmt.where(Organization.municipality_id == municipality.id,
                          Organization.subordination == Subordination.MUNICIPAL)
    if regional_only:
        stmt = stmt.where(Organization.subordination == Subordination.REGIONAL)
    if org_type is not None:
        stmt = stmt.where(Organization.type == org_type)
    return [StatusRow(org, rid, state, updated, who, first, comment or "",
                      sum(1 for note in (register or {}).values() if note.get("reason")))
            for org, rid, state, updated, who, first, comment, register
            in db.session.execute(stmt)]


def summarize(rows: list[StatusRow], period: Period | rules.Reporting) -> StatusSummary:
    """Counts for the top of the status page (the rows are the expected organizations)."""
    if isinstance(period, Period):
        period = rules.reporting(period)
    return StatusSummary(
        expected=len(rows),
        submitted=sum(r.submitted for r in rows),
        on_time=sum(r.on_time(period) for r in rows),
        accepted=sum(r.state is ReportState.ACCEPTED for r in rows),
    )


# -- the curator home ------------------------------------------------------------------------

def region_of_scope(scope: Scope | None = None) -> list[Region]:
    return list(db.session.scalars(scoped_select(Region, scope=scope)))


def reviewable_ids(rows: list[StatusRow], scope: Scope | None = None) -> set[int]:
    """Which of the listed organizations the user may accept or return (one query)."""
    ids = [r.organization.id for r in rows]
    if not ids:
        return set()
    stmt = scoped_select(Organization, Action.REVIEW, scope).where(Organization.id.in_(ids))
    return set(db.session.scalars(stmt.with_only_columns(Organization.id)))
