"""Uploading a report file: preview, confirmation, all-or-nothing, conflicts, bulk upload."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.catalogue import queries as catalogue_queries
from portal.extensions import db
from portal.reports import operations, period_operations, queries
from portal.reports.models import AuditEntry, ReportState
from tenants.models import Role
from tests.report_helpers import GOOD_VALUES
from tests.upload_helpers import (
    fill_bulk,
    fill_workbook,
    get_bytes,
    make_world,
    post_file,
    snapshot,
)


@pytest.fixture
def world(factory):
    return make_world(factory)


def _urls(world, org=None):
    org = org or world.school
    base = f"/organizations/{org.id}/reports/{world.period.id}"
    return {"template": f"{base}/template.xlsx", "upload": f"{base}/upload",
            "export": f"{base}/export.xlsx"}


def _bulk_urls(world):
    base = f"/municipalities/{world.municipality.id}/periods/{world.period.id}"
    return {"template": f"{base}/template.xlsx", "upload": f"{base}/upload",
            "export": f"{base}/export.xlsx"}


def _upload(client, world, data, name="report.xlsx", org=None):
    response = post_file(client, _urls(world, org)["upload"], data, name)
    return response


def _good_values():
    return {code: value.replace(",", ".") for code, value in GOOD_VALUES.items()}


def test_curator_downloads_uploads_previews_and_saves(client, world):
    client.login(world.curator)
    template = get_bytes(client, _urls(world)["template"])
    data = fill_workbook(template, {"staff_total": 60, "mentors": 7, "students_passed_pct": "91,5"})
    response = _upload(client, world, data)
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Проверьте файл перед сохранением" in page
    assert 'data-code="staff_total"' in page and "91,5" in page
    assert queries.report_for(world.school, world.period) is None  # nothing written yet
    response = client.post(preview_url + "/save", data={"csrf_token": client.csrf_token(preview_url)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    report = queries.report_for(world.school, world.period)
    stored = {code: v.raw for code, v in queries.values_of(report).items()}
    assert stored == {"staff_total": "60", "mentors": "7", "students_passed_pct": "91,5"}
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.report_id == report.id)).all()
    assert {e.source for e in entries} == {"upload"} and len(entries) == 3
    # The token is spent: a second click does not save twice.
    again = client.post(preview_url + "/save", data={"csrf_token": client.csrf_token(preview_url)})
    assert again.status_code == 302
    assert len(db.session.scalars(sa.select(AuditEntry)).all()) == 3


def test_template_has_headers_codes_validation_previous_and_metadata(client, world):
    previous = period_operations.open_period(world.region, 2026, 2)
    report = operations.ensure_report(world.school, previous)
    operations.save_values(report, {"staff_total": "55"}, user=world.curator, source="form")
    client.login(world.curator)
    workbook = load_workbook(io.BytesIO(get_bytes(client, _urls(world)["template"])))
    try:
        ws = workbook["Отчёт"]
        assert [c.value for c in ws[5]] == ["Код показателя", "Раздел", "Показатель", "Единица",
                                           "Значение", "Значение за прошлый квартал"]
        assert ws.column_dimensions["A"].hidden
        rows = {r[0].value: r for r in ws.iter_rows(min_row=6)}
        assert rows["staff_total"][5].value == 55
        assert "ВПР/ОГЭ/ЕГЭ" in rows["students_passed_pct"][2].value  # the school's own label
        kinds = {(v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation}
        assert kinds == {("whole", "0", None), ("decimal", "0", "100"), ("decimal", "1", "10")}
        assert "Инструкция" in workbook.sheetnames
        meta = {r[0]: r[1] for r in workbook["_meta"].iter_rows(values_only=True)}
        assert meta == {"format": "report", "organization": world.school.code, "year": 2026,
                        "quarter": 3}
        assert workbook["_meta"].sheet_state == "hidden"
    finally:
        workbook.close()


def test_template_lists_only_indicators_of_the_type_and_not_retired(client, world, factory):
    from portal.catalogue.models import Indicator

    kg_curator = factory.user(Role.CURATOR, world.kindergarten)
    # An item retired in the version the period reads (retiring it in the form now would
    # make a new version, for periods opened later: issue 11).
    retired = db.session.scalars(sa.select(Indicator).filter_by(
        code="joint_projects", form_version_id=world.period.form_version_id)).one()
    retired.retired_at = datetime(2026, 1, 1)
    db.session.flush()
    client.login(kg_curator)
    workbook = load_workbook(io.BytesIO(get_bytes(client, _urls(world, world.kindergarten)["template"])))
    try:
        codes = [r[0].value for r in workbook["Отчёт"].iter_rows(min_row=6)]
    finally:
        workbook.close()
    assert "students_contest_participants" not in codes  # not for kindergartens
    assert "joint_projects" not in codes and "staff_total" in codes
    assert codes == [i.code for i in catalogue_queries.indicators_for(world.period,
                                                               world.kindergarten.type)]


def test_parse_errors_block_saving_and_change_nothing(client, world):
    client.login(world.curator)
    data = fill_workbook(get_bytes(client, _urls(world)["template"]),
                         {"staff_total": -3, "mentors": "семь"})
    before = snapshot()
    response = _upload(client, world, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Строка 6, столбец E «Значение»: количество не может быть отрицательным" in page
    assert "«семь» не является числом" in page or "“семь”" in page
    assert 'data-testid="confirm-upload"' not in page
    save = client.post(response.headers["Location"] + "/save",
                       data={"csrf_token": client.csrf_token(response.headers["Location"])})
    assert save.status_code == 422
    assert snapshot() == before


def test_stale_version_at_confirmation_is_a_conflict(client, world):
    report = operations.ensure_report(world.school, world.period)
    operations.save_values(report, {"staff_total": "50"}, user=world.curator, source="form")
    client.login(world.curator)
    data = fill_workbook(get_bytes(client, _urls(world)["template"]), {"staff_total": 61})
    response = _upload(client, world, data)
    preview_url = response.headers["Location"]
    # Somebody saves the form in between.
    operations.save_values(report, {"staff_total": "52"}, user=world.curator, source="form")
    before = snapshot()
    save = client.post(preview_url + "/save", data={"csrf_token": client.csrf_token(preview_url)})
    assert save.status_code == 409
    assert "изменил отчёт после загрузки" in save.get_data(as_text=True)
    assert snapshot() == before


def test_submitted_report_refuses_upload(client, world):
    report = operations.ensure_report(world.school, world.period)
    report.state = ReportState.SUBMITTED
    db.session.flush()
    client.login(world.curator)
    page = client.get(_urls(world)["upload"]).get_data(as_text=True)
    assert 'data-testid="upload-refusal"' in page and 'name="file"' not in page
    data = fill_workbook(get_bytes(client, _urls(world)["template"]), {"staff_total": 61})
    before = snapshot()
    assert _upload(client, world, data).status_code == 409
    assert snapshot() == before


def test_coordinator_cannot_upload_for_an_organization(client, world):
    client.login(world.coordinator)
    data = b"code;value\nstaff_total;5\n"
    assert _upload(client, world, data, "r.csv").status_code == 403


def test_preview_is_bound_to_its_user(client, world, factory):
    client.login(world.curator)
    response = _upload(client, world, b"code;value\nstaff_total;5\n", "r.csv")
    preview_url = response.headers["Location"]
    assert client.get(preview_url).status_code == 200
    other = factory.user(Role.CURATOR, world.school)
    client.post_form("/logout")
    client.login(other)
    assert client.get(preview_url).status_code == 404
    assert client.get(preview_url.rsplit("/", 1)[0] + "/" + "x" * 32).status_code == 404
    assert client.get(preview_url.rsplit("/", 1)[0] + "/..%2F..%2Fsecret_key").status_code == 404


def test_old_previews_expire(client, world, app, monkeypatch):
    from portal.report_files import store as upload_store

    client.login(world.curator)
    response = _upload(client, world, b"code;value\nstaff_total;5\n", "r.csv")
    monkeypatch.setattr(upload_store, "PREVIEW_MAX_AGE", -1)
    assert client.get(response.headers["Location"]).status_code == 404
    _upload(client, world, b"code;value\nstaff_total;5\n", "r.csv")  # sweeps expired files
    from pathlib import Path
    assert len(list((Path(app.instance_path) / "report-uploads").glob("*.json"))) <= 1


def test_unchanged_file_has_nothing_to_save(client, world):
    report = operations.ensure_report(world.school, world.period)
    operations.save_values(report, {"meetings_held": "1 200"}, user=world.curator, source="form")
    client.login(world.curator)
    response = _upload(client, world, b"code;value\nmeetings_held;1200\n", "r.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="upload-nothing"' in page


def test_blank_value_clears_a_stored_one(client, world):
    report = operations.ensure_report(world.school, world.period)
    operations.save_values(report, {"mentors": "4", "staff_total": "40"}, user=world.curator,
                           source="form")
    client.login(world.curator)
    data = fill_workbook(get_bytes(client, _urls(world)["template"]), {"mentors": None})
    response = _upload(client, world, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-change="cleared"' in page
    client.post(response.headers["Location"] + "/save",
                data={"csrf_token": client.csrf_token(response.headers["Location"])})
    stored = {code: v.raw for code, v in queries.values_of(report).items()}
    assert stored["mentors"] == "" and stored["staff_total"] == "40"


def test_rule_problems_are_shown_but_do_not_block(client, world):
    client.login(world.curator)
    data = b"code;value\nstaff_total;5\nmentors;9\n"
    response = _upload(client, world, data, "r.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Наставников не может быть больше, чем педагогических работников." in page
    assert 'data-testid="confirm-upload"' in page


def test_a_complete_consistent_report_previews_clean_in_english(client, world):
    client.login(world.curator)
    data = fill_workbook(get_bytes(client, _urls(world)["template"]), _good_values())
    response = _upload(client, world, data)
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Check the file before saving" in html and 'data-testid="confirm-upload"' in html
    assert 'data-testid="upload-problems"' not in html and 'data-rule="error"' not in html
    assert html.count('data-change="new"') == len(_good_values())


def test_export_for_every_viewer(client, world, factory):
    report = operations.ensure_report(world.school, world.period)
    operations.save_values(report, {"staff_total": "40"}, user=world.curator, source="form")
    head = factory.user(Role.HEAD, world.school)
    for user in (world.curator, head, world.coordinator, world.regional):
        client.login(user)
        workbook = load_workbook(io.BytesIO(get_bytes(client, _urls(world)["export"])))
        try:
            rows = {r[0].value: r[4].value for r in workbook["Отчёт"].iter_rows(min_row=6)}
        finally:
            workbook.close()
        assert rows["staff_total"] == 40
        client.post_form("/logout")


def test_period_of_another_region_is_404(client, world, factory):
    other_region = factory.region()
    other_period = period_operations.open_period(other_region, 2026, 3)
    client.login(world.curator)
    url = f"/organizations/{world.school.id}/reports/{other_period.id}/template.xlsx"
    assert client.get(url).status_code == 404


# -- municipal bulk upload -----------------------------------------------------------------------

def test_bulk_template_lists_the_organizations_of_the_coordinator(client, world):
    client.login(world.coordinator)
    workbook = load_workbook(io.BytesIO(get_bytes(client, _bulk_urls(world)["template"])))
    try:
        ws = workbook["Отчёты"]
        codes = [r[0].value for r in ws.iter_rows(min_row=6)]
        header = [c.value for c in ws[5]]
    finally:
        workbook.close()
    # The regionally subordinate college and the other municipality's school are not listed.
    assert sorted(codes) == sorted([world.school.code, world.kindergarten.code])
    assert header[0] == "Код организации" and "staff_total" in header


def test_bulk_upload_saves_every_report_at_once(client, world):
    done = operations.ensure_report(world.kindergarten, world.period)
    operations.save_values(done, {"staff_total": "20"}, user=world.curator, source="form")
    client.login(world.coordinator)
    template = get_bytes(client, _bulk_urls(world)["template"])
    data = fill_bulk(template, {world.school.code: {"staff_total": 61, "mentors": 7},
                                world.kindergarten.code: {"staff_total": 21}})
    response = post_file(client, _bulk_urls(world)["upload"], data, "mun.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="confirm-upload"' in page
    save = client.post(response.headers["Location"] + "/save",
                       data={"csrf_token": client.csrf_token(response.headers["Location"])})
    assert save.status_code == 302
    school = queries.report_for(world.school, world.period)
    assert {c: v.raw for c, v in queries.values_of(school).items()} == {"staff_total": "61",
                                                                        "mentors": "7"}
    db.session.refresh(done)
    assert queries.values_of(done)["staff_total"].raw == "21" and done.version == 3
    sources = set(db.session.scalars(sa.select(AuditEntry.source).where(
        AuditEntry.report_id.in_([school.id, done.id]), AuditEntry.field == "staff_total")))
    assert sources == {"form", "bulk_upload"}


def test_bulk_row_outside_the_scope_rejects_the_whole_file(client, world):
    client.login(world.coordinator)
    data = (f"org_code;staff_total\n{world.school.code};10\n{world.college.code};12\n").encode()
    before = snapshot()
    response = post_file(client, _bulk_urls(world)["upload"], data, "mun.csv")
    assert response.status_code == 422
    assert f"Строка 3: организация с кодом «{world.college.code}»" in response.get_data(as_text=True)
    assert snapshot() == before


def test_bulk_refuses_changes_to_submitted_reports_per_row(client, world):
    report = operations.ensure_report(world.kindergarten, world.period)
    operations.save_values(report, {"staff_total": "20"}, user=world.curator, source="form")
    report.state = ReportState.ACCEPTED
    db.session.flush()
    client.login(world.coordinator)
    data = (f"org_code;staff_total\n{world.school.code};10\n{world.kindergarten.code};21\n"
            f"").encode()
    response = post_file(client, _bulk_urls(world)["upload"], data, "mun.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Строка 3: отчёт принят и не может быть изменён" in page
    assert 'data-testid="confirm-upload"' not in page
    # The same row unchanged is fine.
    data = (f"org_code;staff_total\n{world.school.code};10\n{world.kindergarten.code};20\n"
            ).encode()
    response = post_file(client, _bulk_urls(world)["upload"], data, "mun.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="confirm-upload"' in page


def test_bulk_upload_needs_a_reviewer(client, world):
    client.login(world.curator)
    assert client.get(_bulk_urls(world)["upload"]).status_code == 404


def test_municipal_export_rows_and_roles(client, world):
    report = operations.ensure_report(world.school, world.period)
    operations.save_values(report, {"staff_total": "40"}, user=world.curator, source="form")
    client.login(world.coordinator)
    workbook = load_workbook(io.BytesIO(get_bytes(client, _bulk_urls(world)["export"])))
    try:
        ws = workbook.active
        codes = [c.value for c in ws[4]]
        rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    finally:
        workbook.close()
    assert rows[world.school.code][codes.index("staff_total")] == 40
    assert world.college.code not in rows  # regional, not the municipal coordinator's
    client.post_form("/logout")
    client.login(world.regional)
    with client.get(_bulk_urls(world)["export"]) as response:
        assert response.status_code == 200
    client.post_form("/logout")
    client.login(world.curator)
    assert client.get(_bulk_urls(world)["export"]).status_code == 404


def test_bulk_save_conflict_when_a_report_changed(client, world):
    report = operations.ensure_report(world.school, world.period)
    operations.save_values(report, {"staff_total": "20"}, user=world.curator, source="form")
    client.login(world.coordinator)
    response = post_file(client, _bulk_urls(world)["upload"],
                         f"org_code;staff_total\n{world.school.code};30\n".encode(), "m.csv")
    operations.save_values(report, {"staff_total": "25"}, user=world.curator, source="form")
    before = snapshot()
    save = client.post(response.headers["Location"] + "/save",
                       data={"csrf_token": client.csrf_token(response.headers["Location"])})
    assert save.status_code == 409
    assert snapshot() == before
