"""Dashboards without data show an empty state, never an error: an empty database (no
periods), a region whose reports are not accepted, an indicator nobody reported, a filter
that selects no organization - for every dashboard, chart and export format."""

from __future__ import annotations

import pytest

from dashboards.institution import InstitutionView
from dashboards.municipal import MunicipalDashboard
from dashboards.regional import RegionalDashboard
from portal.extensions import db
from portal.reports import operations, period_operations
from portal.reports.models import ReportState
from tenants.models import Organization, OrganizationType, Region, Role, Subordination
from tests.report_helpers import GOOD_VALUES

# A count, a mean score, a percentage and a ratio (derived): every kind of metric.
INDICATORS = ["", "staff_total", "satisfaction_mentees", "students_passed_pct",
              "mentee_coverage", "mentor_load"]
FILTERS = [f"indicator={i}" for i in INDICATORS] + [
    "submitted=1", "type=kindergarten", "type=additional", "type=college",
    "type=kindergarten&submitted=1&indicator=mentor_load", "orgs=999999", "period=999999"]
EXPORT_FILTERS = {"indicator=", "indicator=mentor_load",
                  "type=kindergarten&submitted=1&indicator=mentor_load"}
DASHBOARDS = [("regional", "/dashboards/regions/{region}", RegionalDashboard, "regional"),
              ("municipal", "/dashboards/municipalities/{municipality}", MunicipalDashboard,
               "municipal"),
              ("institution", "/dashboards/organizations/{school}", InstitutionView, "curator")]


def _land(factory, *, periods: bool):
    """A region with a school and a regional college; with ``periods``, a quarter in which the
    school has a draft and the college a submitted (not accepted) report."""
    region = factory.region("Край-EMPTY")
    municipality = factory.municipality(region, "Район-EMPTY")
    school = factory.organization(municipality, name="Школа-EMPTY")
    college = factory.organization(municipality, name="Техникум-EMPTY",
                                   type=OrganizationType.COLLEGE,
                                   subordination=Subordination.REGIONAL)
    if periods:
        period = period_operations.open_period(region, 2026, 2)
        for org, state in ((school, ReportState.DRAFT), (college, ReportState.SUBMITTED)):
            report = operations.ensure_report(org, period)
            operations.save_values(report, GOOD_VALUES, user=None, source="form")
            report.state = state
    users = {"regional": factory.user(Role.REGIONAL, region),
             "municipal": factory.user(Role.MUNICIPAL, municipality),
             "curator": factory.user(Role.CURATOR, school)}
    ids = {"region": region.id, "municipality": municipality.id, "school": school.id}
    return ids, users


def _walk(client, ids, users, periods: bool) -> dict[tuple[str, str], str]:
    """Every dashboard under every filter (and every export of every chart under a few):
    the pages by (dashboard, filter). Without a period there is no chart to export: 404."""
    pages = {}
    for name, path, view, who in DASHBOARDS:
        client.login(users[who])
        base = path.format(**ids)
        for query in FILTERS:
            response = client.get(f"{base}?{query}")
            assert response.status_code == 200, (base, query, response.status_code)
            pages[name, query] = response.get_data(as_text=True)
            for key in view.chart_keys if query in EXPORT_FILTERS else ():
                for fmt in ("csv", "xlsx"):
                    export = client.get(f"{base}/export?{query}&chart={key}&format={fmt}")
                    assert export.status_code == (200 if periods else 404), (base, query, key)
        client.post_form("/logout")
    return pages


@pytest.mark.parametrize("periods", [False, True], ids=["no-period", "no-accepted-report"])
def test_dashboards_without_counted_data_show_an_empty_state(client, factory, periods):
    ids, users = _land(factory, periods=periods)
    pages = _walk(client, ids, users, periods)
    marker = "Нет данных для выбранных условий" if periods else "Отчётных периодов пока нет"
    for (name, query), page in pages.items():
        if "submitted=1" not in query:  # the college's submitted report counts there
            assert marker in page, (name, query)


def test_an_empty_database_answers_the_dashboards_index(client, factory):
    client.login(factory.user(Role.ADMIN))
    assert client.get("/dashboards").status_code == 200


def test_an_indicator_nobody_reported_shows_an_empty_state(client, factory):
    """Accepted reports, but none has the chosen indicator: its charts say so."""
    ids, users = _land(factory, periods=False)
    region_period = period_operations.open_period(
        db.session.get(Region, ids["region"]), 2026, 2)
    school = db.session.get(Organization, ids["school"])
    report = operations.ensure_report(school, region_period)
    values = {k: v for k, v in GOOD_VALUES.items() if k != "satisfaction_mentees"}
    operations.save_values(report, values, user=None, source="form")
    report.state = ReportState.ACCEPTED
    db.session.flush()
    for _name, path, view, who in DASHBOARDS:
        client.login(users[who])
        base = path.format(**ids)
        empty = client.get(f"{base}?indicator=satisfaction_mentees").get_data(as_text=True)
        assert "Нет данных для выбранных условий" in empty, base
        for key in view.chart_keys:
            export = client.get(f"{base}/export?indicator=satisfaction_mentees&chart={key}")
            assert export.status_code == 200, (base, key)
        client.post_form("/logout")
