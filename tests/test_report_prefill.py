"""The quarterly report prefilled from the register (issue 12 item 5): the counts «из реестра»,
an override needs a reason, and the coordinator sees the difference, never a name."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring import operations as mentoring
from portal.mentoring.models import MenteeCategory, MentoringForm, MentoringType, ParticipantRole
from portal.programmes import operations as programmes
from portal.reports import prefill
from portal.reports.models import Report, ReportValue
from tenants.models import Role
from tests.report_helpers import GOOD_VALUES, form_data, setup_region

NAMES = ["Прокофьева-Тестовая Алла Ивановна", "Серебрякова-Тестовая Вера Олеговна",
         "Ульянова-Тестовая Зоя Петровна", "Черкасова-Тестовая Нина Павловна",
         "Шаповалова-Тестовая Рита Юрьевна"]
REGISTER = {"mentors": 2, "mentees": 3, "mentees_young": 2, "mentees_new_in_team": 1,
            "mentees_new_technology": 0, "mentees_non_pedagogical": 0, "pairs_groups": 2,
            "pairs_by_form.teacher_teacher": 1, "pairs_by_form.head_teacher": 1,
            "pairs_by_type.traditional": 1, "pairs_by_type.group": 1,
            "programmes_active": 1, "programmes_completed": 0, "programmes_ended_early": 0}


def _person(school, name, role, category=None):
    return mentoring.create_participant(school, mentoring.ParticipantData(
        full_name=name, role=role, position="учитель", education="высшее", experience_years=2,
        mentee_category=category, consent_on=date(2026, 6, 1)))


def _register(school):
    """Two mentors, three mentees, a pair and a group, one programme (see REGISTER)."""
    mentors = [_person(school, n, ParticipantRole.MENTOR) for n in NAMES[:2]]
    young = [_person(school, n, ParticipantRole.MENTEE, MenteeCategory.YOUNG) for n in NAMES[2:4]]
    new = _person(school, NAMES[4], ParticipantRole.MENTEE, MenteeCategory.NEW_IN_TEAM)
    pair = mentoring.create_pair(school, mentoring.PairData(
        mentors=mentors[:1], mentees=young[:1], form=MentoringForm.TEACHER_TEACHER,
        type=MentoringType.TRADITIONAL, starts_on=date(2026, 7, 1),
        planned_end_on=date(2027, 5, 31), order_number="12-од", order_date=date(2026, 6, 30)))
    mentoring.create_pair(school, mentoring.PairData(
        mentors=mentors[1:], mentees=[young[1], new], form=MentoringForm.HEAD_TEACHER,
        type=MentoringType.GROUP, starts_on=date(2026, 7, 1), planned_end_on=date(2027, 5, 31)))
    programmes.create_programme(pair, programmes.ProgrammeData(
        starts_on=date(2026, 7, 1), ends_on=date(2027, 5, 31), problem="Дефициты", goal="Цель"))


def _setup(factory):
    _region, municipality, school, _college, period = setup_region(factory)
    _register(school)
    return municipality, school, period


def _url(org, period):
    return f"/organizations/{org.id}/reports/{period.id}"


def _report(org, period) -> Report | None:
    db.session.expire_all()
    return db.session.scalars(sa.select(Report).filter_by(organization_id=org.id,
                                                          period_id=period.id)).first()


def _kept(**changes) -> dict:
    """The good values with the register's counts kept, and ``changes`` on top."""
    return {**GOOD_VALUES, **{code: str(n) for code, n in REGISTER.items()}, **changes}


def _post(client, org, period, values, **extra):
    report = _report(org, period)
    return client.post_form(_url(org, period), form_data(
        values, action="save", version=report.version if report else "", **extra),
        token_from=_url(org, period))


def _input_value(page: str, code: str) -> str:
    match = re.search(rf'name="v:{re.escape(code)}" value="([^"]*)"', page)
    assert match, code
    return match.group(1)


def test_the_register_values_are_the_counts(factory):
    _m, school, period = _setup(factory)
    values = prefill.register_values(school, period)
    assert {code: values[code] for code in REGISTER} == {k: Decimal(n) for k, n in REGISTER.items()}
    assert sum(v for k, v in values.items() if k.startswith("pairs_by_form.")) == 2
    assert "satisfaction_mentees" not in values  # nobody answered: no mean to show


def test_an_organization_without_a_register_gets_no_prefill(client, factory):
    _r, _m, school, _c, period = setup_region(factory)
    assert prefill.register_values(school, period) == {}
    client.login(factory.user(Role.CURATOR, school))
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert "из реестра" not in page and _input_value(page, "mentors") == ""


def test_the_form_is_prefilled_from_the_register(client, factory):
    _m, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    page = client.get(_url(school, period)).get_data(as_text=True)
    for code, n in REGISTER.items():
        assert _input_value(page, code) == str(n)
    assert page.count('data-register-mark="') == len(prefill.register_values(school, period))
    assert "из реестра" in page
    assert _input_value(page, "staff_total") == ""  # not the register's to know


def test_kept_values_are_saved_with_the_register_and_no_difference(client, factory):
    municipality, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    assert _post(client, school, period, _kept()).status_code == 302
    report = _report(school, period)
    assert report.register_values["mentors"] == {"register": "2"}
    assert prefill.differences(report, _indicators(report), school) == []


