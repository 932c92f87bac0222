"""The municipal status page, the regional summary, periods and the catalogue."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import Indicator
from portal.extensions import db
from portal.reports import operations, queries
from portal.reports.models import Period, Report, ReportState
from portal.status import queries as status_queries
from tenants.models import OrganizationType, Role
from tenants.scoping import Scope
from tests.report_helpers import setup_region


def _report(org, period, state, submitted: datetime | None = None):
    report = Report(organization=org, period=period, state=state, explanations={},
                    first_submitted_at=submitted, submitted_at=submitted)
    db.session.add(report)
    db.session.flush()
    return report


def test_status_counts_and_rates_exclude_closed_organizations(client, factory):
    region, municipality, school, college, period = setup_region(factory, 2026, 1)
    on_time, late = datetime(2026, 4, 5), datetime(2026, 4, 20)
    second = factory.organization(municipality, name="Вторая школа")
    third = factory.organization(municipality, name="Третья школа")
    closed = factory.organization(municipality, name="Закрытая школа", active=False)
    _report(school, period, ReportState.ACCEPTED, on_time)
    _report(second, period, ReportState.SUBMITTED, late)
    _report(closed, period, ReportState.SUBMITTED, on_time)  # closed: never expected
    client.login(factory.user(Role.MUNICIPAL, municipality))
    page = client.get(f"/municipalities/{municipality.id}/periods/{period.id}/status")
    html = page.get_data(as_text=True)
    rows = status_queries.status_rows(period, municipality=municipality, scope=Scope.system("the test reads every organization"))
    summary = status_queries.summarize(rows, period)
    assert (summary.expected, summary.submitted, summary.on_time, summary.accepted) == (3, 2, 1, 1)
    assert round(summary.completeness, 1) == 66.7 and round(summary.timeliness, 1) == 33.3
    assert 'data-count="expected">3<' in html and "Закрытая школа" not in html
    assert "Техникум-REPORTS" not in html  # regionally subordinate: the region's business
    assert "отправлен с опозданием" in html and third.short_name in html


def test_status_filter_by_type_and_state(client, factory):
    # A period whose deadline lies ahead: a draft is still a draft, not late.
    region, municipality, school, _college, period = setup_region(factory, 2040, 1)
    garden = factory.organization(municipality, name="Детсад-FILTER",
                                  type=OrganizationType.KINDERGARTEN)
    _report(garden, period, ReportState.DRAFT)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    url = f"/municipalities/{municipality.id}/periods/{period.id}/status"
    by_type = client.get(url + "?type=kindergarten").get_data(as_text=True)
    assert "Детсад-FILTER" in by_type and "Школа-REPORTS" not in by_type
    by_state = client.get(url + "?status=draft").get_data(as_text=True)
    assert "Детсад-FILTER" in by_state and "Школа-REPORTS" not in by_state


def test_status_page_of_300_organizations_uses_a_bounded_number_of_queries(
        client, factory, count_queries):
    region, municipality, _school, _college, period = setup_region(factory)
    orgs = [factory.organization(municipality, name=f"Школа {n}") for n in range(300)]
    for n, org in enumerate(orgs[:200]):
        _report(org, period, [ReportState.DRAFT, ReportState.SUBMITTED, ReportState.ACCEPTED][n % 3],
                datetime(2026, 10, 1) if n % 3 else None)
    coordinator = factory.user(Role.MUNICIPAL, municipality)
    client.login(coordinator)
    url = f"/municipalities/{municipality.id}/periods/{period.id}/status"
    client.get(url)  # warm-up: nothing cached between requests, but imports and templates are
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200 and response.get_data(as_text=True).count("data-org=") == 301
    assert len(statements) <= 12, statements


def test_regional_status_groups_municipalities_and_regional_organizations(client, factory):
    region, municipality, school, college, period = setup_region(factory)
    _report(college, period, ReportState.SUBMITTED, datetime(2026, 10, 5))
    client.login(factory.user(Role.REGIONAL, region))
    html = client.get(f"/regions/{region.id}/periods/{period.id}/status").get_data(as_text=True)
    assert municipality.name in html and "Техникум-REPORTS" in html
    assert f"/reports/{queries.report_for(college, period).id}/accept" in html


def test_status_pages_list_a_one_off_collection_beside_the_quarters(client, factory):
    """A one-off collection has no year nor quarter: the period list sorts by dates (it
    answered 500 when it sorted by year and quarter)."""
    from portal.catalogue import operations as catalogue
    from portal.catalogue.definition import Periodicity
    from portal.reports import period_operations

    region, municipality, _school, _college, period = setup_region(factory)
    form = catalogue.create_form(region, code="once", name_ru="Наличие", name_en="Presence",
                                 periodicity=Periodicity.ONE_OFF, applies_to=["school"])
    once = period_operations.open_collection(form, (date(2026, 7, 1),) * 2)
    client.login(factory.user(Role.REGIONAL, region))
    for shown in (period, once):
        page = client.get(f"/regions/{region.id}/periods/{shown.id}/status")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"/periods/{period.id}/status" in html and f"/periods/{once.id}/status" in html


def test_regional_coordinator_opens_and_closes_periods_with_default_dates(client, factory):
    region, municipality, *_ = setup_region(factory)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    assert client.post_form(f"/regions/{region.id}/periods", {"year": 2027, "quarter": 1},
                            token_from="/").status_code == 404  # not their region's page
    client.post_form("/logout")
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/periods"
    client.post_form(page, {"year": 2027, "quarter": 1}, token_from=page)
    period = db.session.scalars(sa.select(Period).filter_by(region_id=region.id, year=2027)).one()
    assert (period.opens_on, period.deadline, period.is_open) == (date(2027, 3, 1),
                                                                  date(2027, 4, 10), True)
    assert period.school_year == 2026
    client.post_form(f"/periods/{period.id}/toggle", token_from=page)
    assert db.session.get(Period, period.id).is_open is False


def test_retired_indicator_leaves_new_forms_but_keeps_history(client, factory):
    region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.ADMIN))  # issue 10: the shared catalogue is the admin's
    client.post_form("/catalogue", {"code": "mentors_online", "label_ru": "Наставники онлайн",
                                    "label_en": "Online mentors", "unit": "count",
                                    "section": "participants", "applies_to": ["school"]},
                     token_from="/catalogue")
    added = db.session.scalars(sa.select(Indicator).filter_by(code="mentors_online")).one()
    template = catalogue_queries.template_version_id()
    assert added in catalogue_queries.indicators_for(template, OrganizationType.SCHOOL)
    assert added not in catalogue_queries.indicators_for(template, OrganizationType.COLLEGE)
    client.post_form(f"/catalogue/{added.id}/retire", token_from="/catalogue")
    assert added not in catalogue_queries.indicators_for(template, OrganizationType.SCHOOL)
    assert added in catalogue_queries.indicators_for(template, OrganizationType.SCHOOL, include_retired=True)


def test_curators_cannot_change_the_catalogue(client, factory):
    _region, _m, school, _c, _period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    indicator = db.session.scalars(sa.select(Indicator)).first()
    assert client.post_form(f"/catalogue/{indicator.id}/retire",
                            token_from="/catalogue").status_code == 403
    assert client.post_form("/catalogue", {"code": "x1", "label_ru": "x", "label_en": "x",
                                           "unit": "count", "section": "staff",
                                           "applies_to": ["school"]},
                            token_from="/catalogue").status_code == 403


def test_curator_home_shows_what_is_due(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    html = client.get("/").get_data(as_text=True)
    assert "Отчёты к сдаче" in html and period.label in html and "Срок сдачи: 10 октября 2026" in html


def test_demo_reports_are_consistent(app, database):
    from portal.demo import load_demo

    load_demo()
    reports = db.session.scalars(sa.select(Report).where(
        Report.state.in_([ReportState.SUBMITTED, ReportState.ACCEPTED]))).all()
    assert len(reports) > 100
    assert {r.state for r in db.session.scalars(sa.select(Report))} >= {
        ReportState.DRAFT, ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.RETURNED}
    for report in reports:
        assert operations.validate(report).errors == [], report


def test_regional_coordinator_switches_head_confirmation(client, factory):
    region, municipality, *_ = setup_region(factory)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    assert client.post_form(f"/regions/{region.id}/head-confirmation",
                            token_from="/").status_code == 404
    client.post_form("/logout")
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/periods"
    client.post_form(f"/regions/{region.id}/head-confirmation", token_from=page)
    assert db.session.get(type(region), region.id).requires_head_confirmation is True
    assert "Не требовать подтверждения руководителя" in client.get(page).get_data(as_text=True)
