"""Two-stage monitoring: stage-1 records by criterion kind, stage-2 answers before and after,
the change per pair and overall, the counts for the report, the lock once a pair ends, the
access log, and what the external contour gets."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring import operations as register
from portal.mentoring.models import (
    AccessKind,
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    PairStatus,
    ParticipantRole,
    PersonalDataAccess,
)
from portal.monitoring import operations, results
from portal.monitoring.counts import MIN_RESPONDENTS, monitoring_counts
from portal.monitoring.definitions import Stage
from portal.monitoring.models import AnswerSet, CriterionValue, MonitoringRecord
from portal.monitoring.operations import Entry, MonitoringError
from portal.monitoring.queries import answer_rows
from tenants.models import Role
from tenants.scoping import Scope
from tests import test_mentoring_privacy as privacy
from tests.privacy_helpers import assert_routes_refused, crawl

land = privacy.land  # the fixture: a school and a college of one region, names in their pairs
NAMES = privacy.NAMES
MENTEE_BEFORE = {"results": 4, "motivation": 5, "innovation": 3, "adaptation": 4,
                 "plans_mentor": 0, "plans_mentee": 1}
MENTOR_BEFORE = {"results": 7, "plans_mentor": 1, "plans_mentee": 0}


@pytest.fixture
def school(factory):
    municipality = factory.municipality(factory.region("REG-MON"), "MUN-MON")
    return factory.organization(municipality, name="SCHOOL-MON")


@pytest.fixture
def curator(client, factory, school):
    user = factory.user(Role.CURATOR, school, full_name="CURATOR-MON")
    client.login(user)
    return user


def _pair(school, mentor_name="Наставникова Вера Ивановна", mentee_names=("Новенькая Анна",)):
    mentor = register.create_participant(school, register.ParticipantData(
        full_name=mentor_name, role=ParticipantRole.MENTOR, consent_on=date(2025, 9, 1)))
    mentees = [register.create_participant(school, register.ParticipantData(
        full_name=name, role=ParticipantRole.MENTEE, mentee_category=MenteeCategory.YOUNG,
        consent_on=date(2025, 9, 1))) for name in mentee_names]
    return register.create_pair(school, register.PairData(
        mentors=[mentor], mentees=mentees, form=MentoringForm.TEACHER_TEACHER,
        type=MentoringType.TRADITIONAL, starts_on=date(2025, 9, 15)))


def _people(pair):
    return pair.members[0].participant, [m.participant for m in pair.members[1:]]


def _q(pair, person, stage: str = "before") -> str:
    """The URL of ``person``'s questionnaire in ``pair``."""
    (member,) = [m for m in pair.members if m.participant_id == person.id]
    return f"/monitoring/members/{member.id}/{stage}"


def _end(pair) -> None:
    mentor, mentees = _people(pair)
    register.update_pair(pair, register.PairData(
        mentors=[mentor], mentees=mentees, form=pair.form, type=pair.type,
        starts_on=pair.starts_on, status=PairStatus.COMPLETED, ended_on=date(2026, 5, 31)))


def _record_form(**values) -> dict:
    return {"quarter": "2025-4", "starts_on": "", "ends_on": "", "results_risks_text": "",
            "joint_projects_number": "", "joint_projects_text": "",
            "students_passed_number": "", "performance_dynamics_number": "",
            "contest_dynamics_number": "", "social_activity_text": "", **values}