def test_an_override_without_a_reason_is_refused_and_nothing_is_saved(client, factory):
    _m, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    response = _post(client, school, period, _kept(mentors="3"), **{"r:mentors": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "отличается от реестра" in page and "«Наставники» (реестр: 2)" in page
    assert _report(school, period) is None  # the first save created nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportValue)) == 0
    assert _input_value(page, "mentors") == "3"  # what was typed is shown again


def test_an_override_of_a_saved_report_without_a_reason_changes_nothing(client, factory):
    _m, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, _kept())
    version = _report(school, period).version
    assert _post(client, school, period, _kept(pairs_groups="3")).status_code == 400
    report = _report(school, period)
    assert report.version == version and report.register_values["pairs_groups"] == {
        "register": "2"}


def test_a_too_long_reason_is_refused(client, factory):
    _m, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    response = _post(client, school, period, _kept(mentors="3"),
                     **{"r:mentors": "я" * (prefill.REASON_MAX + 1)})
    assert response.status_code == 400 and _report(school, period) is None


def test_an_override_with_a_reason_is_saved_and_the_coordinator_sees_it(client, factory):
    municipality, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    reason = "Один наставник принят по приказу после отчётной даты"
    assert _post(client, school, period, _kept(mentors="3"),
                 **{"r:mentors": f" {reason} "}).status_code == 302
    report = _report(school, period)
    assert report.register_values["mentors"] == {"register": "2", "reason": reason}
    [difference] = prefill.differences(report, _indicators(report), school)
    assert (difference.code, difference.report, difference.register) == (
        "mentors", Decimal(3), Decimal(2))
    client.post_form("/logout")
    client.login(factory.user(Role.MUNICIPAL, municipality))
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert 'data-testid="register-differences"' in page and reason in page
    row = re.search(r'<tr data-difference="mentors">(.*?)</tr>', page, re.S).group(1)
    assert "Наставники" in row and ">3<" in row and ">2<" in row
    assert not any(name in page for name in NAMES)
    assert 'name="r:' not in page  # the coordinator reads, never edits
    status = client.get(f"/municipalities/{municipality.id}/periods/{period.id}/status")
    marked = re.search(r'<tr data-org="[^"]*">.*?</tr>', status.get_data(as_text=True), re.S)
    assert "отличается от реестра: 1" in marked.group(0)


def test_a_reason_of_a_value_equal_to_the_register_is_dropped(client, factory):
    _m, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, _kept(), **{"r:mentors": "лишнее"})
    assert _report(school, period).register_values["mentors"] == {"register": "2"}


def _indicators(report):
    from portal.catalogue import queries

    return queries.indicators_for(report, report.organization.type)


def test_a_kept_value_follows_the_register_an_overridden_one_stays(client, factory):
    _m, school, period = _setup(factory)
    client.login(factory.user(Role.CURATOR, school))
    _post(client, school, period, _kept(mentees="5"), **{"r:mentees": "Ещё одна в приказе"})
    _person(school, "Новикова-Тестовая Ия Львовна", ParticipantRole.BOTH, MenteeCategory.YOUNG)
    db.session.flush()
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert _input_value(page, "mentors") == "3"  # kept at the last save: the register's now
    assert _input_value(page, "mentees") == "5"  # overridden: the curator's, with the reason
    assert "Ещё одна в приказе" in page


def test_the_demo_reports_say_what_the_registers_say(app, database):
    from portal.catalogue import queries
    from portal.demo import load_demo
    from portal.demo.register_reports import _latest_report
    from tenants.models import Organization

    load_demo()
    checked = 0
    for org in db.session.scalars(sa.select(Organization).where(Organization.is_active)):
        report = _latest_report(org)
        indicators = queries.indicators_for(report, org.type) if report else []
        register = prefill.prefill_for(indicators, org, report.period) if report else {}
        if not register:
            continue
        ids = {i.id: i.code for i in indicators}
        values = {ids[v.indicator_id]: v.value for v in report.values if v.indicator_id in ids}
        assert {code: values.get(code) for code in register} == register, org.code
        assert prefill.differences(report, indicators, org) == []
        checked += register["pairs_groups"] > 0
    assert checked >= 15  # most demo organizations keep a register with pairs


def test_a_value_changed_outside_the_form_shows_as_a_difference_without_reason(client, factory):
    from portal.reports import operations

    municipality, school, period = _setup(factory)
    curator = factory.user(Role.CURATOR, school)
    client.login(curator)
    _post(client, school, period, _kept())
    report = _report(school, period)
    operations.save_values(report, {"mentors": "4"}, user=curator, source="file")
    db.session.flush()
    [difference] = prefill.differences(_report(school, period), _indicators(report), school)
    assert (difference.code, difference.report, difference.reason) == ("mentors", 4, "")
    client.post_form("/logout")
    client.login(factory.user(Role.MUNICIPAL, municipality))
    page = client.get(_url(school, period)).get_data(as_text=True)
    assert "причина не указана" in page


def test_the_first_person_in_the_register_marks_the_organization_as_keeping_it(factory):
    _r, _m, school, _c, period = setup_region(factory)
    assert school.keeps_register is False
    _person(school, NAMES[0], ParticipantRole.MENTOR)
    db.session.expire_all()  # as the next request reads it
    assert db.session.get(type(school), school.id).keeps_register is True
    assert prefill.register_values(school, period)["mentors"] == 1
