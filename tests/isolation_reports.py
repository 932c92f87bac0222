"""Tenant-owned objects of the reports module for the isolation walk (tests/test_isolation.py)."""

from __future__ import annotations

from portal.extensions import db
from portal.reports.models import Report, ReportState
from portal.reports.period_operations import open_period


def _period(factory, org):
    return open_period(org.municipality.region, 2026, 2)


def _report(factory, org):
    period = _period(factory, org)
    report = db.session.query(Report).filter_by(organization_id=org.id, period_id=period.id).first()
    if report is None:
        report = Report(organization=org, period=period, state=ReportState.SUBMITTED,
                        explanations={}, comment=f"COMMENT-OF-{org.name}")
        db.session.add(report)
        db.session.flush()
    return report


BUILDERS = {"report_id": _report, "period_id": _period}