def test_the_curator_records_stage_1_of_a_quarter(client, curator, school):
    pair = _pair(school)
    new = f"/mentoring/pairs/{pair.id}/monitoring/periods/new"
    response = client.post_form(new, _record_form(
        results_risks_text="Программа идёт по плану; риск — нагрузка.",
        joint_projects_number="2", joint_projects_text="Открытый урок, квест",
        students_passed_number="87,5", performance_dynamics_number="1"), token_from=new)
    assert response.status_code == 302, response.get_data(as_text=True)
    (record,) = db.session.scalars(sa.select(MonitoringRecord)).all()
    assert (record.starts_on, record.ends_on) == (date(2025, 10, 1), date(2025, 12, 31))
    values = {v.criterion: (v.number, v.text) for v in record.values}
    assert values == {"results_risks": (None, "Программа идёт по плану; риск — нагрузка."),
                      "joint_projects": (2, "Открытый урок, квест"),
                      "students_passed": (87.5, None), "performance_dynamics": (1, None)}
    page = client.get(f"/mentoring/pairs/{pair.id}/monitoring").get_data(as_text=True)
    assert "Открытый урок, квест" in page and "87,5" in page
    edit = f"/monitoring/records/{record.id}"
    response = client.post_form(edit, _record_form(joint_projects_number="3"), token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert [(v.criterion, v.number) for v in record.values] == [("joint_projects", 3)]


@pytest.mark.parametrize("values", [
    {"students_passed_number": "120"}, {"joint_projects_number": "-1"},
    {"joint_projects_number": "1,5"}, {"joint_projects_text": "без числа"}, {},
    {"students_passed_number": "nan"}, {"performance_dynamics_number": "2"},
    {"quarter": "", "starts_on": "2025-12-01", "ends_on": "2025-11-01",
     "results_risks_text": "текст"}])
def test_a_value_out_of_its_kind_is_refused_and_nothing_saved(client, curator, school, values):
    pair = _pair(school)
    new = f"/mentoring/pairs/{pair.id}/monitoring/periods/new"
    response = client.post_form(new, _record_form(**values), token_from=new)
    assert response.status_code == 422
    assert db.session.scalars(sa.select(CriterionValue)).all() == []
    assert db.session.scalars(sa.select(MonitoringRecord)).all() == []


@pytest.mark.parametrize(("key", "entry"), [
    ("students_passed", Entry(number=120)), ("students_passed", Entry(number=-0.5)),
    ("joint_projects", Entry(number=-1)), ("performance_dynamics", Entry(number=2)),
    ("results_risks", Entry(number=3)), ("no_such_criterion", Entry(text="x"))])
def test_the_operation_refuses_by_kind(school, key, entry):
    pair = _pair(school)
    with pytest.raises(MonitoringError) as refusal:
        operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31), {key: entry})
    assert refusal.value.key == key


def test_one_record_per_period_of_a_pair(school):
    pair = _pair(school)
    text = {"results_risks": Entry(text="идёт")}
    operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31), text)
    with pytest.raises(MonitoringError):
        operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31), text)
    with pytest.raises(MonitoringError):  # the pair started on 2025-09-15
        operations.save_record(pair, date(2025, 1, 1), date(2025, 3, 31), text)


def _questionnaire(answers: dict, answered_on: str = "2025-09-20") -> dict:
    return {"answered_on": answered_on, **{k: str(v) for k, v in answers.items()}}


def test_the_curator_enters_before_and_after_and_the_change_shows(client, curator, school):
    pair = _pair(school)
    mentor, (mentee,) = _people(pair)
    base = f"/mentoring/pairs/{pair.id}/monitoring"
    for url, answers in ((_q(pair, mentee), MENTEE_BEFORE), (_q(pair, mentor), MENTOR_BEFORE),
                         (_q(pair, mentee, "after"), {**MENTEE_BEFORE, "results": 8,
                                                      "satisfaction": 9})):
        response = client.post_form(url, _questionnaire(answers), token_from=url)
        assert response.status_code == 302, response.get_data(as_text=True)
    # Saving again replaces the answer set: still one per participant and stage.
    url = _q(pair, mentee)
    response = client.post_form(url, _questionnaire({**MENTEE_BEFORE, "results": 5}),
                                token_from=url)
    assert response.status_code == 302
    sets = db.session.scalars(sa.select(AnswerSet)).all()
    assert sorted((s.participant_id, s.stage.value) for s in sets) == sorted(
        [(mentee.id, "before"), (mentor.id, "before"), (mentee.id, "after")])
    page = client.get(base).get_data(as_text=True)
    assert "+3" in page  # the mentee's results: 5 before, 8 after


def test_a_questionnaire_needs_every_answer_on_its_scale(client, curator, school):
    pair = _pair(school)
    _mentor, (mentee,) = _people(pair)
    url = _q(pair, mentee)
    for answers in ({**MENTEE_BEFORE, "results": 11}, {"results": 4}):
        response = client.post_form(url, _questionnaire(answers), token_from=url)
        assert response.status_code == 422
    with pytest.raises(MonitoringError):
        operations.save_answers(pair, mentee, Stage.BEFORE, date(2025, 9, 20),
                                {**MENTEE_BEFORE, "satisfaction": 5})  # asked only after
    assert db.session.scalars(sa.select(AnswerSet)).all() == []


