"""The demo organizations' latest quarterly reports agree with their registers.

The register (portal/demo/mentoring.py) is built from each organization's latest report, but
a register cannot hold everything a typed report may say (a mentee has one category; the
programmes of the demo all run; the satisfaction means come from the questionnaires). So,
once the register, the programmes and the monitoring are loaded, the items that the
register fills take its values in that report, stored as kept from the register at the
last save (no reason): the curator's form shows them «из реестра», following the register.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.catalogue import queries as catalogue_queries
from portal.extensions import db
from portal.reports import prefill
from portal.reports.models import Period, Report, ReportValue
from tenants.models import Municipality, Organization, Region


def _latest_report(org: Organization) -> Report | None:
    return db.session.scalars(
        sa.select(Report).join(Period).where(Report.organization_id == org.id)
        .order_by(Period.starts_on.desc())).first()


def _align(report: Report) -> None:
    org = report.organization
    indicators = catalogue_queries.indicators_for(report, org.type)
    values = prefill.prefill_for(indicators, org, report.period)
    if not values:
        return
    ids = {i.code: i.id for i in indicators}
    rows = {v.indicator_id: v for v in report.values}
    for code, value in values.items():
        row = rows.get(ids[code])
        if row is None:
            report.values.append(ReportValue(indicator_id=ids[code], raw=prefill.as_typed(value),
                                             value=value))
        else:
            row.raw, row.value = prefill.as_typed(value), value
    report.register_values = {code: {"register": prefill.as_typed(value)}
                              for code, value in values.items()}


def align_reports(region: Region) -> None:
    """Give the register's values to the latest report of every organization with a
    register in ``region`` (flushes only)."""
    orgs = db.session.scalars(
        sa.select(Organization).join(Municipality)
        .where(Municipality.region_id == region.id, Organization.is_active)
        .order_by(Organization.code))
    for org in orgs:
        report = _latest_report(org)
        if report is not None:
            _align(report)
    db.session.flush()
