"""The register of mentors and mentees: the curator's pages, consent withdrawal, the access
log, and what the head and the external contour get."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring import operations
from portal.mentoring.counts import register_counts
from portal.mentoring.models import (
    AccessKind,
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    PairStatus,
    Participant,
    ParticipantRole,
    PersonalDataAccess,
    Side,
)
from tenants.models import Role


@pytest.fixture
def school(factory):
    municipality = factory.municipality(factory.region("REG-MENT"), "MUN-MENT")
    return factory.organization(municipality, name="SCHOOL-MENT")


@pytest.fixture
def curator(client, factory, school):
    user = factory.user(Role.CURATOR, school, full_name="CURATOR-MENT")
    client.login(user)
    return user


def _base(school) -> str:
    return f"/organizations/{school.id}/mentoring"


def _person(school, name, role=ParticipantRole.MENTEE, **extra) -> Participant:
    return operations.create_participant(school, operations.ParticipantData(
        full_name=name, role=role, position="учитель математики", education="высшее",
        experience_years=12, consent_on=date(2025, 9, 1), **extra))


def _all(model) -> list:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def test_the_curator_adds_lists_and_edits_a_person(client, curator, school):
    new = f"{_base(school)}/participants/new"
    response = client.post_form(new, {
        "full_name": "Иванова Мария Петровна", "position": "учитель", "education": "высшее",
        "experience_years": "1", "qualification": "", "role": "mentee",
        "mentee_category": "young", "consent_on": "2025-09-01"}, token_from=new)
    assert response.status_code == 302, response.get_data(as_text=True)
    (person,) = _all(Participant)
    assert (person.full_name, person.mentee_category, person.consent_on) == (
        "Иванова Мария Петровна", MenteeCategory.YOUNG, date(2025, 9, 1))
    assert "Иванова Мария Петровна" in client.get(f"{_base(school)}/participants").get_data(
        as_text=True)
    edit = f"/mentoring/participants/{person.id}"
    response = client.post_form(edit, {
        "full_name": "Иванова Мария Петровна", "position": "учитель физики", "education": "",
        "experience_years": "2", "qualification": "first", "role": "both",
        "mentee_category": "young", "consent_on": "2025-09-01"}, token_from=edit)
    assert response.status_code == 302
    (person,) = _all(Participant)
    assert (person.position, person.role, person.experience_years) == (
        "учитель физики", ParticipantRole.BOTH, 2)


def test_a_mentor_cannot_have_a_mentee_category_and_nothing_is_saved(client, curator, school):
    new = f"{_base(school)}/participants/new"
    response = client.post_form(new, {"full_name": "Петров", "role": "mentor",
                                      "mentee_category": "young"}, token_from=new)
    assert response.status_code == 422
    assert _all(Participant) == []


def test_withdrawing_consent_anonymizes_the_person_and_the_counts_stay(client, curator, school):
    mentor = _person(school, "Сидоров Пётр Ильич", ParticipantRole.MENTOR)
    mentee = _person(school, "Кузнецова Анна Сергеевна", mentee_category=MenteeCategory.YOUNG)
    operations.create_pair(school, operations.PairData(
        mentors=[mentor], mentees=[mentee], form=MentoringForm.TEACHER_TEACHER,
        type=MentoringType.TRADITIONAL, starts_on=date(2025, 9, 15)))
    before = register_counts(school)
    url = f"/mentoring/participants/{mentee.id}/withdraw"
    response = client.post_form(url, {"withdrawn_on": "2025-12-01"},
                                token_from=f"/mentoring/participants/{mentee.id}")
    assert response.status_code == 302
    person = db.session.get(Participant, mentee.id)
    assert person.full_name == "" and person.position == "" and person.education == ""
    assert person.experience_years is None and person.anonymized_at is not None
    assert person.consent_withdrawn_on == date(2025, 12, 1)
    assert register_counts(school) == before
    assert before.mentees == 1 and before.by_category == {MenteeCategory.YOUNG: 1}
    for page in (f"{_base(school)}/participants", f"{_base(school)}/pairs",
                 f"/mentoring/participants/{mentee.id}"):
        response = client.get(page)
        assert response.status_code == 200
        assert "Кузнецова" not in response.get_data(as_text=True), page
    assert "Сидоров Пётр Ильич" in client.get(f"{_base(school)}/pairs").get_data(as_text=True)
    # An anonymized person cannot be filled in again.
    edit = f"/mentoring/participants/{mentee.id}"
    client.post_form(edit, {"full_name": "Кузнецова", "role": "mentee"}, token_from=edit)
    assert db.session.get(Participant, mentee.id).full_name == ""


def test_the_curator_forms_a_pair_and_ends_it_early_with_a_reason(client, curator, school):
    mentor = _person(school, "Наставник Один", ParticipantRole.MENTOR)
    mentee = _person(school, "Наставляемый Один")
    new = f"{_base(school)}/pairs/new"
    pair_fields = {"mentors": [str(mentor.id)], "mentees": [str(mentee.id)],
                   "form": "teacher_teacher", "type": "traditional", "starts_on": "2025-09-15",
                   "planned_end_on": "2026-05-31", "order_number": "45-од",
                   "order_date": "2025-09-10", "status": "active", "ended_by": ""}
    response = client.post_form(new, pair_fields, token_from=new)
    assert response.status_code == 302, response.get_data(as_text=True)
    (pair,) = _all(MentoringPair)
    assert pair.side(Side.MENTOR) == [mentor] and pair.side(Side.MENTEE) == [mentee]
    assert (pair.order_number, pair.order_date) == ("45-од", date(2025, 9, 10))
    edit = f"/mentoring/pairs/{pair.id}"
    early = {**pair_fields, "status": "ended_early", "ended_on": "2025-12-20"}
    assert client.post_form(edit, early, token_from=edit).status_code == 422  # no reason
    assert _all(MentoringPair)[0].status is PairStatus.ACTIVE
    early |= {"ended_by": "mentee", "end_reason": "переезд в другой город"}
    assert client.post_form(edit, early, token_from=edit).status_code == 302
    (pair,) = _all(MentoringPair)
    assert (pair.status, pair.ended_on, pair.end_reason) == (
        PairStatus.ENDED_EARLY, date(2025, 12, 20), "переезд в другой город")
    assert register_counts(school).by_status == {PairStatus.ENDED_EARLY: 1}


def test_a_pair_refuses_a_mentee_as_mentor(client, curator, school):
    mentee = _person(school, "Наставляемый Два")
    other = _person(school, "Наставляемый Три")
    new = f"{_base(school)}/pairs/new"
    response = client.post_form(new, {
        "mentors": [str(mentee.id)], "mentees": [str(other.id)], "form": "teacher_teacher",
        "type": "traditional", "starts_on": "2025-09-15", "status": "active"}, token_from=new)
    assert response.status_code == 422
    assert _all(MentoringPair) == []


def test_every_view_of_personal_data_is_logged_and_the_curator_sees_the_log(
        client, curator, school):
    person = _person(school, "Логируемая Персона")
    client.get(f"{_base(school)}/participants")
    client.get(f"/mentoring/participants/{person.id}")
    client.get(f"{_base(school)}/pairs")
    client.get(_base(school))  # counts only: not logged
    entries = _all(PersonalDataAccess)
    assert [(e.kind, e.subject_id, e.user_id) for e in entries] == [
        (AccessKind.REGISTER, None, curator.id), (AccessKind.PARTICIPANT, person.id, curator.id),
        (AccessKind.PAIRS, None, curator.id)]
    body = client.get(f"{_base(school)}/access-log").get_data(as_text=True)
    log_table = body.split('data-testid="access-log"', 1)[1]
    assert log_table.count("CURATOR-MENT") == 3


def test_the_head_reads_the_register_but_cannot_change_it(client, factory, school):
    person = _person(school, "Читаемая Персона")
    client.login(factory.user(Role.HEAD, school))
    assert "Читаемая Персона" in client.get(f"{_base(school)}/participants").get_data(
        as_text=True)
    edit = f"/mentoring/participants/{person.id}"
    response = client.post_form(edit, {"full_name": "Другое Имя", "role": "mentee"},
                                token_from=edit)
    assert response.status_code == 403
    assert db.session.get(Participant, person.id).full_name == "Читаемая Персона"
    assert client.get(f"{_base(school)}/access-log").status_code == 200


@pytest.mark.parametrize("role", ["municipal", "regional", "admin"])
def test_the_external_contour_gets_counts_and_no_person(client, factory, school, role):
    person = _person(school, "Скрытая Персона", mentee_category=MenteeCategory.NEW_IN_TEAM)
    scope = {"municipal": school.municipality, "regional": school.municipality.region,
             "admin": None}[role]
    client.login(factory.user(Role(role), scope))
    overview = client.get(_base(school))
    assert overview.status_code == 200
    body = overview.get_data(as_text=True)
    assert "Скрытая Персона" not in body and 'data-testid="register-counts"' in body
    assert 'data-testid="register-links"' not in body
    for url in (f"{_base(school)}/participants", f"{_base(school)}/pairs",
                f"{_base(school)}/participants/new", f"{_base(school)}/access-log",
                f"/mentoring/participants/{person.id}"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "Скрытая Персона" not in response.get_data(as_text=True)
    assert client.get(f"/mentoring/participants/{person.id}").status_code == 404
    assert _all(PersonalDataAccess) == []


@pytest.mark.parametrize("role", ["municipal", "regional", "admin", "curator"])
def test_a_plain_query_of_the_register_reads_no_row_outside_the_organization(
        app, client, factory, school, monkeypatch, role):
    """The hook itself limits person-level models to PERSONAL_DATA: a query that names no
    scope, in a coordinator's or administrator's request, reads nothing."""
    _person(school, "Запрос Без Области")

    def probe(organization):
        return {"names": [p.full_name for p in db.session.scalars(sa.select(Participant))],
                "count": db.session.scalar(sa.select(sa.func.count(Participant.id)))}

    monkeypatch.setitem(app.view_functions, "tenants.organization", probe)
    scope = {"municipal": school.municipality, "regional": school.municipality.region,
             "admin": None, "curator": school}[role]
    client.login(factory.user(Role(role), scope))
    seen = client.get(f"/organizations/{school.id}").get_json()
    expected = ["Запрос Без Области"] if role == "curator" else []
    assert seen == {"names": expected, "count": len(expected)}


def test_the_demo_register_matches_the_counts_of_the_report_it_is_built_from(school):
    from portal.demo.mentoring import _register

    values = {"mentors": 3, "mentees": 5, "mentees_young": 2, "mentees_new_in_team": 1,
              "pairs_groups": 4, "pairs_by_form.teacher_teacher": 3,
              "pairs_by_form.head_teacher": 1, "pairs_by_type.traditional": 3,
              "pairs_by_type.group": 1}
    _register(school, values, date(2025, 9, 15))
    counts = register_counts(school)
    assert (counts.mentors, counts.mentees, counts.pairs) == (3, 5, 4)
    assert counts.by_category == {MenteeCategory.YOUNG: 2, MenteeCategory.NEW_IN_TEAM: 1}
    assert counts.by_form == {MentoringForm.TEACHER_TEACHER: 3, MentoringForm.HEAD_TEACHER: 1}
    assert counts.by_type == {MentoringType.TRADITIONAL: 3, MentoringType.GROUP: 1}
    assert counts.by_status == {PairStatus.ACTIVE: 4}
