"""Execution of the roadmap in the quarterly report, and the printable execution report."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.documents import operations as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.reports.models import AuditEntry, Report, ReportState
from portal.reports.operations import ensure_report
from portal.reports.period_operations import open_period
from portal.roadmaps import execution, operations
from portal.roadmaps.models import EventExecution, ExecutionStatus, Roadmap
from tenants.models import Role
from tenants.scoping import system_session

YEAR = 2025
DUE_IN_Q4 = 14  # events of the standard roadmap due by 31 December
BEGUN_IN_Q4 = 4  # begun in September, due later in the school year


@pytest.fixture
def setting(factory):
    """A school with the standard roadmap for 2025/2026 and its report for Q4 2025."""
    municipality = factory.municipality()
    school = factory.organization(municipality, name="Школа-EXECUTION")
    roadmap = operations.create_roadmap(school, YEAR, None, from_template=True)
    report = ensure_report(school, open_period(municipality.region, YEAR, 4))
    return school, roadmap, report


def _form(rows, **overrides) -> dict:
    """Every due event done with a note, begun ones in progress; ``overrides`` by event id."""
    data = {}
    for row in rows:
        status = "done" if row.is_due else "in_progress"
        data.update({f"status-{row.event.id}": status,
                     f"note-{row.event.id}": f"Сделано: {row.number}"})
    data.update(overrides)
    return data


def _rows(report: Report, roadmap: Roadmap):
    # A request context without a signed-in user sees nothing: read as the system.
    with system_session("the test reads its own report outside any user's request"):
        return execution.rows_for(db.session.get(Report, report.id), roadmap)


def test_the_quarter_lists_the_events_due_or_begun_so_far(app, setting):
    _school, roadmap, report = setting
    with app.test_request_context():
        rows = _rows(report, roadmap)
    assert sum(r.is_due for r in rows) == DUE_IN_Q4
    assert len(rows) == DUE_IN_Q4 + BEGUN_IN_Q4
    assert all(r.is_overdue for r in rows if r.is_due)  # nothing reported yet: all overdue
    assert execution.rate(rows) == execution.Rate(0, DUE_IN_Q4)


def test_curator_reports_execution_with_the_quarterly_report(client, factory, setting):
    school, roadmap, report = setting
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    rows = _rows(report, roadmap)
    not_done = rows[2].event.id
    response = client.post_form(page, _form(rows, **{
        f"status-{not_done}": "not_done", f"reason-{not_done}": "Перенесено на январь",
        f"evidence_order-{rows[0].event.id}": "Приказ от 23.09.2025 № 62-од",
        f"evidence_url-{rows[0].event.id}": "https://school.example/nastavnichestvo/"}),
        token_from=page)
    assert response.status_code == 302
    stored = db.session.scalars(sa.select(EventExecution)).all()
    assert len(stored) == DUE_IN_Q4 + BEGUN_IN_Q4
    assert {e.status for e in stored} == {ExecutionStatus.DONE, ExecutionStatus.IN_PROGRESS,
                                         ExecutionStatus.NOT_DONE}
    html = client.get(page).get_data(as_text=True)
    assert f"Исполнено {DUE_IN_Q4 - 1} из {DUE_IN_Q4}" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "execution")) == len(stored)


@pytest.mark.parametrize("override, message", [
    (("status", "not_done"), "Укажите причину"),
    (("evidence_url", "javascript:alert(1)"), "http:// или https://"),
    (("status", "overdue"), "Выберите статус"),
    (("evidence_document", "999999"), "Выберите документ из реестра организации"),
])
def test_bad_rows_are_refused_and_nothing_is_written(client, factory, setting, override,
                                                     message):
    school, roadmap, report = setting
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    rows = _rows(report, roadmap)
    field, value = override
    response = client.post_form(page, _form(rows, **{f"{field}-{rows[1].event.id}": value}),
                                token_from=page)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventExecution)) == 0


def test_evidence_may_be_a_document_of_the_register_but_not_a_foreign_one(client, factory,
                                                                         setting):
    school, roadmap, report = setting
    own = documents.add_version(school, documents.Upload(
        DocumentKind.IMPLEMENTATION_ORDER, url="https://school.example/order.pdf"), None)
    other = factory.organization(school.municipality)
    foreign = documents.add_version(other, documents.Upload(
        DocumentKind.IMPLEMENTATION_ORDER, url="https://other.example/order.pdf"), None)
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    rows = _rows(report, roadmap)
    first = rows[0].event.id
    refused = client.post_form(page, _form(rows, **{
        f"evidence_document-{first}": str(foreign.document_id)}), token_from=page)
    assert refused.status_code == 422
    accepted = client.post_form(page, _form(rows, **{
        f"evidence_document-{first}": str(own.document_id)}), token_from=page)
    assert accepted.status_code == 302
    stored = db.session.scalars(sa.select(EventExecution).filter_by(event_id=first)).one()
    assert stored.evidence_document_id == own.document_id


def test_execution_is_locked_with_the_submitted_report_and_reopened_with_it(client, factory,
                                                                          setting):
    school, roadmap, report = setting
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    rows = _rows(report, roadmap)
    client.post_form(page, _form(rows), token_from=page)
    db.session.get(Report, report.id).state = ReportState.SUBMITTED
    db.session.flush()
    locked = client.post_form(page, _form(rows, **{f"note-{rows[0].event.id}": "Изменено"}),
                              token_from=page)
    assert locked.status_code == 403
    assert "Только просмотр" in client.get(page).get_data(as_text=True)
    db.session.get(Report, report.id).state = ReportState.RETURNED
    db.session.flush()
    again = client.post_form(page, _form(rows, **{f"note-{rows[0].event.id}": "Изменено"}),
                             token_from=page)
    assert again.status_code == 302
    note = db.session.scalars(sa.select(EventExecution.note).filter_by(
        event_id=rows[0].event.id)).one()
    assert note == "Изменено"


def test_the_next_quarter_starts_from_what_was_reported(client, factory, setting):
    school, roadmap, report = setting
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    client.post_form(page, _form(_rows(report, roadmap)), token_from=page)
    next_report = ensure_report(school, open_period(school.municipality.region, YEAR + 1, 1))
    html = client.get(f"/reports/{next_report.id}/roadmap").get_data(as_text=True)
    # Carried forward into the form, but nothing is recorded in the new report until saved.
    assert "Сделано: 1<" in html and "Сделано: 16<" in html and "Сделано: 36<" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventExecution).filter_by(
        report_id=next_report.id)) == 0


def test_head_and_coordinator_read_the_execution_but_cannot_change_it(client, factory, setting):
    school, roadmap, report = setting
    page = f"/reports/{report.id}/roadmap"
    rows = _rows(report, roadmap)
    for user in (factory.user(Role.HEAD, school),
                 factory.user(Role.MUNICIPAL, school.municipality)):
        client.login(user)
        assert client.get(page).status_code == 200
        assert client.post_form(page, _form(rows), token_from=page).status_code == 403
        client.post_form("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventExecution)) == 0


def test_the_printed_report_reads_like_seed_001(client, factory, setting):
    school, roadmap, report = setting
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    rows = _rows(report, roadmap)
    client.post_form(page, _form(rows, **{
        f"note-{rows[0].event.id}": "Издан приказ от 23.09.2025 г. № 62-од «Об организации "
                                     "наставничества»"}), token_from=page)
    html = client.get(f"/roadmaps/{roadmap.id}/execution").get_data(as_text=True)
    assert "Отчёт об исполнении дорожной карты по реализации целевой модели наставничества" in html
    assert "за 2025/2026 уч. год" in html
    for header in ("№ п/п", "Мероприятия", "Сроки", "Ответственный", "Отметка об исполнении"):
        assert header in html
    assert html.index("Подготовка условий") < html.index("Формирование базы наставляемых")
    assert "№ 62-од «Об организации наставничества»" in html
    assert "ещё не отмечено" in html  # events of later quarters
    workbook = load_workbook(io.BytesIO(client.get(f"/roadmaps/{roadmap.id}/execution.xlsx").data))
    values = [row for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][0].startswith("Отчёт об исполнении дорожной карты")
    assert values[1][:5] == ("№ п/п", "Мероприятия", "Сроки", "Ответственный",
                             "Отметка об исполнении")
    assert values[2][0] == "Подготовка условий для запуска программы наставничества"
    assert values[3][0] == 1 and "№ 62-од" in values[3][4]


def test_a_draft_of_a_closed_period_is_frozen_like_the_report(client, factory, setting):
    school, roadmap, report = setting
    db.session.get(Report, report.id).period.is_open = False
    db.session.flush()
    client.login(factory.user(Role.CURATOR, school))
    page = f"/reports/{report.id}/roadmap"
    assert client.post_form(page, _form(_rows(report, roadmap)),
                            token_from=page).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventExecution)) == 0


def test_in_a_quarter_under_way_only_reached_deadlines_are_due(app, setting, monkeypatch):
    from datetime import date

    from portal import clock

    _school, roadmap, report = setting
    monkeypatch.setattr(clock, "today", lambda where=None: date(2025, 11, 15))
    with app.test_request_context():
        rows = _rows(report, roadmap)
    assert len(rows) == DUE_IN_Q4 + BEGUN_IN_Q4  # the whole quarter is listed
    assert sum(r.is_due for r in rows) == 6  # September and October events only
