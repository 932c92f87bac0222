"""Roadmaps: the standard template, editing events, deadlines, XLSX import and export."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from portal.extensions import db
from portal.roadmaps import schoolyear
from portal.roadmaps.models import Roadmap, RoadmapEvent
from portal.roadmaps.schoolyear import DeadlineError, parse_deadline
from portal.roadmaps.template import STANDARD_EVENTS
from tenants.models import Role

YEAR = 2025  # the school year 2025/2026


@pytest.fixture
def school(factory):
    return factory.organization(factory.municipality(), name="Школа-ROADMAPS")


@pytest.fixture
def curator(client, factory, school):
    user = factory.user(Role.CURATOR, school)
    client.login(user)
    return user


def _create(client, school, source="template", year=YEAR):
    page = f"/organizations/{school.id}/roadmaps"
    return client.post_form(f"{page}/new", {"create-school_year": year, "create-source": source},
                            token_from=page)


def _roadmap() -> Roadmap:
    return db.session.scalars(sa.select(Roadmap)).one()


@pytest.mark.parametrize("text, expected, is_month", [
    ("10.2025", date(2025, 10, 31), True), ("2026-02", date(2026, 2, 28), True),
    ("октябрь 2025", date(2025, 10, 31), True), ("Октябрь 2025 г.", date(2025, 10, 31), True),
    ("February 2028", date(2028, 2, 29), True), ("15.10.2025", date(2025, 10, 15), False),
    ("2026-03-01", date(2026, 3, 1), False), ("1 марта 2026", date(2026, 3, 1), False),
    (datetime(2026, 5, 20, 0, 0), date(2026, 5, 20), False),
])
def test_deadlines_are_read_as_months_or_dates(text, expected, is_month):
    deadline = parse_deadline(text)
    assert (deadline.day, deadline.is_month) == (expected, is_month)


@pytest.mark.parametrize("text", ["31.02.2026", "13.2025", "30.13.2025", "скоро", "", "2025"])
def test_impossible_deadlines_are_refused(app, text):
    with app.test_request_context(), pytest.raises(DeadlineError):
        parse_deadline(text)


def test_school_years_run_from_september_to_august():
    assert schoolyear.school_year_of(date(2025, 9, 1)) == 2025
    assert schoolyear.school_year_of(date(2026, 8, 31)) == 2025
    assert schoolyear.year_label(2025) == "2025/2026"


def test_one_click_roadmap_from_the_standard_template(client, curator, school):
    response = _create(client, school)
    assert response.status_code == 302
    roadmap = _roadmap()
    assert roadmap.school_year == YEAR and len(roadmap.events) == len(STANDARD_EVENTS) == 36
    assert {e.stage for e in roadmap.events} == set(range(1, 8))
    assert all(date(2025, 9, 1) <= e.due_on <= date(2026, 8, 31) for e in roadmap.events)
    first = roadmap.events[0]
    assert first.title.startswith("Издание приказа о реализации целевой модели")
    assert first.due_on == date(2025, 9, 30) and first.responsible == "Директор"
    page = client.get(f"/roadmaps/{roadmap.id}").get_data(as_text=True)
    assert "Подготовка условий для запуска программы наставничества" in page
    assert "сентябрь – октябрь 2025" in page  # a range of months, as in seed 001
    assert "ноябрь – декабрь 2025, далее — ежегодно сентябрь" in page
    # The same template shifted to another school year.
    _create(client, school, year=YEAR + 1)
    later = db.session.scalars(sa.select(Roadmap).filter_by(school_year=YEAR + 1)).one()
    assert later.events[0].due_on == date(2026, 9, 30)


def test_a_second_roadmap_for_the_same_year_is_refused(client, curator, school):
    _create(client, school)
    again = _create(client, school, source="empty")
    assert again.status_code == 422
    assert "Дорожная карта на 2025/2026 учебный год уже есть." in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Roadmap)) == 1


def _event_form(**fields):
    return {"stage": "2", "title": "Анкетирование", "deadline": "11.2025", "start": "",
            "note": "", "responsible": "Куратор", "planned_result": "", **fields}


def test_events_are_added_edited_reordered_and_removed(client, curator, school):
    _create(client, school, source="empty")
    roadmap = _roadmap()
    page = f"/roadmaps/{roadmap.id}/events/new"
    for title in ("Первое", "Второе"):
        assert client.post_form(page, _event_form(title=title), token_from=page).status_code == 302
    first, second = sorted(_roadmap().events, key=lambda e: e.position)
    edit = f"/roadmap-events/{first.id}/edit"
    client.post_form(edit, _event_form(title="Первое (изм.)", deadline="15.12.2025",
                                       start="09.2025", note="далее — ежегодно"), token_from=edit)
    changed = db.session.get(RoadmapEvent, first.id)
    assert changed.title == "Первое (изм.)" and changed.due_on == date(2025, 12, 15)
    assert changed.starts_on == date(2025, 9, 1) and not changed.due_is_month
    view = f"/roadmaps/{roadmap.id}"
    client.post_form(f"/roadmap-events/{second.id}/move", {"direction": "up"}, token_from=view)
    ordered = [e.title for e in _roadmap().events]
    assert ordered == ["Второе", "Первое (изм.)"]
    client.post_form(f"/roadmap-events/{first.id}/delete", token_from=view)
    assert [e.title for e in _roadmap().events] == ["Второе"]


@pytest.mark.parametrize("fields, message", [
    ({"deadline": "10.2026"}, "выходит за пределы 2025/2026 учебного года"),
    ({"deadline": "31.08.2025"}, "выходит за пределы 2025/2026 учебного года"),
    ({"deadline": "30.02.2026"}, "несуществующая дата"),
    ({"start": "12.2025", "deadline": "10.2025"}, "Начало позже срока"),
])
def test_bad_deadlines_are_refused_and_nothing_changes(client, curator, school, fields, message):
    _create(client, school)
    event = _roadmap().events[0]
    edit = f"/roadmap-events/{event.id}/edit"
    response = client.post_form(edit, _event_form(**fields), token_from=edit)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.get(RoadmapEvent, event.id).title.startswith("Издание приказа")


def test_export_and_import_round_trip(client, curator, school, factory):
    _create(client, school)
    roadmap = _roadmap()
    exported = client.get(f"/roadmaps/{roadmap.id}/roadmap.xlsx")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(exported.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["№ п/п", "Этап", "Мероприятие", "Начало", "Сроки"]
    assert sheet.max_row == 37 and sheet["E2"].value == "09.2025"
    other = factory.organization(school.municipality)
    client.post_form("/logout")
    client.login(factory.user(Role.CURATOR, other))
    response = _import(client, other, exported.data)
    assert response.status_code == 302
    imported = db.session.scalars(sa.select(Roadmap).filter_by(organization_id=other.id)).one()
    assert [(e.title, e.due_on, e.starts_on, e.deadline_note) for e in imported.events] == \
        [(e.title, e.due_on, e.starts_on, e.deadline_note) for e in roadmap.events]


def _import(client, org, data: bytes, year=YEAR, name="roadmap.xlsx"):
    page = f"/organizations/{org.id}/roadmaps"
    return client.post_form(f"{page}/import", {"import-school_year": year,
                                               "import-file": (io.BytesIO(data), name)},
                            token_from=page)


def _sheet(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_import_with_missing_columns_is_refused(client, curator, school):
    data = _sheet([["Этап", "Мероприятие"], [1, "Приказ"]])
    response = _import(client, school, data)
    assert response.status_code == 422
    assert "Нет обязательных столбцов: Сроки, Ответственный." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Roadmap)) == 0


def test_an_import_with_impossible_dates_names_every_line_and_writes_nothing(
        client, curator, school):
    data = _sheet([
        ["Этап", "Мероприятие", "Срок", "Ответственный"],
        [1, "Приказ", "09.2025", "Директор"],
        [1, "Положение", "31.02.2026", "Куратор"],
        [9, "Неизвестный этап", "10.2025", "Куратор"],
        [2, "Вне года", "10.2026", "Куратор"],
    ])
    response = _import(client, school, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Строка 3: «31.02.2026» — несуществующая дата." in html
    assert "Строка 4: Этап — число от 1 до 7." in html
    assert "Строка 5: Срок «10.2026» выходит за пределы 2025/2026 учебного года" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Roadmap)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoadmapEvent)) == 0


def test_a_renamed_non_spreadsheet_is_refused(client, curator, school):
    response = _import(client, school, b"MZ\x90\x00binary\x00" * 10, name="roadmap.xlsx")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Roadmap)) == 0


def test_heads_and_coordinators_read_but_do_not_edit(client, factory, school, curator):
    _create(client, school)
    roadmap = _roadmap()
    event = roadmap.events[0]
    client.post_form("/logout")
    for user in (factory.user(Role.HEAD, school),
                 factory.user(Role.MUNICIPAL, school.municipality)):
        client.login(user)
        assert client.get(f"/roadmaps/{roadmap.id}").status_code == 200
        assert client.get(f"/roadmap-events/{event.id}/edit").status_code == 403
        view = f"/roadmaps/{roadmap.id}"
        deleted = client.post_form(f"/roadmaps/{roadmap.id}/delete", token_from=view)
        assert deleted.status_code == 403
        client.post_form("/logout")
    assert db.session.get(Roadmap, roadmap.id) is not None