def _answer(pair, person, stage, **answers):
    operations.save_answers(pair, person, stage, date(2025, 9, 20), answers)


def test_change_per_pair_and_overall_on_known_numbers(school):
    first = _pair(school, "Наставник Один", ("Первая Мента", "Вторая Мента"))
    second = _pair(school, "Наставник Два", ("Третья Мента",))
    mentees = {"first": _people(first)[1], "second": _people(second)[1]}
    scale = {"motivation": 5, "innovation": 5, "adaptation": 5, "plans_mentor": 0,
             "plans_mentee": 0}
    before = [(first, mentees["first"][0], 2), (first, mentees["first"][1], 4),
              (second, mentees["second"][0], 6)]
    after = [(first, mentees["first"][0], 6), (first, mentees["first"][1], 5),
             (second, mentees["second"][0], 6)]
    for pair, person, value in before:
        _answer(pair, person, Stage.BEFORE, results=value, **scale)
    for pair, person, value in after:
        _answer(pair, person, Stage.AFTER, results=value, satisfaction=8, **scale)
    # The second pair's mentor answered only before: no change is counted for him.
    _answer(second, _people(second)[0], Stage.BEFORE, results=9, plans_mentor=1, plans_mentee=0)
    frame = results.answer_frame(answer_rows(school, scope=Scope.system("the test reads all")))
    per_pair = results.table(results.changes_per_pair(frame))
    assert per_pair[first.id, "mentee", "results"] == {
        "before": 3.0, "after": 5.5, "change": 2.5, "respondents": 2}
    assert per_pair[second.id, "mentee", "results"]["change"] == 0.0
    assert (second.id, "mentor", "results") not in per_pair
    overall = results.table(results.changes_overall(frame))
    assert overall["mentee", "results"] == {"before": 4.0, "after": 17 / 3,
                                            "change": 5 / 3, "respondents": 3}
    assert overall["mentee", "motivation"]["change"] == 0.0


def test_monitoring_counts_are_honest_about_respondents(school):
    pair = _pair(school, "Наставник Три", ("Мента А", "Мента Б"))
    mentor, mentees = _people(pair)
    base = {"results": 5, "motivation": 5, "innovation": 5, "adaptation": 5}
    for person, satisfaction, plans in zip(mentees, (7, 10), (1, 0), strict=True):
        _answer(pair, person, Stage.BEFORE, plans_mentor=0, plans_mentee=1, **base)
        _answer(pair, person, Stage.AFTER, satisfaction=satisfaction, plans_mentor=plans,
                plans_mentee=0, **base)
    _answer(pair, mentor, Stage.BEFORE, results=8, plans_mentor=1, plans_mentee=1)
    operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31),
                           {"results_risks": Entry(text="идёт")})
    counts = monitoring_counts(school)
    assert (counts.satisfaction_mentees.value, counts.satisfaction_mentees.respondents) == (
        8.5, 2)
    assert counts.satisfaction_mentors.respondents == 0
    # Latest answers: the mentees' after (one plans to mentor), the mentor's before.
    assert (counts.planning_mentors, counts.planning_mentees) == (2, 1)
    assert counts.planning_respondents == 3
    assert counts.pairs_with_stage1 == 1
    assert monitoring_counts(school, (date(2026, 1, 1), date(2026, 3, 31))).pairs_with_stage1 == 0
    assert MIN_RESPONDENTS == 3 and counts.satisfaction_mentees.outside is None
    assert counts.report_values() == {"satisfaction_mentors": None,
                                      "satisfaction_mentees": None,
                                      "planning_mentors": 2, "planning_mentees": 1}


