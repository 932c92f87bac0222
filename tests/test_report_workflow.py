"""The report form and workflow: draft → submitted → accepted / returned, locks, audit."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.reports.models import AuditEntry, Report, ReportState, ReportValue
from tenants.models import Role
from tests.report_helpers import GOOD_VALUES, form_data, setup_region


def _url(org, period):
    return f"/organizations/{org.id}/reports/{period.id}"


def _report(org, period) -> Report | None:
    return db.session.scalars(sa.select(Report).filter_by(organization_id=org.id,
                                                          period_id=period.id)).first()


def _post(client, org, period, values, action="save", version=None, **extra):
    report = _report(org, period)
    version = version if version is not None else (report.version if report else "")
    return client.post_form(_url(org, period), form_data(values, action=action, version=version,
                                                         **extra), token_from=_url(org, period))


def test_draft_keeps_invalid_typed_values_and_shows_errors_next_to_fields(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    response = _post(client, school, period, {**GOOD_VALUES, "staff_total": "шестьдесят"})
    assert response.status_code == 302
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert 'value="шестьдесят"' in page and "«шестьдесят» не является числом" in page
    stored = {v.indicator.code: v for v in _report(school, period).values}
    assert stored["staff_total"].raw == "шестьдесят" and stored["staff_total"].value is None
    assert stored["students_passed_pct"].value == 91.5


def test_submission_is_blocked_by_errors_but_the_draft_is_kept(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    response = _post(client, school, period, {**GOOD_VALUES, "mentors": "61"}, action="submit")
    assert response.status_code == 200
    assert "В отчёте есть ошибки" in response.get_data(as_text=True)
    report = _report(school, period)
    assert report.state is ReportState.DRAFT and len(report.values) == len(GOOD_VALUES)


def test_submit_once_even_on_a_double_click(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    curator = factory.user(Role.CURATOR, school)
    client.login(curator)
    _post(client, school, period, GOOD_VALUES)
    version = _report(school, period).version
    first = _post(client, school, period, GOOD_VALUES, action="submit", version=version)
    second = _post(client, school, period, GOOD_VALUES, action="submit", version=version)
    assert first.status_code == second.status_code == 302
    report = _report(school, period)
    assert report.state is ReportState.SUBMITTED and report.first_submitted_at is not None
    submits = db.session.scalars(sa.select(AuditEntry).filter_by(report_id=report.id,
                                                                 action="state")).all()
    assert [(a.old, a.new, a.user_id) for a in submits] == [("draft", "submitted", curator.id)]
    assert "Отчёт уже отправлен." in client.get(_url(school, period)).get_data(as_text=True)


def test_the_second_of_two_concurrent_saves_is_refused(client, factory, app):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, GOOD_VALUES)
    opened = _report(school, period).version  # both people opened the form at this version
    other = app.test_client()
    other.login(factory.user(Role.CURATOR, school))
    assert _post(other, school, period, {"staff_total": "61"}, version=opened).status_code == 302
    refused = _post(client, school, period, {"staff_total": "99"}, version=opened)
    assert refused.status_code == 409
    assert "его сохранил другой пользователь" in refused.get_data(as_text=True)
    assert _report(school, period).values and {
        v.indicator.code: v.raw for v in _report(school, period).values}["staff_total"] == "61"


def _submitted(client, factory, org, period):
    client.login(factory.user(Role.CURATOR, org))
    _post(client, org, period, GOOD_VALUES)
    _post(client, org, period, GOOD_VALUES, action="submit")
    client.post_form("/logout")
    return _report(org, period)


def test_municipal_coordinator_accepts_and_the_report_is_locked(client, factory):
    _region, municipality, school, _c, period = setup_region(factory)
    report = _submitted(client, factory, school, period)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    client.post_form(f"/reports/{report.id}/accept", token_from=_url(school, period))
    assert _report(school, period).state is ReportState.ACCEPTED
    client.post_form("/logout")
    client.login(factory.user(Role.CURATOR, school))
    locked = _post(client, school, period, {"staff_total": "1"})
    assert locked.status_code == 400 and "изменить его нельзя" in locked.get_data(as_text=True)
    assert {v.indicator.code: v.raw for v in _report(school, period).values}["staff_total"] == "60"


def test_return_needs_a_comment_and_the_curator_sees_it(client, factory):
    _region, municipality, school, _c, period = setup_region(factory)
    report = _submitted(client, factory, school, period)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    client.post_form(f"/reports/{report.id}/return", {"comment": "  "}, token_from=_url(school, period))
    assert _report(school, period).state is ReportState.SUBMITTED
    client.post_form(f"/reports/{report.id}/return", {"comment": "Уточните число пар."},
                     token_from=_url(school, period))
    assert _report(school, period).state is ReportState.RETURNED
    client.post_form("/logout")
    client.login(factory.user(Role.CURATOR, school))
    home = client.get("/").get_data(as_text=True)
    assert "Возвращено на доработку" in home and "Уточните число пар." in home
    _post(client, school, period, GOOD_VALUES, action="submit")
    assert _report(school, period).state is ReportState.SUBMITTED


def test_regional_college_is_reviewed_by_the_region_not_the_municipality(client, factory):
    region, municipality, _s, college, period = setup_region(factory)
    report = _submitted(client, factory, college, period)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    assert client.post_form(f"/reports/{report.id}/accept", token_from="/").status_code == 404
    client.post_form("/logout")
    client.login(factory.user(Role.REGIONAL, region))
    client.post_form(f"/reports/{report.id}/accept", token_from="/")
    assert _report(college, period).state is ReportState.ACCEPTED


def test_curator_and_head_cannot_accept(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    report = _submitted(client, factory, school, period)
    for role in (Role.CURATOR, Role.HEAD):
        client.login(factory.user(role, school))
        assert client.post_form(f"/reports/{report.id}/accept", token_from="/").status_code == 403
        client.post_form("/logout")
    assert _report(school, period).state is ReportState.SUBMITTED


def test_only_the_external_contour_reopens_an_accepted_report_with_a_reason(client, factory):
    _region, municipality, school, _c, period = setup_region(factory)
    report = _submitted(client, factory, school, period)
    coordinator = factory.user(Role.MUNICIPAL, municipality)
    client.login(coordinator)
    client.post_form(f"/reports/{report.id}/accept", token_from="/")
    client.post_form(f"/reports/{report.id}/reopen", {"comment": ""}, token_from="/")
    assert _report(school, period).state is ReportState.ACCEPTED
    client.post_form(f"/reports/{report.id}/reopen", {"comment": "Ошибка в численности."},
                     token_from="/")
    reopened = _report(school, period)
    assert reopened.state is ReportState.RETURNED and reopened.review_comment == "Ошибка в численности."


def test_head_confirmation_when_the_region_asks_for_it(client, factory):
    region, _m, school, _c, period = setup_region(factory)
    region.requires_head_confirmation = True
    report = _submitted(client, factory, school, period)
    assert report.state is ReportState.AWAITING_HEAD
    client.login(factory.user(Role.HEAD, school))
    client.post_form(f"/reports/{report.id}/confirm", token_from=_url(school, period))
    confirmed = _report(school, period)
    assert confirmed.state is ReportState.SUBMITTED and confirmed.confirmed_by_id is not None


def test_history_lists_value_and_state_changes(client, factory):
    _region, municipality, school, _c, period = setup_region(factory)
    report = _submitted(client, factory, school, period)
    client.login(factory.user(Role.MUNICIPAL, municipality))
    page = client.get(f"/reports/{report.id}/history").get_data(as_text=True)
    assert "staff_total" in page and "веб-форма" in page and "ход согласования" in page
    values = db.session.scalars(sa.select(AuditEntry).filter_by(report_id=report.id,
                                                                action="value")).all()
    assert len(values) == len(GOOD_VALUES) and all(v.old is None for v in values)


def test_a_period_of_another_region_is_not_found(client, factory):
    _region, _m, school, _c, _period = setup_region(factory)
    _r2, _m2, _s2, _c2, foreign_period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    assert client.get(_url(school, foreign_period)).status_code == 404


def test_closed_period_cannot_be_started(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    period.is_open = False
    client.login(factory.user(Role.CURATOR, school))
    response = _post(client, school, period, GOOD_VALUES)
    assert response.status_code == 400 and "Период закрыт" in response.get_data(as_text=True)
    assert _report(school, period) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportValue)) == 0


def test_derived_indicators_are_computed_from_the_values(client, factory):
    _region, _m, school, _c, period = setup_region(factory)
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, GOOD_VALUES)
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert 'data-derived-code="mentee_coverage">15 %' in page  # 9 / 60
    assert 'data-derived-code="programme_completion">66,7 %' in page  # 2 / (2 + 1)
