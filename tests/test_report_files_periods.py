"""Report files of non-quarterly collections (issue 11 §8): a half-year, a school year and a
one-off collection «на дату» of a form with items of several kinds, template → filled with
openpyxl → upload → preview → confirm → stored values."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.catalogue import operations as catalogue_operations
from portal.catalogue.definition import ItemKind, Periodicity
from portal.reports import period_operations, queries
from tenants.models import Role
from tests.upload_helpers import fill_workbook, get_bytes, post_file

ITEMS = [("pairs", ItemKind.COUNT, {}), ("share", ItemKind.PERCENT, {}),
         ("order", ItemKind.YES_NO, {}), ("site", ItemKind.TEXT, {"max_value": Decimal(200)}),
         ("order_date", ItemKind.DATE, {})]
FILLED = {"pairs": 12, "share": "37,5", "order": "да", "site": "https://ds1.example/nastavnik",
          "order_date": date(2024, 12, 13)}
STORED = {"pairs": "12", "share": "37,5", "order": "да", "site": "https://ds1.example/nastavnik",
          "order_date": "2024-12-13"}


def _open(form, periodicity: Periodicity):
    if periodicity is Periodicity.ONE_OFF:
        return period_operations.open_form_period(form, date(2026, 12, 1), date(2026, 12, 13),
                                                  title="на 13.12.2026")
    if periodicity is Periodicity.SCHOOL_YEAR:
        return period_operations.open_form_period(form, date(2026, 5, 1), date(2026, 9, 10),
                                                  year=2025)
    return period_operations.open_form_period(form, date(2026, 6, 1), date(2026, 7, 10),
                                              year=2026, number=1)


@pytest.fixture(params=[Periodicity.HALF_YEAR, Periodicity.SCHOOL_YEAR, Periodicity.ONE_OFF])
def collection(request, factory):
    region = factory.region()
    school = factory.organization(factory.municipality(region), name="Школа-PERIODS")
    form = catalogue_operations.create_form(
        region, code=f"f_{request.param.value}", name_ru="Мониторинг", name_en="Monitoring",
        periodicity=request.param, applies_to=["school"])
    for code, kind, extra in ITEMS:
        catalogue_operations.add_indicator(form, code=code, label_ru=f"Показатель {code}",
                                           label_en=code, kind=kind, section="Раздел",
                                           applies_to=["school"], **extra)
    return school, _open(form, request.param), factory.user(Role.CURATOR, school)


def _base(school, period) -> str:
    return f"/organizations/{school.id}/reports/{period.id}"


def test_a_collection_round_trips_through_its_template(client, collection):
    school, period, curator = collection
    client.login(curator)
    template = get_bytes(client, _base(school, period) + "/template.xlsx")
    workbook = load_workbook(io.BytesIO(template))
    try:
        ws = workbook["Отчёт"]
        assert period.label in ws["C3"].value  # the period the file is for, by name
        meta = {r[0]: r[1] for r in workbook["_meta"].iter_rows(values_only=True)}
        assert meta == {"format": "report", "organization": school.code,
                        "period": period.file_tag}
        assert ws["F5"].value == "Значение за прошлый период"
        kinds = {(v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation}
        assert kinds == {("whole", "0", None), ("decimal", "0", "100"),
                         ("list", '"да,нет"', None), ("textLength", "0", "200"),
                         ("date", "1", None)}
        assert any("13.12.2024" in (r[0] or "") for r in
                   workbook["Инструкция"].iter_rows(values_only=True))
    finally:
        workbook.close()
    response = post_file(client, _base(school, period) + "/upload",
                         fill_workbook(template, FILLED), "report.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Проверьте файл перед сохранением" in page
    assert 'data-problem="error"' not in page, page
    response = client.post(preview_url + "/save",
                           data={"csrf_token": client.csrf_token(preview_url)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    report = queries.report_for(school, period)
    stored = {code: v.raw for code, v in queries.values_of(report).items()}
    assert stored == STORED
    assert queries.values_of(report)["order"].value == Decimal(1)


def test_a_file_of_another_collection_of_the_form_is_refused(client, collection):
    school, period, curator = collection
    other = period_operations.open_form_period(period.form, date(2027, 3, 1),
                                               date(2027, 3, 10), year=2027, number=1,
                                               title="на 10.03.2027")
    client.login(curator)
    template = get_bytes(client, _base(school, other) + "/template.xlsx")
    response = post_file(client, _base(school, period) + "/upload",
                         fill_workbook(template, {"pairs": 3}), "report.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert "шаблон другого периода" in page and period.label in page
    assert queries.report_for(school, period) is None


def test_a_quarterly_file_is_refused_for_another_collection(client, collection):
    school, period, curator = collection
    client.login(curator)
    data = fill_workbook(get_bytes(client, _base(school, period) + "/template.xlsx"),
                         {"pairs": 3})
    workbook = load_workbook(io.BytesIO(data))
    meta = workbook["_meta"]
    meta["A3"], meta["B3"] = "year", 2026  # as a quarterly template names its quarter
    meta.append(["quarter", 3])
    out = io.BytesIO()
    workbook.save(out)
    response = post_file(client, _base(school, period) + "/upload", out.getvalue(), "r.xlsx")
    assert response.status_code == 422
    assert "III квартал 2026" in response.get_data(as_text=True)
    assert queries.report_for(school, period) is None