def test_monitoring_is_locked_once_the_pair_ends(client, curator, school):
    pair = _pair(school)
    _mentor, (mentee,) = _people(pair)
    _answer(pair, mentee, Stage.BEFORE, **MENTEE_BEFORE)
    record = operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31),
                                    {"results_risks": Entry(text="идёт")})
    _end(pair)
    with pytest.raises(MonitoringError):
        _answer(pair, mentee, Stage.AFTER, **MENTEE_BEFORE, satisfaction=9)
    with pytest.raises(MonitoringError):
        operations.save_record(pair, date(2026, 1, 1), date(2026, 3, 31),
                               {"results_risks": Entry(text="поздно")})
    url = _q(pair, mentee)
    assert 'name="answered_on"' not in client.get(url).get_data(as_text=True)
    response = client.post_form(url, _questionnaire({**MENTEE_BEFORE, "results": 9}),
                                token_from=f"/mentoring/pairs/{pair.id}/monitoring")
    assert response.status_code == 422
    edit = f"/monitoring/records/{record.id}"
    response = client.post_form(edit, _record_form(results_risks_text="иначе"),
                                token_from=f"/mentoring/pairs/{pair.id}/monitoring")
    assert response.status_code == 422
    db.session.expire_all()
    assert record.values[0].text == "идёт"
    assert {a.question: a.value for s in db.session.scalars(sa.select(AnswerSet))
            for a in s.answers}["results"] == 4


def test_every_view_of_answers_is_logged(client, curator, school):
    pair = _pair(school)
    _mentor, (mentee,) = _people(pair)
    for url in (f"/organizations/{school.id}/monitoring", f"/mentoring/pairs/{pair.id}/monitoring",
                _q(pair, mentee)):
        assert client.get(url).status_code == 200
    entries = db.session.scalars(sa.select(PersonalDataAccess).order_by(
        PersonalDataAccess.id)).all()
    assert [(e.kind, e.subject_id, e.user_id) for e in entries] == [
        (AccessKind.MONITORING, None, curator.id), (AccessKind.MONITORING, pair.id, curator.id),
        (AccessKind.MONITORING, pair.id, curator.id)]
    log = client.get(f"/organizations/{school.id}/mentoring/access-log").get_data(as_text=True)
    assert "мониторинг пар и групп" in log.lower() or "monitoring of pairs" in log


def test_another_organizations_pair_gets_404(client, curator, school, factory):
    other = factory.organization(school.municipality, name="OTHER-MON")
    pair = _pair(other, "Чужой Наставник", ("Чужая Мента",))
    for url in (f"/mentoring/pairs/{pair.id}/monitoring", _q(pair, _people(pair)[0], "after"),
                f"/mentoring/pairs/{pair.id}/monitoring/periods/new"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Чужая Мента" not in response.get_data(as_text=True)


def _monitor(organization) -> None:
    """Stage 1 and stage 2 for every pair of ``organization`` (names in the pages)."""
    for pair in db.session.scalars(sa.select(MentoringPair).filter_by(
            organization_id=organization.id)):
        operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31),
                               {"results_risks": Entry(text="идёт")})
        mentor, (mentee,) = _people(pair)
        _answer(pair, mentee, Stage.BEFORE, **MENTEE_BEFORE)
        _answer(pair, mentor, Stage.BEFORE, **MENTOR_BEFORE)


@pytest.mark.parametrize("role", ["municipal", "regional", "admin"])
def test_the_external_contour_gets_no_monitoring_page(app, client, factory, land, role):
    school = land["school"]
    _monitor(school)
    scope = {"municipal": land["municipality"], "regional": land["region"], "admin": None}[role]
    client.login(factory.user(Role(role), scope))
    pair = db.session.scalars(sa.select(MonitoringRecord)).first().pair
    ids = {"org_id": school.id, "pair_id": pair.id, "pair_member_id": pair.members[1].id,
           "monitoring_record_id": db.session.scalar(sa.select(MonitoringRecord.id).limit(1))}
    assert assert_routes_refused(app, client, "monitoring.", ids, NAMES) >= 10
    if role != "admin":
        pages = crawl(client)
        leaks = [(url, name) for url, body in pages.items() for name in NAMES if name in body]
        assert not leaks, leaks


def test_the_head_reads_monitoring_but_does_not_change_it(client, factory, school):
    pair = _pair(school)
    _mentor, (mentee,) = _people(pair)
    client.login(factory.user(Role.HEAD, school))
    assert client.get(f"/mentoring/pairs/{pair.id}/monitoring").status_code == 200
    url = _q(pair, mentee)
    response = client.post_form(url, _questionnaire(MENTEE_BEFORE),
                                token_from=f"/mentoring/pairs/{pair.id}/monitoring")
    assert response.status_code == 403
    assert db.session.scalars(sa.select(AnswerSet)).all() == []
