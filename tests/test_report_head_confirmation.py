"""Head confirmation cannot strand a report (issue 9, item 8).

Before the setting is switched on the periods page says how many organizations have no
head account; the curator withdraws a report waiting for the head; the reviewing level sees
the waiting reports (and which have nobody to confirm them) on the status page and can return
them; switching the setting off sends them on to review, each with its audit row.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.reports import period_operations
from portal.reports.models import AuditEntry, Report, ReportState
from tenants.models import Role
from tests.report_helpers import GOOD_VALUES, form_data, setup_region


def _url(org, period):
    return f"/organizations/{org.id}/reports/{period.id}"


def _report(org, period) -> Report:
    return db.session.scalars(sa.select(Report).filter_by(organization_id=org.id,
                                                          period_id=period.id)).one()


def _waiting(client, factory, region, org, period):
    """A report the curator submitted in a region that asks for the head's confirmation."""
    region.requires_head_confirmation = True
    db.session.flush()
    client.login(factory.user(Role.CURATOR, org))
    client.post_form(_url(org, period), form_data(GOOD_VALUES, action="submit", version=""),
                     token_from=_url(org, period))
    client.post_form("/logout")
    report = _report(org, period)
    assert report.state is ReportState.AWAITING_HEAD
    return report


def _states(report_id: int) -> list[tuple[str, str, str]]:
    return [(e.old, e.new, e.user_id is not None) for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.report_id == report_id,
                                    AuditEntry.action == "state").order_by(AuditEntry.id))]


def test_the_periods_page_counts_the_organizations_without_a_head(client, factory):
    region, municipality, school, college, _period = setup_region(factory)
    closed = factory.organization(municipality, active=False)  # not counted: it reports nothing
    factory.user(Role.HEAD, school)
    gone = factory.user(Role.HEAD, factory.organization(municipality))
    gone.active = False  # a deactivated head confirms nothing
    factory.user(Role.HEAD, factory.organization(factory.municipality()))  # another region
    client.login(factory.user(Role.REGIONAL, region))
    page = client.get(f"/regions/{region.id}/periods").get_data(as_text=True)
    # the college, the organization whose head left; not the school, not the closed one
    assert "Организаций без учётной записи руководителя: 2." in page
    factory.user(Role.HEAD, college)
    assert closed.is_active is False
    page = client.get(f"/regions/{region.id}/periods").get_data(as_text=True)
    assert "Организаций без учётной записи руководителя: 1." in page


def test_the_curator_withdraws_a_report_waiting_for_the_head(client, factory):
    region, _m, school, _c, period = setup_region(factory)
    report = _waiting(client, factory, region, school, period)
    curator = factory.user(Role.CURATOR, school)
    client.login(curator)
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert 'data-testid="withdraw"' in page
    response = client.post_form(f"/reports/{report.id}/withdraw", token_from=_url(school, period))
    assert response.status_code == 302
    withdrawn = _report(school, period)
    assert withdrawn.state is ReportState.DRAFT
    assert _states(report.id)[-1] == ("awaiting_head", "draft", True)
    # a draft again: it can be corrected and submitted again
    client.post_form(_url(school, period), form_data({**GOOD_VALUES, "mentors": "7"},
                                                     action="submit", version=withdrawn.version),
                     token_from=_url(school, period))
    assert _report(school, period).state is ReportState.AWAITING_HEAD


def test_withdrawn_in_a_closed_period_the_report_can_still_be_submitted(client, factory):
    region, _m, school, _c, period = setup_region(factory)
    report = _waiting(client, factory, region, school, period)
    period_operations.close_period(period)
    client.login(factory.user(Role.CURATOR, school))
    client.post_form(f"/reports/{report.id}/withdraw", token_from=_url(school, period))
    assert _report(school, period).state is ReportState.RETURNED


def test_only_a_waiting_report_is_withdrawn_and_only_by_its_curator(client, factory):
    region, municipality, school, _c, period = setup_region(factory)
    report = _waiting(client, factory, region, school, period)
    before = _states(report.id)
    client.login(factory.user(Role.MUNICIPAL, municipality))  # reviews, does not edit
    assert client.post_form(f"/reports/{report.id}/withdraw",
                            token_from="/").status_code in (403, 404)
    client.post_form("/logout")
    client.login(factory.user(Role.HEAD, school))
    client.post_form(f"/reports/{report.id}/confirm", token_from=_url(school, period))
    client.post_form("/logout")
    client.login(factory.user(Role.CURATOR, school))
    response = client.post_form(f"/reports/{report.id}/withdraw", token_from=_url(school, period))
    assert response.status_code == 302
    assert _report(school, period).state is ReportState.SUBMITTED  # confirmed: not withdrawn
    assert len(_states(report.id)) == len(before) + 1  # only the confirmation


def test_switching_the_setting_off_sends_the_waiting_reports_to_review(client, factory):
    region, municipality, school, _c, period = setup_region(factory)
    other = factory.organization(municipality)
    reports = [_waiting(client, factory, region, org, period) for org in (school, other)]
    _r2, _m2, foreign_school, _c2, foreign_period = setup_region(factory)
    foreign = _waiting(client, factory, _r2, foreign_school, foreign_period)
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/periods"
    response = client.post_form(f"/regions/{region.id}/head-confirmation", token_from=page,
                                follow_redirects=True)
    assert "2 отчёта, ожидавших руководителя, переданы на проверку." in response.get_data(
        as_text=True)
    for report in reports:
        db.session.refresh(report)
        assert report.state is ReportState.SUBMITTED
        assert _states(report.id)[-1] == ("awaiting_head", "submitted", True)
    db.session.refresh(foreign)
    assert foreign.state is ReportState.AWAITING_HEAD  # another region's setting is its own


def test_the_reviewing_level_sees_and_returns_the_waiting_reports(client, factory):
    region, municipality, school, _c, period = setup_region(factory)
    headed = factory.organization(municipality)
    factory.user(Role.HEAD, headed)
    _waiting(client, factory, region, school, period)
    _waiting(client, factory, region, headed, period)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    url = f"/municipalities/{municipality.id}/periods/{period.id}/status"
    page = client.get(url).get_data(as_text=True)
    assert "Отчётов ждут подтверждения руководителя: 2." in page
    assert "Из них организаций без учётной записи руководителя: 1." in page
    row = page[page.index(f'data-org="{school.code}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="no-head"' in row and "#return-comment" in row
    headed_row = page[page.index(f'data-org="{headed.code}"'):]
    assert 'data-testid="no-head"' not in headed_row[:headed_row.index("</tr>")]
    report = _report(school, period)
    form = client.get(_url(school, period)).get_data(as_text=True)
    assert 'id="return-comment"' in form
    client.post_form(f"/reports/{report.id}/return", {"comment": "Нет руководителя."},
                     token_from=_url(school, period))
    assert _report(school, period).state is ReportState.RETURNED
