"""What the preview of an upload says: what was not read, every problem where it is, and the
numbers in one notation; templates saved as CSV are checked like the XLSX template."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from portal.reports import operations, period_operations
from tenants.models import Role
from tests.data.saved_as_csv import (
    EXCEL_EN_UTF8,
    EXCEL_RU,
    EXCEL_RU_UTF8,
    LIBREOFFICE,
    saved_as_csv,
)
from tests.test_report_upload_corpus import BULK, CORPUS, SCHOOL, Corpus
from tests.upload_helpers import (
    fill_bulk,
    fill_workbook,
    get_bytes,
    make_world,
    post_file,
    snapshot,
)


@pytest.fixture
def corpus(factory):
    return Corpus(factory)


def _preview(client, url: str, data: bytes, name: str, headers=None) -> str:
    response = post_file(client, url, data, name)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"], headers=headers or {}).get_data(as_text=True)


def _values_row(page: str, code: str) -> str:
    table = page[page.index('data-testid="upload-values"'):]
    row = table[table.index(f'data-code="{code}"'):]
    return row[:row.index("</tr>")]


@pytest.mark.parametrize("name,target,sheet", [("hidden_first_sheet.xlsx", SCHOOL, "Отчёт"),
                                               ("very_hidden_sheet.xlsx", SCHOOL, "Отчёт"),
                                               ("municipal_hidden_sheet.xlsx", BULK, "Отчёты")])
def test_the_preview_says_hidden_sheets_were_not_read(client, corpus, name, target, sheet):
    client.login(corpus.users[target])
    page = _preview(client, corpus.url(target), (CORPUS / name).read_bytes(), name)
    warning = page[page.index('data-testid="upload-warning"'):]
    assert warning[:warning.index("</div>")].endswith(f"Скрытые листы не читались: «{sheet}».")
    assert 'data-testid="confirm-upload"' in page  # said, not refused: the visible sheet is read
    english = _preview(client, corpus.url(target), (CORPUS / name).read_bytes(), name,
                       {"Accept-Language": "en"})
    assert f"Hidden sheets were not read: «{sheet}»." in english


def test_a_file_without_hidden_sheets_has_no_such_warning(client, corpus):
    client.login(corpus.users[SCHOOL])
    name = "blank_rows.xlsx"
    page = _preview(client, corpus.url(SCHOOL), (CORPUS / name).read_bytes(), name)
    assert 'data-testid="upload-warning"' not in page


def test_a_formula_cell_is_listed_among_the_values_with_its_problem(client, corpus):
    client.login(corpus.users[SCHOOL])
    page = _preview(client, corpus.url(SCHOOL), (CORPUS / "formula.xlsx").read_bytes(),
                    "formula.xlsx")
    row = _values_row(page, "mentors")
    assert 'class="table-danger"' in row and "=E6/8" in row
    assert "в ячейке формула (=E6/8); введите само число" in row
    assert 'data-change="error"' in row
    problems = page[page.index('data-testid="upload-problems"'):]
    problems = problems[:problems.index("</ul>")]
    assert problems.count("формула (=E6/8)") == 1  # once in the list, not twice


def test_numbers_of_a_file_are_shown_and_saved_the_way_the_user_writes_them(client, corpus):
    report = operations.ensure_report(corpus.school, corpus.period)
    operations.save_values(report, {"students_passed_pct": "73,6"}, user=corpus.users[SCHOOL],
                           source="form")
    client.login(corpus.users[SCHOOL])
    name = "number_cells.xlsx"  # 81.5 and 8.5 typed into number cells
    page = _preview(client, corpus.url(SCHOOL), (CORPUS / name).read_bytes(), name)
    row = _values_row(page, "students_passed_pct")
    assert "73,6" in row and "81,5" in row and "81.5" not in row
    assert "8,5" in _values_row(page, "satisfaction_mentees")
    english = _preview(client, corpus.url(SCHOOL), (CORPUS / name).read_bytes(), name,
                       {"Accept-Language": "en"})
    assert "81.5" in _values_row(english, "students_passed_pct")


# -- templates saved as CSV, made at test time from the portal's own templates ----------------

@pytest.mark.parametrize("how", [EXCEL_RU, EXCEL_RU_UTF8, EXCEL_EN_UTF8, LIBREOFFICE],
                         ids=["excel-cp1251", "excel-utf8-bom", "excel-en-comma",
                              "libreoffice"])
def test_a_report_template_saved_as_csv_is_checked_like_the_workbook(client, factory, how):
    world = make_world(factory)
    client.login(world.curator)
    base = f"/organizations/{world.school.id}/reports/{world.period.id}"
    filled = fill_workbook(get_bytes(client, f"{base}/template.xlsx"),
                           {"staff_total": 60, "students_passed_pct": 91.5})
    page = _preview(client, f"{base}/upload", saved_as_csv(filled, how), "report.csv")
    assert 'data-testid="confirm-upload"' in page, page[page.find("alert"):][:800]
    mark = how[2]
    assert f"91{mark}5" in _values_row(page, "students_passed_pct")

    other = period_operations.open_period(world.region, 2026, 2)
    old = fill_workbook(get_bytes(client, f"/organizations/{world.school.id}/reports/"
                                          f"{other.id}/template.xlsx"), {"staff_total": 60})
    before = snapshot()
    refused = post_file(client, f"{base}/upload", saved_as_csv(old, how), "report.csv")
    assert refused.status_code == 422
    assert "Этот файл — шаблон за период «II квартал 2026 г.»" in refused.get_data(as_text=True)
    client.post_form("/logout")

    twin = factory.organization(world.municipality, code=f"T-{world.region.code}")
    client.login(factory.user(Role.CURATOR, twin))
    foreign = fill_workbook(get_bytes(client, f"/organizations/{twin.id}/reports/"
                                              f"{world.period.id}/template.xlsx"),
                            {"staff_total": 60})
    client.post_form("/logout")
    client.login(world.curator)
    refused = post_file(client, f"{base}/upload", saved_as_csv(foreign, how), "report.csv")
    assert refused.status_code == 422
    assert f"шаблон другой организации (код {twin.code}), а не {world.school.code}" in \
        refused.get_data(as_text=True)
    assert snapshot() == before


def test_a_template_made_in_english_is_read_back_like_the_russian_one(client, factory):
    """A template downloaded in English names its sheets, columns and rows in English; it is
    read back like the Russian one, saved as CSV too (checked against its own quarter)."""
    world = make_world(factory)
    client.login(world.curator)
    english = {"Accept-Language": "en"}
    base = f"/organizations/{world.school.id}/reports/{world.period.id}"
    template = client.get(f"{base}/template.xlsx", headers=english).get_data()
    assert load_workbook(io.BytesIO(template)).sheetnames == ["Report", "Instructions", "_meta"]
    filled = fill_workbook(template, {"staff_total": 60}, sheet="Report")
    for data, name in ((filled, "report.xlsx"), (saved_as_csv(filled, EXCEL_EN_UTF8), "r.csv")):
        page = _preview(client, f"{base}/upload", data, name)
        assert 'data-testid="confirm-upload"' in page, page[page.find("alert"):][:800]
    other = period_operations.open_period(world.region, 2026, 2)
    old = client.get(f"/organizations/{world.school.id}/reports/{other.id}/template.xlsx",
                     headers=english).get_data()
    refused = post_file(client, f"{base}/upload", saved_as_csv(
        fill_workbook(old, {"staff_total": 60}, sheet="Report"), EXCEL_EN_UTF8), "r.csv")
    assert refused.status_code == 422
    assert "Этот файл — шаблон за период «II квартал 2026 г.»" in refused.get_data(as_text=True)


@pytest.mark.parametrize("how", [EXCEL_RU, LIBREOFFICE], ids=["excel", "libreoffice"])
def test_a_municipal_template_saved_as_csv_is_checked_like_the_workbook(client, factory, how):
    world = make_world(factory)
    client.login(world.coordinator)
    base = f"/municipalities/{world.municipality.id}/periods/{world.period.id}"
    template = get_bytes(client, f"{base}/template.xlsx")
    assert load_workbook(io.BytesIO(template)).active["B3"].value.startswith(
        world.municipality.code + " — ")
    filled = fill_bulk(template, {world.school.code: {"staff_total": 60}})
    page = _preview(client, f"{base}/upload", saved_as_csv(filled, how), "municipality.csv")
    assert 'data-testid="confirm-upload"' in page, page[page.find("alert"):][:800]
    other = period_operations.open_period(world.region, 2025, 4)
    old = fill_bulk(get_bytes(client, f"/municipalities/{world.municipality.id}/periods/"
                                      f"{other.id}/template.xlsx"),
                    {world.school.code: {"staff_total": 60}})
    refused = post_file(client, f"{base}/upload", saved_as_csv(old, how), "municipality.csv")
    assert refused.status_code == 422
    assert "«IV квартал 2025 г.»" in refused.get_data(as_text=True)
