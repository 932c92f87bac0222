"""Reads of the reports module; tenant data always through the scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal import rules
from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import db
from portal.reports.models import (AuditEntry, Indicator, Period, Report, ReportState,
                                   ReportValue, ValidationRule)
from portal.reports.periods import previous_quarter
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination
from tenants.scoping import Action, Scope, scoped_select


def indicators_for(org_type: OrganizationType, include_retired: bool = False) -> list[Indicator]:
    """The catalogue rows an organization of this type reports, in form order."""
    stmt = sa.select(Indicator).order_by(Indicator.position, Indicator.id)
    if not include_retired:
        stmt = stmt.where(Indicator.retired_at.is_(None))
    return [i for i in db.session.scalars(stmt) if i.applies(org_type)]


def all_indicators() -> list[Indicator]:
    return list(db.session.scalars(sa.select(Indicator).order_by(Indicator.position)))


def active_rules() -> list[ValidationRule]:
    return list(db.session.scalars(sa.select(ValidationRule).where(ValidationRule.active)
                                   .order_by(ValidationRule.id)))


def report_for(org: Organization, period: Period) -> Report | None:
    return db.session.scalars(sa.select(Report).filter_by(
        organization_id=org.id, period_id=period.id)).first()


def previous_period(period: Period) -> Period | None:
    year, quarter = previous_quarter(period.year, period.quarter)
    return db.session.scalars(sa.select(Period).filter_by(
        region_id=period.region_id, year=year, quarter=quarter)).first()


def values_of(report: Report | None) -> dict[str, ReportValue]:
    if report is None:
        return {}
    rows = db.session.execute(
        sa.select(Indicator.code, ReportValue).join(ReportValue.indicator)
        .where(ReportValue.report_id == report.id)).all()
    return {code: value for code, value in rows}


def values_of_reports(report_ids: list[int]) -> dict[int, dict[str, tuple[str, Decimal | None]]]:
    """The stored (text, number) of many reports by report id and indicator code, one query."""
    found: dict[int, dict[str, tuple[str, Decimal | None]]] = {}
    if not report_ids:
        return found
    rows = db.session.execute(
        sa.select(ReportValue.report_id, Indicator.code, ReportValue.raw, ReportValue.value)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(ReportValue.report_id.in_(report_ids)))
    for report_id, code, raw, value in rows:
        found.setdefault(report_id, {})[code] = (raw or "", value)
    return found


def previous_values(org: Organization, period: Period) -> dict[str, Decimal]:
    """The organization's numbers of the previous quarter (empty if it did not report)."""
    before = previous_period(period)
    if before is None:
        return {}
    rows = db.session.execute(
        sa.select(Indicator.code, ReportValue.value)
        .join(ReportValue.indicator).join(ReportValue.report)
        .where(Report.organization_id == org.id, Report.period_id == before.id,
               ReportValue.value.is_not(None))).all()
    return {code: value for code, value in rows}


def periods_of(region_id: int, scope: Scope | None = None) -> list[Period]:
    stmt = scoped_select(Period, scope=scope).where(Period.region_id == region_id)
    return list(db.session.scalars(stmt.order_by(Period.year.desc(), Period.quarter.desc())))


def history(report: Report) -> list[AuditEntry]:
    stmt = (sa.select(AuditEntry).where(AuditEntry.report_id == report.id)
            .options(sa.orm.joinedload(AuditEntry.user))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    return list(db.session.scalars(stmt))


# -- the municipal status page ---------------------------------------------------------------

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
                     Report.first_submitted_at, Report.review_comment)
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
    return [StatusRow(org, rid, state, updated, who, first, comment or "")
            for org, rid, state, updated, who, first, comment in db.session.execute(stmt)]


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

@dataclass(frozen=True)
class DueItem:
    organization: Organization
    period: Period
    report: Report | None
    status: str  # as on the status page: a report missing after the deadline is late


def due_for(orgs: list[Organization], now: datetime | None = None) -> list[DueItem]:
    """Open periods in which each organization is expected, with its report (three queries)."""
    if not orgs:
        return []
    now = now or utcnow()
    region_ids = {o.municipality.region_id for o in orgs}
    periods = list(db.session.scalars(
        sa.select(Period).where(Period.region_id.in_(region_ids), Period.is_open)
        .options(sa.orm.joinedload(Period.region))
        .order_by(Period.year.desc(), Period.quarter.desc())))
    reports = {(r.organization_id, r.period_id): r for r in db.session.scalars(
        sa.select(Report).where(Report.organization_id.in_([o.id for o in orgs]),
                                Report.period_id.in_([p.id for p in periods] or [-1])))}
    types = rules.form_types()
    reportings = [(p, rules.reporting(p, types)) for p in periods]
    items = []
    for org in orgs:
        for period, reporting in reportings:
            if rules.expected(org, reporting):
                report = reports.get((org.id, period.id))
                items.append(DueItem(org, period, report, rules.status(
                    report.state if report else None, reporting.ends_at, now)))
    return items


def returned_reports(orgs: list[Organization]) -> list[Report]:
    if not orgs:
        return []
    return list(db.session.scalars(
        sa.select(Report).where(Report.organization_id.in_([o.id for o in orgs]),
                                Report.state == ReportState.RETURNED)
        .options(sa.orm.joinedload(Report.period)).order_by(Report.updated_at.desc())))


def region_of_scope(scope: Scope | None = None) -> list[Region]:
    return list(db.session.scalars(scoped_select(Region, scope=scope)))


def reviewable_ids(rows: list[StatusRow], scope: Scope | None = None) -> set[int]:
    """Which of the listed organizations the user may accept or return (one query)."""
    ids = [r.organization.id for r in rows]
    if not ids:
        return set()
    stmt = scoped_select(Organization, Action.REVIEW, scope).where(Organization.id.in_(ids))
    return set(db.session.scalars(stmt.with_only_columns(Organization.id)))
