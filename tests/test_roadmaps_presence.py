"""The presence check: who lacks which document, whose roadmap is missing or behind."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bench.presence import populate
from portal import clock
from portal.documents import operations as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.reports.operations import ensure_report
from portal.reports.period_operations import open_period
from portal.roadmaps import operations
from portal.roadmaps.models import EventExecution, ExecutionStatus
from portal.roadmaps.template import STANDARD_EVENTS
from tenants.models import OrganizationType, Role, Subordination

TODAY = date(2026, 3, 15)  # school year 2025/2026
OVERDUE_BY_TODAY = sum(t.due_on(2025) < TODAY for t in STANDARD_EVENTS)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda where=None: TODAY)


def _document(org, kind, order_date=date(2025, 9, 1)):
    documents.add_version(org, documents.Upload(kind, order_number="1", order_date=order_date,
                                                url="https://example.org/d"), None)


@pytest.fixture
def town(factory):
    """Four organizations in every state, a regional college and a closed school."""
    municipality = factory.municipality(name="Город-PRESENCE")
    full = factory.organization(municipality, name="Полная школа")
    stale = factory.organization(municipality, name="Устаревшая школа")
    behind = factory.organization(municipality, name="Отстающая школа")
    garden = factory.organization(municipality, name="Детский сад «Ромашка»",
                                  type=OrganizationType.KINDERGARTEN)
    college = factory.organization(municipality, name="Техникум-PRESENCE",
                                   type=OrganizationType.COLLEGE,
                                   subordination=Subordination.REGIONAL)
    factory.organization(municipality, name="Закрытая школа", active=False)
    for kind in DocumentKind:
        _document(full, kind)
    for kind in (DocumentKind.IMPLEMENTATION_ORDER, DocumentKind.ROADMAP):
        _document(stale, kind, date(2024, 9, 2))
    _document(garden, DocumentKind.REGULATION)
    operations.create_roadmap(stale, 2024, None, from_template=True)  # last year's only
    operations.create_roadmap(behind, 2025, None, from_template=True)  # nothing reported
    roadmap = operations.create_roadmap(full, 2025, None, from_template=True)
    report = ensure_report(full, open_period(municipality.region, 2026, 1))
    for event in roadmap.events:
        if event.due_on < TODAY:
            db.session.add(EventExecution(organization_id=full.id, report_id=report.id,
                                          event_id=event.id, status=ExecutionStatus.DONE))
    db.session.flush()
    return municipality, dict(full=full, stale=stale, behind=behind, garden=garden,
                              college=college)


def _rows(html: str) -> dict[str, str]:
    """Each organization's row of the matrix, by the organization's code."""
    import re

    return {code: row for code, row in re.findall(
        r'<tr data-org="([^"]+)">(.*?)</tr>', html, re.S)}


def test_the_municipal_coordinator_sees_who_lacks_what(client, factory, town):
    municipality, orgs = town
    client.login(factory.user(Role.MUNICIPAL, municipality))
    html = client.get(f"/municipalities/{municipality.id}/presence").get_data(as_text=True)
    rows = _rows(html)
    assert set(rows) == {orgs[n].code for n in ("full", "stale", "behind", "garden")}
    assert "нет" not in rows[orgs["full"].code] and "01.09.2025" in rows[orgs["full"].code]
    assert "не обновлена" in rows[orgs["stale"].code]  # roadmap of 2024/2025 only
    assert rows[orgs["behind"].code].count("table-danger") == 8 + 1  # no documents, overdue
    assert f">{OVERDUE_BY_TODAY}<" in rows[orgs["behind"].code]
    assert "36 мероприятий" in rows[orgs["full"].code]
    assert "Техникум-PRESENCE" not in html and "Закрытая школа" not in html
    assert "У 1 организации есть просроченные мероприятия дорожной карты" in html
    assert "Полный комплект документов: 1 из 4." in html
    # Column counts: the regulation is present at the full school and the kindergarten.
    assert '<td class="text-center" data-kind="regulation">2</td>' in html


def test_the_matrix_filters_by_type_and_exports_to_xlsx(client, factory, town):
    municipality, orgs = town
    client.login(factory.user(Role.MUNICIPAL, municipality))
    html = client.get(f"/municipalities/{municipality.id}/presence?type=kindergarten")
    assert set(_rows(html.get_data(as_text=True))) == {orgs["garden"].code}
    export = client.get(f"/municipalities/{municipality.id}/presence.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0].startswith("Наличие документов по наставничеству: Город-PRESENCE")
    assert values[1][:4] == ("Код", "Организация", "Тип", "Приказ о внедрении")
    by_code = {row[0]: row for row in values[2:-1]}
    assert by_code[orgs["behind"].code][3] == "нет"
    assert by_code[orgs["behind"].code][-1] == OVERDUE_BY_TODAY
    # "02.09.2024 (не обновлена)" as Excel shows it: a date cell whose format says stale.
    stale = sheet.cell(row=3 + list(by_code).index(orgs["stale"].code), column=6)
    assert by_code[orgs["stale"].code][5] == stale.value == datetime(2024, 9, 2)
    assert stale.is_date and stale.number_format == 'DD.MM.YYYY" (не обновлена)"'
    assert values[-1][1] == "Есть"


def test_the_regional_coordinator_sees_municipalities_and_regional_organizations(
        client, factory, town):
    municipality, orgs = town
    client.login(factory.user(Role.REGIONAL, municipality.region))
    html = client.get(f"/regions/{municipality.region_id}/presence").get_data(as_text=True)
    assert "Город-PRESENCE" in html and set(_rows(html)) == {orgs["college"].code}
    town_page = client.get(f"/municipalities/{municipality.id}/presence").get_data(as_text=True)
    assert orgs["college"].code in _rows(town_page)  # the region sees every organization


def test_curators_have_no_presence_check(client, factory, town):
    municipality, orgs = town
    client.login(factory.user(Role.CURATOR, orgs["full"]))
    assert client.get(f"/municipalities/{municipality.id}/presence").status_code == 404
    assert client.get("/presence").headers["Location"].endswith(
        f"/organizations/{orgs['full'].id}/documents")


def _count(client, count_queries, url) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_matrix_of_300_organizations_takes_a_bounded_number_of_queries(
        client, factory, count_queries):
    region = factory.region()
    small, large = factory.municipality(region), factory.municipality(region)
    populate(small, 3, TODAY)
    populate(large, 300, TODAY)
    client.login(factory.user(Role.REGIONAL, large.region))
    few = _count(client, count_queries, f"/municipalities/{small.id}/presence")
    many = _count(client, count_queries, f"/municipalities/{large.id}/presence")
    print(f"presence page queries: {few} for 3 organizations, {many} for 300")
    assert many == few <= 10, (few, many)
    html = client.get(f"/municipalities/{large.id}/presence").get_data(as_text=True)
    assert len(_rows(html)) == 300


def test_an_event_is_overdue_by_its_latest_reported_status(factory):
    """Every pair of (earlier, later) statuses over two quarters, in two organizations:
    the later report decides; an event never reported is planned; one not yet due is not
    overdue; another organization's executions never count."""
    import itertools

    import sqlalchemy as sa

    from portal.roadmaps.models import CLOSED_STATUSES, RoadmapEvent
    from portal.roadmaps.queries import overdue_counts
    from tenants.models import Organization
    from tenants.opt_out import system_session

    municipality = factory.municipality(name="Город-OVERDUE")
    region = municipality.region
    q1, q2 = open_period(region, 2025, 4), open_period(region, 2026, 1)
    statuses = [None, *ExecutionStatus]
    pairs = list(itertools.product(statuses, statuses))
    expected = {}
    for org in (factory.organization(municipality), factory.organization(municipality)):
        roadmap = operations.create_roadmap(org, 2025, None, from_template=True)
        due = [e for e in roadmap.events if e.due_on < TODAY]
        later = [e for e in roadmap.events if e.due_on >= TODAY]
        reports = (ensure_report(org, q1), ensure_report(org, q2))
        for event, pair in zip(itertools.cycle(due), pairs[: len(due)]):
            for report, status in zip(reports, pair):
                if status is not None:
                    db.session.add(EventExecution(organization_id=org.id, report_id=report.id,
                                                  event_id=event.id, status=status))
        for event in later:  # reported as not done, but not yet due
            db.session.add(EventExecution(organization_id=org.id, report_id=reports[1].id,
                                          event_id=event.id, status=ExecutionStatus.NOT_DONE))
        final = [next((s for s in reversed(pair) if s is not None), ExecutionStatus.PLANNED)
                 for pair in pairs[: len(due)]]
        expected[org.id] = sum(s not in CLOSED_STATUSES for s in final)
        assert 0 < expected[org.id] < len(due)  # both outcomes occur
    db.session.flush()
    ids = sa.select(Organization.id).where(Organization.municipality_id == municipality.id)
    with system_session("test: the rule itself, scope tested elsewhere"):
        found = dict(db.session.execute(overdue_counts(ids, 2025, TODAY)).all())
        assert db.session.scalar(sa.select(sa.func.count(RoadmapEvent.id))) > 0
    assert found == expected
