"""The report form reads before it takes the write lock (``portal.database.writes_last``):
when somebody else writes the report in between, nothing is lost and nothing is doubled.

Somebody else is another connection that writes while the request is between its reads and
its writes. Its own database, without the per-test rollback, on the suite's backend.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.reports import queries
from portal.reports.models import AuditEntry, Report, ReportValue
from tenants.models import Role
from tests.conftest import migrated_app
from tests.factories import Factory
from tests.report_helpers import GOOD_VALUES, form_data, setup_region

OTHERS = "written meanwhile"


@pytest.fixture(scope="module")
def races(databases):
    url = databases.new_database("portal_races")
    app = migrated_app(url)
    other = sa.create_engine(url)
    yield app, other
    other.dispose()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def school(races):
    """A new school with its curator logged in, and the URL of its report."""
    app, _other = races
    with app.app_context():
        factory = Factory()
        _region, _m, org, _c, period = setup_region(factory)
        curator = factory.user(Role.CURATOR, org)
        db.session.commit()
        login, url, org_id = curator.login, f"/organizations/{org.id}/reports/{period.id}", org.id
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"login": login, "password": Factory.PASSWORD}
                       ).status_code == 302
    return client, url, org_id


def _meanwhile(monkeypatch, other, statement: str, org_id: int) -> list:
    """Run ``statement`` on another connection once, just after the request read the report
    (and before its first write)."""
    done: list = []
    real = queries.report_for

    def read_then_interfere(*args):
        found = real(*args)
        if not done:
            with other.begin() as connection:
                connection.execute(sa.text(statement), {"org": org_id})
            done.append(True)
        return found

    monkeypatch.setattr(queries, "report_for", read_then_interfere)
    return done


def _state(app, org_id: int) -> dict:
    with app.app_context():
        report = db.session.scalars(sa.select(Report).filter_by(organization_id=org_id)).one()
        values = {v.indicator.code: v.raw for v in report.values}
        audit = [(a.action, a.field, a.new) for a in db.session.scalars(
            sa.select(AuditEntry).filter_by(report_id=report.id).order_by(AuditEntry.id))]
        state = {"version": report.version, "comment": report.comment, "values": values,
                 "audit": audit}
        db.session.remove()
    return state


BUMP = (f"UPDATE reports SET version = version + 1, comment = '{OTHERS}' "
        "WHERE organization_id = :org")


def test_a_save_that_lost_the_race_is_done_once_more_and_only_once(races, school, monkeypatch):
    app, other = races
    client, url, org_id = school
    assert client.post(url, data=form_data(GOOD_VALUES, action="save")).status_code == 302
    before = _state(app, org_id)
    done = _meanwhile(monkeypatch, other, BUMP, org_id)
    changed = {**GOOD_VALUES, "staff_total": "61", "meetings_held": "31"}
    response = client.post(url, data=form_data(changed, action="save", comment=OTHERS))
    after = _state(app, org_id)
    assert done and response.status_code == 302
    assert after["values"] == changed
    assert after["audit"][len(before["audit"]):] == [  # once each: the lost attempt left none
        ("value", "staff_total", "61"), ("value", "meetings_held", "31")]
    assert after["version"] == before["version"] + 2  # the other write, then ours


def test_a_save_from_a_form_older_than_the_other_write_is_refused(races, school, monkeypatch):
    app, other = races
    client, url, org_id = school
    assert client.post(url, data=form_data(GOOD_VALUES, action="save")).status_code == 302
    before = _state(app, org_id)
    _meanwhile(monkeypatch, other, BUMP, org_id)
    response = client.post(url, data=form_data({**GOOD_VALUES, "staff_total": "61"},
                                               action="save", version=before["version"]))
    after = _state(app, org_id)
    assert response.status_code == 409
    assert "его сохранил другой пользователь" in response.get_data(as_text=True)
    assert after["values"] == before["values"] and after["audit"] == before["audit"]
    assert after["comment"] == OTHERS  # the other write stands


def test_a_first_save_racing_another_first_save_lands_on_the_one_report(
        races, school, monkeypatch):
    app, other = races
    client, url, org_id = school
    insert = ("INSERT INTO reports (organization_id, period_id, state, version, comment, "
              "review_comment, explanations, created_at, updated_at) "
              f"SELECT :org, id, 'draft', 1, '{OTHERS}', '', '{{}}', "
              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM periods WHERE region_id = "
              "(SELECT m.region_id FROM organizations o JOIN municipalities m "
              "ON m.id = o.municipality_id WHERE o.id = :org)")
    done = _meanwhile(monkeypatch, other, insert, org_id)
    response = client.post(url, data=form_data(GOOD_VALUES, action="save"))
    after = _state(app, org_id)
    assert done and response.status_code == 302
    assert after["values"] == GOOD_VALUES
    assert sorted(a[1] for a in after["audit"] if a[0] == "value") == sorted(GOOD_VALUES)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).filter_by(
            organization_id=org_id)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportValue)) >= len(
            GOOD_VALUES)
        db.session.remove()
