"""Tenant-owned objects of the reports module for the isolation walk (tests/test_isolation.py)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.catalogue.models import Indicator
from portal.documents import storage
from portal.extensions import db
from portal.reports.models import Period, Report, ReportState, ReportValue
from portal.reports.period_operations import open_period
from tests.document_files import pdf


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


def _value(factory, org):
    """An evidence-like value with a file of its own, in the organization's report."""
    report = _report(factory, org)
    indicator = db.session.scalars(sa.select(Indicator).join(
        Period, Period.form_version_id == Indicator.form_version_id)
        .where(Period.id == report.period_id).order_by(Indicator.id)).first()
    value = db.session.scalar(sa.select(ReportValue).filter_by(report_id=report.id,
                                                              indicator_id=indicator.id))
    if value is None:
        checked = storage.CheckedFile(pdf("evidence of the isolation walk"), "evidence.pdf",
                                      storage.PDF)
        value = ReportValue(report=report, indicator=indicator, raw="да", value=1,
                            storage_name=storage.store(checked, org.id),
                            filename="evidence.pdf", content_type=storage.PDF.mimetype)
        db.session.add(value)
        db.session.flush()
    return value


BUILDERS = {"report_id": _report, "period_id": _period, "value_id": _value}
