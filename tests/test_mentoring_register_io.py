"""The register as an XLSX file: the template, the all-or-nothing import with every problem by
line, the export (round trip, access log), and hostile files refused by the safe reader."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from portal.extensions import db
from portal.mentoring import operations
from portal.mentoring.models import (
    AccessKind,
    MenteeCategory,
    Participant,
    ParticipantRole,
    PersonalDataAccess,
    Qualification,
)
from tenants.models import Role
from tests.data import hostile_uploads
from tests.upload_helpers import post_file, post_large

HEADER = ["ФИО", "Должность", "Образование", "Педагогический стаж, лет",
          "Квалификационная категория", "Роль в наставничестве", "Категория наставляемого",
          "Дата согласия на обработку персональных данных"]
GOOD = [
    ["Иванова Мария Петровна", "учитель математики", "высшее", 1, None, "наставляемый",
     "молодой специалист, впервые пришедший в профессию", datetime(2025, 9, 1)],
    ["Петров Иван Сергеевич", "учитель физики", "высшее", 25, "высшая категория", "наставник",
     None, "02.09.2025"],
    ["Сидорова Анна Олеговна", "педагог-психолог", "", "7", "первая категория",
     "наставник и наставляемый", "педагог, новый в коллективе", "2025-09-03"],
]


@pytest.fixture
def school(factory):
    municipality = factory.municipality(factory.region("REG-RIO"), "MUN-RIO")
    return factory.organization(municipality, name="SCHOOL-RIO")


@pytest.fixture
def curator(client, factory, school):
    user = factory.user(Role.CURATOR, school, full_name="CURATOR-RIO")
    client.login(user)
    return user


def _urls(org) -> dict[str, str]:
    base = f"/organizations/{org.id}/mentoring/participants"
    return {"template": f"{base}/template.xlsx", "export": f"{base}/export.xlsx",
            "import": f"{base}/import"}


def _people(org) -> list[Participant]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Participant).filter_by(
        organization_id=org.id).order_by(Participant.id)))


def _filled(template: bytes, rows: list[list]) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _template(client, org) -> bytes:
    response = client.get(_urls(org)["template"])
    assert response.status_code == 200
    return response.data


def _import(client, org, rows: list[list]):
    return post_file(client, _urls(org)["import"], _filled(_template(client, org), rows),
                     "реестр.xlsx")


def _row(people: list[Participant]) -> list[tuple]:
    return [(p.full_name, p.position, p.education, p.experience_years, p.qualification,
             p.role, p.mentee_category, p.consent_on) for p in people]


def test_the_template_has_a_russian_header_an_instruction_sheet_and_nothing_hidden(
        client, curator, school):
    response = client.get(_urls(school)["template"])
    assert response.headers["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Реестр", "Инструкция"]
    assert all(sheet.sheet_state == "visible" for sheet in workbook.worksheets)
    register = workbook["Реестр"]
    assert [c.value for c in register[1]] == HEADER
    assert register.max_row == 1  # no sample line that an import would take for a person
    instructions = "\n".join(str(c.value) for c in workbook["Инструкция"]["A"] if c.value)
    assert "высшая категория" in instructions and "наставник и наставляемый" in instructions
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in register.data_validations.dataValidation}
    assert set(lists) == {"E2", "F2", "G2"} and all("Инструкция" in f for f in lists.values())


def test_an_import_adds_every_line_with_the_template_labels(client, curator, school):
    page = client.get(_urls(school)["import"]).get_data(as_text=True)
    assert "Импорт реестра из XLSX" in page and _urls(school)["template"] in page
    response = _import(client, school, GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _row(_people(school)) == [
        ("Иванова Мария Петровна", "учитель математики", "высшее", 1, None,
         ParticipantRole.MENTEE, MenteeCategory.YOUNG, date(2025, 9, 1)),
        ("Петров Иван Сергеевич", "учитель физики", "высшее", 25, Qualification.HIGHEST,
         ParticipantRole.MENTOR, None, date(2025, 9, 2)),
        ("Сидорова Анна Олеговна", "педагог-психолог", "", 7, Qualification.FIRST,
         ParticipantRole.BOTH, MenteeCategory.NEW_IN_TEAM, date(2025, 9, 3)),
    ]


TOMORROW = date.today() + timedelta(days=2)
BAD = [  # (line values, what the message of that line says)
    ([None, "учитель", "", 3, None, "наставник", None, None], "the full name"),
    (["Без Роли", "учитель", "", 3, None, None, None, None], "the role"),
    (["Неизвестная Роль", "", "", 3, None, "куратор", None, None], "«куратор»"),
    (["Неизвестная Категория", "", "", 3, None, "наставляемый", "студент", None], "«студент»"),
    (["Неизвестная Квалификация", "", "", 3, "вторая", "наставник", None, None], "«вторая»"),
    (["Плохая Дата", "", "", 3, None, "наставник", None, "31.02.2025"], "«31.02.2025»"),
    (["Будущее Согласие", "", "", 3, None, "наставник", None, TOMORROW.strftime("%d.%m.%Y")],
     "later than today"),
    (["Большой Стаж", "", "", 81, None, "наставник", None, None], "«81»"),
    (["Дробный Стаж", "", "", "2,5", None, "наставник", None, None], "«2,5»"),
    (["Наставник С Категорией", "", "", 3, None, "наставник", "педагог, новый в коллективе",
      None], "only for mentees"),
    (["Формула", "=1+1", "", 3, None, "наставник", None, None], "formula"),
    (["Невидимый\u200bСимвол", "", "", 3, None, "наставник", None, None], "⟨U+200B⟩"),
]
RUSSIAN = {"the full name": "ФИО", "the role": "роль", "later than today": "позже сегодняшней",
           "only for mentees": "только для наставляемых", "formula": "формул"}


@pytest.mark.parametrize("values,expected", BAD, ids=[str(v[0]) for v, _e in BAD])
def test_each_bad_line_is_refused_with_its_line_number_and_nothing_is_written(
        client, curator, school, values, expected):
    response = _import(client, school, [GOOD[0], values])
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Строка 3:" in body, body  # the header is line 1, the good line 2
    assert RUSSIAN.get(expected, expected).lower() in body.lower().split("строка 3:")[1][:400]
    assert "Строка 2:" not in body
    assert _people(school) == []  # the good line is not imported either


def test_every_problem_of_every_line_is_listed_at_once(client, curator, school):
    rows = [values for values, _expected in BAD]
    response = _import(client, school, rows)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert [n for n in range(2, len(rows) + 2) if f"Строка {n}:" not in body] == []
    assert _people(school) == []


def test_duplicates_in_the_file_and_against_the_register_are_refused(client, curator, school):
    operations.create_participant(school, operations.ParticipantData(
        full_name="Петров Иван Сергеевич", position="Учитель  физики",
        role=ParticipantRole.MENTOR))
    namesake = ["Иванова Мария Петровна", "учитель музыки", "", 3, None, "наставник", None,
                None]  # the same name in another position: another person
    repeated = ["иванова мария петровна", "Учитель математики", "", 3, None, "наставник",
                None, None]
    response = _import(client, school, [GOOD[0], GOOD[1], namesake, repeated])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Строка 3: этот человек (те же ФИО и должность) уже есть в реестре" in body
    assert "Строка 5: этот человек уже есть в строке 2" in body
    assert "Строка 2:" not in body and "Строка 4:" not in body
    assert len(_people(school)) == 1
    assert _import(client, school, [GOOD[0], namesake]).status_code == 302
    assert len(_people(school)) == 3


def test_an_export_imported_into_an_empty_register_gives_the_same_people(
        client, factory, curator, school):
    assert _import(client, school, GOOD).status_code == 302
    gone = operations.create_participant(school, operations.ParticipantData(
        full_name="Ушедший Сотрудник", role=ParticipantRole.MENTOR))
    operations.withdraw_consent(gone, date(2025, 10, 1))
    response = client.get(_urls(school)["export"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Ушедший" not in str([c.value for row in load_workbook(io.BytesIO(
        response.data)).worksheets[0].iter_rows() for c in row])
    (entry,) = db.session.scalars(sa.select(PersonalDataAccess).filter_by(
        kind=AccessKind.EXPORT)).all()
    assert (entry.organization_id, entry.user_id) == (school.id, curator.id)
    log = client.get(f"/organizations/{school.id}/mentoring/access-log").get_data(as_text=True)
    assert "выгрузка реестра в XLSX" in log

    other = factory.organization(school.municipality, name="OTHER-RIO")
    client.post_form("/logout")
    client.login(factory.user(Role.CURATOR, other))
    assert post_file(client, _urls(other)["import"], response.data,
                     "export.xlsx").status_code == 302
    named = [p for p in _people(school) if p.anonymized_at is None]
    assert _row(_people(other)) == _row(named)


def test_the_head_exports_but_does_not_import(client, factory, school):
    client.login(factory.user(Role.HEAD, school))
    assert client.get(_urls(school)["export"]).status_code == 200
    assert client.get(_urls(school)["template"]).status_code == 200
    assert client.get(_urls(school)["import"]).status_code == 403


HOSTILE = ["billion_laughs.xlsx", "external_entity.xlsx", "bomb_cells.xlsx",
           "bomb_shared_strings.xlsx", "bomb_packed.xlsx", "bomb_elements.xlsx",
           "huge_part.xlsx", "corrupt_deflate.xlsx", "damaged_xml.xlsx", "macros.xlsm",
           "binary_workbook.xlsb", "spreadsheet.ods"]


def test_hostile_workbooks_are_refused_quickly_with_a_message(client, curator, school):
    corpus = hostile_uploads.files(_filled(_template(client, school), GOOD * 3))
    for name in HOSTILE:
        started = time.monotonic()
        response = post_file(client, _urls(school)["import"], corpus[name], name)
        elapsed = time.monotonic() - started
        body = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert 'data-testid="import-problems"' in body, name
        assert elapsed < 5, (name, elapsed)
    assert _people(school) == []


def test_a_file_over_the_size_limit_is_refused(client, curator, school):
    response = post_large(client, _urls(school)["import"], {
        "file": (io.BytesIO(b"PK\x03\x04" + bytes(10 << 20)), "большой.xlsx")})
    assert response.status_code == 422
    assert "Файл больше 10 МБ" in response.get_data(as_text=True)
    assert _people(school) == []


def _sheet(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rows,message", [
    ([["Имя", "Роль"], ["Иванов", "наставник"]], "Не найдена строка заголовков со столбцом «ФИО»"),
    ([["ФИО", "Должность"], ["Иванов", "учитель"]], "Нет обязательных столбцов: Роль в наставничестве"),
    ([HEADER], "В файле нет ни одного человека"),
])
def test_a_file_that_is_not_a_register_is_refused_as_a_whole(client, curator, school, rows,
                                                              message):
    response = post_file(client, _urls(school)["import"], _sheet(rows), "реестр.xlsx")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _people(school) == []


def test_a_file_over_the_line_limit_is_refused(client, curator, school, monkeypatch):
    from portal.mentoring import register_file

    monkeypatch.setattr(register_file, "MAX_PEOPLE", 2)
    response = _import(client, school, GOOD)
    assert response.status_code == 422
    assert "В файле больше 2 человек" in response.get_data(as_text=True)
    assert _people(school) == []


def test_english_headers_and_labels_and_a_csv_are_read_too(client, curator, school):
    csv_text = ("Full name of the person;Position;Role in mentoring;Mentee category\r\n"
                "Смирнова Ольга;учитель;Mentee;teacher new to the team\r\n").encode("utf-8-sig")
    assert post_file(client, _urls(school)["import"], csv_text, "реестр.csv").status_code == 302
    (person,) = _people(school)
    assert (person.role, person.mentee_category) == (ParticipantRole.MENTEE,
                                                     MenteeCategory.NEW_IN_TEAM)
