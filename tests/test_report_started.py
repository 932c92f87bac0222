"""A draft started by the transaction: made only while its period is open as stored, and
its first save trusts what it inserted while later saves lock and re-read as usual."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.reports import operations, started
from portal.reports.models import AuditEntry, Period, Report
from tests.report_helpers import setup_region


def test_a_period_closed_after_it_was_loaded_starts_no_report(factory):
    _r, _m, school, college, period = setup_region(factory)
    # Another request closed it: the loaded object still says open.
    db.session.execute(sa.update(Period).where(Period.id == period.id).values(is_open=False),
                       execution_options={"synchronize_session": False})
    assert period.is_open
    with pytest.raises(operations.ReportError, match="закрыт"):
        operations.start_reports([school.id, college.id], period)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_drafts_start_in_one_insert_for_every_organization(factory):
    _r, _m, school, college, period = setup_region(factory)
    reports = operations.start_reports([school.id, college.id], period)
    assert {org_id: (r.period_id, r.version, r.values) for org_id, r in reports.items()} == {
        school.id: (period.id, 1, []), college.id: (period.id, 1, [])}


def test_only_the_first_save_of_a_started_draft_skips_the_re_read(factory, count_queries):
    _r, _m, school, _c, period = setup_region(factory)
    report = operations.start_reports([school.id], period)[school.id]
    with count_queries() as first:
        operations.save_values(report, {"staff_total": "50"}, user=None, source="form",
                               validated=False)
    with count_queries() as second:
        operations.save_values(report, {"staff_total": "51"}, user=None, source="form",
                               validated=False)
    locking = [s for s in first + second if "FROM reports JOIN periods" in " ".join(s.split())]
    assert len(locking) == 1 and any("FROM reports JOIN periods" in " ".join(s.split())
                                     for s in second)
    assert report.version == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.report_id == report.id)) == 2


def test_a_stale_version_of_a_started_draft_is_refused(factory):
    _r, _m, school, _c, period = setup_region(factory)
    report = operations.start_reports([school.id], period)[school.id]
    with pytest.raises(operations.ConflictError):
        operations.save_values(report, {"staff_total": "50"}, user=None, source="form",
                               expected_version=7)


def test_what_a_rolled_back_savepoint_started_is_forgotten(factory):
    _r, _m, school, _c, period = setup_region(factory)
    savepoint = db.session.begin_nested()
    report_id = operations.start_reports([school.id], period)[school.id].id
    savepoint.rollback()
    assert started.take_started([report_id]) == {}
