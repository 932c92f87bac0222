"""Personalised mentoring programmes: writing one in seed 004's structure, its term, the plan
with evidence, the printable forms, the access log, and who may see it."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document

from portal.extensions import db
from portal.mentoring import operations as register
from portal.mentoring.models import (
    AccessKind,
    MenteeCategory,
    MentoringForm,
    MentoringType,
    ParticipantRole,
    PersonalDataAccess,
    Qualification,
)
from portal.programmes import operations
from portal.programmes.counts import programme_counts
from portal.programmes.models import (
    Direction,
    PlanEvent,
    Programme,
    ProgrammeExtension,
    ProgrammeStatus,
)
from portal.programmes.operations import ProgrammeError, check_term
from tenants.models import Role
from tenants.scoping import URL_ACTIONS
from tests import document_files
from tests.privacy_helpers import assert_routes_refused

MENTOR, MENTEE = "Наставникова Алла Борисовна", "Новичков Пётр Ильич"
START = date(2025, 9, 15)


@pytest.fixture
def school(factory):
    municipality = factory.municipality(factory.region("REG-PROG"), "MUN-PROG")
    return factory.organization(municipality, name="SCHOOL-PROG")


@pytest.fixture
def pair(school):
    mentor = register.create_participant(school, register.ParticipantData(
        full_name=MENTOR, role=ParticipantRole.MENTOR, position="учитель математики",
        education="высшее педагогическое", experience_years=21,
        qualification=Qualification.HIGHEST, consent_on=date(2025, 9, 1)))
    mentee = register.create_participant(school, register.ParticipantData(
        full_name=MENTEE, role=ParticipantRole.MENTEE, position="учитель физики",
        education="высшее педагогическое, магистратура", experience_years=1,
        qualification=Qualification.NONE, mentee_category=MenteeCategory.YOUNG,
        consent_on=date(2025, 9, 1)))
    return register.create_pair(school, register.PairData(
        mentors=[mentor], mentees=[mentee], form=MentoringForm.TEACHER_TEACHER,
        type=MentoringType.TRADITIONAL, starts_on=START, planned_end_on=date(2026, 5, 31)))


@pytest.fixture
def curator(client, factory, school):
    user = factory.user(Role.CURATOR, school, full_name="CURATOR-PROG")
    client.login(user)
    return user


def _programme(pair, ends_on=date(2026, 5, 31), events=2) -> Programme:
    programme = operations.create_programme(pair, operations.ProgrammeData(
        starts_on=START, ends_on=ends_on, problem="Затруднения в планировании уроков",
        goal="Адаптация молодого педагога", tasks="Освоить ФГОС", content="Посещение уроков",
        planned_results="Успешная адаптация"))
    for number in range(1, events + 1):
        operations.add_event(programme, operations.PlanEventData(
            direction=Direction.METHODICAL, title=f"EVENT-{number} Разработка урока",
            dates="октябрь 2025", methods="консультация", expected_result=f"RESULT-{number}"))
    return programme


def _note(**changes) -> dict:
    return {"starts_on": "2025-09-15", "ends_on": "2026-05-31", "problem": "Дефициты",
            "goal": "Цель работы", "tasks": "Задачи", "content": "Содержание",
            "planned_results": "Результаты", **changes}


def _fresh(model) -> list:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def test_the_curator_writes_and_edits_a_programme(client, curator, pair):
    new = f"/mentoring/pairs/{pair.id}/programme"
    page = client.get(new).get_data(as_text=True)
    assert MENTEE in page and MENTOR in page  # the general data comes from the register
    response = client.post_form(new, _note(), token_from=new)
    assert response.status_code == 302, response.get_data(as_text=True)
    (programme,) = _fresh(Programme)
    assert (programme.pair_id, programme.goal, programme.ends_on) == (
        pair.id, "Цель работы", date(2026, 5, 31))
    assert client.get(new).headers["Location"].endswith(f"/mentoring/programmes/{programme.id}")
    edit = f"/mentoring/programmes/{programme.id}/edit"
    response = client.post_form(edit, _note(goal="Новая цель", ends_on="2026-06-30"),
                                token_from=edit)
    assert response.status_code == 302
    (programme,) = _fresh(Programme)
    assert (programme.goal, programme.ends_on) == ("Новая цель", date(2026, 6, 30))


@pytest.mark.parametrize("ends_on", ["2025-11-14", "2026-10-15"])  # 2 months, 13 months
def test_a_term_under_3_months_or_over_a_year_is_refused(client, curator, pair, ends_on):
    new = f"/mentoring/pairs/{pair.id}/programme"
    response = client.post_form(new, _note(ends_on=ends_on), token_from=new)
    assert response.status_code == 422
    assert "3 месяцев" in response.get_data(as_text=True) or "1 года" in response.get_data(
        as_text=True)
    assert _fresh(Programme) == []


def test_the_term_bounds_count_the_last_day():
    check_term(date(2025, 9, 1), date(2025, 11, 30))  # 3 months exactly
    check_term(date(2025, 9, 1), date(2026, 8, 31))  # 1 year exactly
    for ends_on in (date(2025, 11, 29), date(2026, 9, 1)):
        with pytest.raises(ProgrammeError):
            check_term(date(2025, 9, 1), ends_on)


def test_extensions_keep_their_history(client, curator, pair):
    programme = _programme(pair)
    extend = f"/mentoring/programmes/{programme.id}/extend"
    page = f"/mentoring/programmes/{programme.id}"
    for new_end, reason in (("2026-08-31", "Болезнь наставляемого"),
                            ("2026-12-31", "Переход на новый УМК")):
        assert client.post_form(extend, {"new_end_on": new_end, "reason": reason},
                                token_from=page).status_code == 302
    refused = client.post_form(extend, {"new_end_on": "2026-10-01", "reason": "раньше"},
                               token_from=page)
    assert refused.status_code == 302
    assert client.post_form(extend, {"new_end_on": "2027-02-01", "reason": ""},
                            token_from=page).status_code == 302
    history = [(e.previous_end_on, e.new_end_on, e.reason) for e in _fresh(ProgrammeExtension)]
    assert history == [(date(2026, 5, 31), date(2026, 8, 31), "Болезнь наставляемого"),
                       (date(2026, 8, 31), date(2026, 12, 31), "Переход на новый УМК")]
    assert _fresh(Programme)[0].ends_on == date(2026, 12, 31)  # beyond a year: extended
    shown = client.get(page).get_data(as_text=True)
    assert "Болезнь наставляемого" in shown and "Переход на новый УМК" in shown
    with pytest.raises(ProgrammeError):  # the term of an extended programme moves by extensions
        operations.update_programme(_fresh(Programme)[0], operations.ProgrammeData(
            starts_on=START, ends_on=date(2026, 6, 1), goal="Цель"))


def test_an_early_end_needs_its_initiator_and_reason(client, curator, pair):
    programme = _programme(pair)
    finish, page = f"/mentoring/programmes/{programme.id}/finish", f"/mentoring/programmes/{programme.id}"
    client.post_form(finish, {"status": "ended_early", "ended_on": "2026-01-20",
                              "ended_by": "mentee", "reason": ""}, token_from=page)
    assert _fresh(Programme)[0].status is ProgrammeStatus.ACTIVE
    client.post_form(finish, {"status": "ended_early", "ended_on": "2026-01-20",
                              "ended_by": "mentee", "reason": "Увольнение"}, token_from=page)
    (programme,) = _fresh(Programme)
    assert (programme.status, programme.ended_by.value, programme.end_reason) == (
        ProgrammeStatus.ENDED_EARLY, "mentee", "Увольнение")
    with pytest.raises(ProgrammeError):  # an ended programme is not changed any more
        operations.add_event(programme, operations.PlanEventData(
            direction=Direction.ICT, title="x", dates="y"))
    assert programme_counts(pair.organization).ended_early == 1


def test_implemented_in_full_needs_every_event_done(pair):
    programme = _programme(pair, events=2)
    first, second = programme.events
    operations.mark_done(first, date(2025, 10, 20), "https://school.example/report-1")
    with pytest.raises(ProgrammeError):
        operations.finish(programme, ProgrammeStatus.COMPLETED, date(2026, 5, 31))
    operations.mark_done(second, date(2025, 11, 20), "https://school.example/report-2")
    operations.finish(programme, ProgrammeStatus.COMPLETED, date(2026, 5, 31))
    counts = programme_counts(pair.organization)
    assert (counts.active, counts.completed, counts.ended_early) == (0, 1, 0)
    # A report's period counts the programmes that ended in it.
    assert programme_counts(pair.organization, date(2026, 4, 1), date(2026, 6, 30)).completed == 1
    assert programme_counts(pair.organization, date(2026, 1, 1), date(2026, 3, 31)).total == 0


def test_an_event_is_marked_done_with_evidence(client, curator, pair, app, tmp_path,
                                               monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_PATH", str(tmp_path))
    programme = _programme(pair)
    event = programme.events[0]
    page = f"/mentoring/programmes/{programme.id}"
    done = f"/mentoring/plan-events/{event.id}/done"
    hostile = {"done_on": "2025-10-20", "evidence_url": "",
               "evidence_file": (io.BytesIO(document_files.pdf(extra=b"<html>")), "a.pdf")}
    client.post_form(done, hostile, token_from=page, content_type="multipart/form-data")
    assert _fresh(PlanEvent)[0].done_on is None  # the documents store's checks refused it
    upload = {"done_on": "2025-10-20", "evidence_url": "https://school.example/lesson",
              "evidence_file": (io.BytesIO(document_files.pdf()), "Конспект урока.pdf")}
    assert client.post_form(done, upload, token_from=page,
                            content_type="multipart/form-data").status_code == 302
    event = _fresh(PlanEvent)[0]
    assert (event.done_on, event.evidence_url, event.evidence_filename) == (
        date(2025, 10, 20), "https://school.example/lesson", "Конспект урока.pdf")
    assert (tmp_path / event.evidence_storage_name).read_bytes() == document_files.pdf()
    response = client.get(f"/mentoring/plan-events/{event.id}/evidence")
    assert response.data == document_files.pdf()
    assert response.headers["Cache-Control"] == "private, no-store"
    response.close()
    assert client.post_form(done, {"done_on": "2025-10-21"}, token_from=page
                            ).status_code == 302  # no link and no file: refused
    assert _fresh(PlanEvent)[0].done_on == date(2025, 10, 20)


def test_the_plan_rows_are_added_edited_and_removed(client, curator, pair):
    programme = _programme(pair, events=0)
    new = f"/mentoring/programmes/{programme.id}/events/new"
    for title in ("Посещение уроков наставника", "Разработка технологической карты"):
        assert client.post_form(new, {"direction": "subject", "title": title,
                                      "dates": "октябрь", "methods": "беседа",
                                      "expected_result": "карта урока"},
                                token_from=new).status_code == 302
    first, second = _fresh(PlanEvent)
    edit = f"/mentoring/plan-events/{second.id}"
    client.post_form(edit, {"direction": "ict", "title": "Электронный журнал",
                            "dates": "ноябрь", "methods": "", "expected_result": ""},
                     token_from=edit)
    client.post_form(f"/mentoring/plan-events/{first.id}/delete",
                     {"submit": "1"}, token_from=edit)
    (event,) = _fresh(PlanEvent)
    assert (event.number, event.direction, event.title) == (1, Direction.ICT,
                                                           "Электронный журнал")


def test_the_docx_follows_seed_004s_appendix(client, curator, pair):
    programme = _programme(pair)
    response = client.get(f"/mentoring/programmes/{programme.id}/programme.docx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert MENTEE not in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]
    for heading in ("ПЕРСОНАЛИЗИРОВАННАЯ ПРОГРАММА НАСТАВНИЧЕСТВА", "Общие сведения",
                    "Пояснительная записка", "Мероприятия по планированию, организации и "
                    "содержанию деятельности индивидуальной работы с наставляемым"):
        assert heading in paragraphs
    general, note, plan = ([[c.text for c in row.cells] for row in table.rows]
                           for table in document.tables)
    assert general[0] == ["Сведения", "наставляемый", "наставник"]
    assert general[1] == ["Фамилия, имя, отчество", MENTEE, MENTOR]
    assert general[3] == ["Педагогический стаж", "1 год", "21 год"]
    assert general[5] == ["Квалификационная категория", "без категории", "высшая категория"]
    assert note[0] == ["Проблема (профессиональные дефициты)", "Затруднения в планировании уроков"]
    assert plan[0] == ["№ п/п", "Направление наставнической деятельности",
                       "Наименование мероприятия", "Сроки", "Формы и методы работы наставника",
                       "Ожидаемый результат"]
    assert plan[1:] == [[str(n), "Методическая работа", f"EVENT-{n} Разработка урока",
                         "октябрь 2025", "консультация", f"RESULT-{n}"] for n in (1, 2)]


def test_the_print_page_shows_the_programme(client, curator, pair):
    programme = _programme(pair)
    response = client.get(f"/mentoring/programmes/{programme.id}/print")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.get_data(as_text=True)
    assert "@media print" in page
    for text in ("ПЕРСОНАЛИЗИРОВАННАЯ ПРОГРАММА НАСТАВНИЧЕСТВА", "Общие сведения", MENTEE,
                 MENTOR, "Адаптация молодого педагога", "EVENT-2 Разработка урока"):
        assert text in page


def test_every_view_of_a_programme_is_in_the_access_log(client, curator, pair):
    programme = _programme(pair)
    base = f"/mentoring/programmes/{programme.id}"
    for url in (base, f"{base}/print", f"{base}/programme.docx",
                f"/organizations/{pair.organization_id}/mentoring/programmes"):
        assert client.get(url).status_code == 200
    entries = [(e.kind, e.subject_id, e.user_id) for e in _fresh(PersonalDataAccess)]
    assert entries == [(AccessKind.PROGRAMME, programme.id, curator.id),
                       (AccessKind.PROGRAMME_PRINT, programme.id, curator.id),
                       (AccessKind.PROGRAMME_DOCX, programme.id, curator.id),
                       (AccessKind.PROGRAMMES, None, curator.id)]
    log = client.get(f"/organizations/{pair.organization_id}/mentoring/access-log")
    assert "программа наставничества, DOCX" in log.get_data(as_text=True)


def test_the_head_reads_but_does_not_change_a_programme(client, factory, pair):
    programme = _programme(pair)
    client.login(factory.user(Role.HEAD, pair.organization))
    page = f"/mentoring/programmes/{programme.id}"
    shown = client.get(page)
    assert shown.status_code == 200 and MENTEE in shown.get_data(as_text=True)
    assert 'action="/mentoring/programmes' not in shown.get_data(as_text=True)
    response = client.post_form(f"{page}/extend", {"new_end_on": "2026-08-31", "reason": "x"},
                                token_from=page)
    assert response.status_code == 403
    assert _fresh(ProgrammeExtension) == []


@pytest.mark.parametrize("role", ["other_curator", "municipal", "regional", "admin"])
def test_every_programme_route_refuses_outside_the_organization(app, client, factory, pair,
                                                                role):
    programme = _programme(pair)
    event = programme.events[0]
    school = pair.organization
    other = factory.organization(school.municipality, name="OTHER-PROG")
    user = {"other_curator": lambda: factory.user(Role.CURATOR, other),
            "municipal": lambda: factory.user(Role.MUNICIPAL, school.municipality),
            "regional": lambda: factory.user(Role.REGIONAL, school.municipality.region),
            "admin": lambda: factory.user(Role.ADMIN)}[role]()
    client.login(user)
    ids = {"org_id": school.id, "pair_id": pair.id, "programme_id": programme.id,
           "plan_event_id": event.id}
    assert assert_routes_refused(app, client, "programmes.", ids, (MENTEE, MENTOR)) >= 15
    assert _fresh(PersonalDataAccess) == []  # nothing was shown, so nothing was logged
    assert programme_counts(school).active == 1  # counts are what the outside may know


@pytest.mark.parametrize("role", ["municipal", "regional", "admin", "curator", "head"])
def test_the_scope_hook_gives_programme_rows_to_the_curator_and_head_only(app, factory, pair,
                                                                          role):
    """Whatever the query: only the organization's own curator and head read the rows."""
    from flask_login import login_user

    _programme(pair)
    school = pair.organization
    scope = {"municipal": school.municipality, "regional": school.municipality.region,
             "admin": None, "curator": school, "head": school}[role]
    user = factory.user(Role(role), scope)
    own = role in ("curator", "head")
    with app.test_request_context("/"):
        login_user(user)
        for model in (Programme, PlanEvent):
            rows = db.session.scalars(sa.select(model).execution_options(
                populate_existing=True)).all()
            assert bool(rows) is own, (model, role)
    assert URL_ACTIONS["programme_id"] == URL_ACTIONS["plan_event_id"] == "personal_data"
