"""The synthetic region of ``portal.demo.synthetic`` and ``flask demo --scale``."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import User
from portal.catalogue.models import Indicator
from portal.demo import DEMO_PASSWORD
from portal.demo.synthetic import build_region
from portal.extensions import db
from portal.reports.models import Period, Report, ReportState, ReportValue
from tenants.models import Municipality, Organization, Subordination


def _values(region_id: int) -> dict[tuple[str, str, str], float]:
    """code of organization, quarter, indicator → value, for comparing two builds."""
    rows = db.session.execute(
        sa.select(Organization.code, Period.year, Period.quarter, Indicator.code,
                  ReportValue.value)
        .join(Report, Report.organization_id == Organization.id)
        .join(Period, Period.id == Report.period_id)
        .join(ReportValue, ReportValue.report_id == Report.id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(Period.region_id == region_id)).all()
    return {(org.split("-")[-1], f"{y}Q{q}", code): float(v) for org, y, q, code, v in rows}


def test_synthetic_region_has_the_requested_shape_and_follows_the_rules(database):
    info = build_region(99, quarters=4, seed=7, last_quarter=(2026, 2))
    assert (info.municipalities, info.organizations, info.periods) == (3, 99, 4)
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    assert count(Municipality) == 3 and count(Organization) == 99 and count(Period) == 4
    assert count(Report) == info.reports and count(ReportValue) == info.values
    assert info.values > 99 * 4 * 30 * 0.8
    colleges = db.session.scalars(sa.select(Organization.subordination).where(
        Organization.type == "college")).all()
    assert colleges and set(colleges) == {Subordination.REGIONAL}
    newest = db.session.scalars(sa.select(Report.state).join(Period).where(
        Period.year == 2026, Period.quarter == 2)).all()
    assert {ReportState.ACCEPTED, ReportState.SUBMITTED, ReportState.DRAFT} <= set(newest)
    values = _values(info.region_id)
    by_report: dict = {}
    for (org, quarter, code), value in values.items():
        by_report.setdefault((org, quarter), {})[code] = value
    for numbers in by_report.values():
        assert numbers["mentors"] <= numbers["staff_total"]
        assert numbers["mentees_young"] <= numbers["young_specialists"]
        assert numbers["pairs_groups"] <= numbers["mentees"]
        assert sum(v for k, v in numbers.items() if k.startswith("pairs_by_form.")) == \
            numbers["pairs_groups"]
        assert sum(v for k, v in numbers.items() if k.startswith("pairs_by_type.")) == \
            numbers["pairs_groups"]
        assert 1 <= numbers["satisfaction_mentees"] <= 10


def test_synthetic_region_is_deterministic_by_seed(database):
    first = build_region(40, quarters=2, seed=11, code="DET-A")
    second = build_region(40, quarters=2, seed=11, code="DET-B")
    third = build_region(40, quarters=2, seed=12, code="DET-C")
    assert _values(first.region_id) == _values(second.region_id)
    assert _values(first.region_id) != _values(third.region_id)


def test_demo_scale_command(app, database):
    result = app.test_cli_runner().invoke(args=["demo", "--scale", "66"])
    assert result.exit_code == 0, result.output
    assert "scale.region" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 66
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == 2
    user = db.session.scalars(sa.select(User).filter_by(login="scale.region")).one()
    assert user.check_password(DEMO_PASSWORD)
    again = app.test_cli_runner().invoke(args=["demo", "--scale", "66"])
    assert again.exit_code != 0 and "SYN2026-66" in again.output
