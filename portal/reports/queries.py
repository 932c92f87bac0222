"""Reads of the reports module; tenant data always through the scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal import rules
from portal.catalogue.definition import Periodicity
from portal.catalogue.models import Indicator
from portal.clock import utcnow
from portal.extensions import db
from portal.memo import MEMO_SOURCES, memoized
from portal.reports.models import AuditEntry, Period, Report, ReportState, ReportValue
from tenants.models import Organization
from tenants.scoping import Scope, scoped_select

MEMO_SOURCES.add(Period)  # the previous quarter's values depend on the periods


def report_for(org: Organization, period: Period) -> Report | None:
    """The organization's report for the period, with its values, in one query."""
    return db.session.scalars(sa.select(Report).filter_by(
        organization_id=org.id, period_id=period.id)
        .options(sa.orm.joinedload(Report.values))).unique().first()


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
    """The organization's numbers of the previous quarter (empty if it did not report).

    One query, read once per request (the form, the save and the checks all need them).
    """
    return dict(memoized(("previous", org.id, period.id),
                         lambda: _previous_values(org, period)))


def _previous_values(org: Organization, period: Period) -> dict[str, Decimal]:
    rows = db.session.execute(
        sa.select(Indicator.code, ReportValue.value)
        .join(ReportValue.indicator).join(ReportValue.report).join(Report.period)
        .where(Report.organization_id == org.id,
               Period.id == _previous(period, Period.id).correlate(None).scalar_subquery(),
               ReportValue.value.is_not(None))).all()
    return {code: value for code, value in rows}


def _previous(period: Period, *columns: Any) -> sa.Select:
    """SQL: the period of the same form just before ``period``: the one ending the day before
    it starts, or, for one-off collections, the latest one before it."""
    stmt = sa.select(*columns).where(Period.form_id == period.form_id,
                                     Period.ends_on < period.starts_on)
    # A quarter is known periodic without reading its form.
    if period.quarter is not None or period.form.periodicity != Periodicity.ONE_OFF:
        stmt = stmt.where(Period.ends_on == period.starts_on - timedelta(days=1))
    return stmt.order_by(Period.ends_on.desc()).limit(1)


def previous_period(period: Period) -> Period | None:
    """The period of the same form just before ``period`` (see :func:`_previous`)."""
    return db.session.scalars(_previous(period, Period)).first()


def periods_of(region_id: int, scope: Scope | None = None) -> list[Period]:
    stmt = scoped_select(Period, scope=scope).where(Period.region_id == region_id)
    return list(db.session.scalars(stmt.order_by(Period.starts_on.desc(), Period.id.desc())))


def history(report: Report) -> list[AuditEntry]:
    stmt = (sa.select(AuditEntry).where(AuditEntry.report_id == report.id)
            .options(sa.orm.joinedload(AuditEntry.user))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    return list(db.session.scalars(stmt))


# -- the municipal status page ---------------------------------------------------------------

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
        .order_by(Period.starts_on.desc(), Period.id.desc())))
    reports = {(r.organization_id, r.period_id): r for r in db.session.scalars(
        sa.select(Report).where(Report.organization_id.in_([o.id for o in orgs]),
                                Report.period_id.in_([p.id for p in periods] or [-1])))}
    reportings = [(p, rules.reporting(p)) for p in periods]
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
