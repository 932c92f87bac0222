"""Issue 11 §6: the region chooses its presence checklist; the matrix and its export follow."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from portal import clock
from portal.catalogue import operations
from portal.catalogue.definition import ItemKind, Periodicity
from portal.documents import operations as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.reports import operations as reports
from portal.reports import period_operations
from portal.roadmaps import checklist
from tenants.models import Role

TODAY = date(2026, 3, 15)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda where=None: TODAY)


@pytest.fixture
def land(factory):
    """Two schools of a region whose form has a yes/no and an evidence presence item; the
    first has the regulation and the website section and answered both items yes."""
    region = factory.region()
    municipality = factory.municipality(region, name="Город-CHECKLIST")
    full = factory.organization(municipality, name="Школа с документами")
    empty = factory.organization(municipality, name="Школа без документов")
    for kind in (DocumentKind.REGULATION, DocumentKind.WEBSITE):
        documents.add_version(full, documents.Upload(kind, url="https://school.ru/d"), None)
    form = operations.create_form(region, code="krsk", name_ru="Наличие", name_en="Presence",
                                  periodicity=Periodicity.ONE_OFF, applies_to=["school"])
    yes_no = operations.add_indicator(
        form, code="curator_named", label_ru="Назначен куратор наставничества",
        label_en="Curator named", kind=ItemKind.YES_NO, section="Документы",
        applies_to=["school"], presence=True)
    evidence = operations.add_indicator(
        form, code="pairs_order", label_ru="Приказ о закреплении пар (ссылка)",
        label_en="Pairs order", kind=ItemKind.EVIDENCE, section="Документы",
        applies_to=["school"], presence=True)
    operations.add_indicator(form, code="pairs", label_ru="Пары", label_en="Pairs",
                             kind=ItemKind.COUNT, section="Пары", applies_to=["school"])
    period = period_operations.open_collection(form, (date(2026, 3, 1), date(2026, 3, 1)),
                                               opens_on=date(2026, 3, 1),
                                               deadline=date(2026, 3, 31))
    report = reports.ensure_report(full, period)
    reports.save_values(report, {"curator_named": "да", "pairs_order": "https://school.ru/p",
                                 "pairs": "3"}, user=None, source="form")
    db.session.flush()
    return region, municipality, full, empty, yes_no, evidence


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-org="([^"]+)">(.*?)</tr>', html, re.S))


def _choose(client, factory, region, kinds):
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/presence/checklist"
    html = client.get(page).get_data(as_text=True)
    assert "Приказ о закреплении пар (ссылка)" in html  # the items of its forms are listed
    response = client.post_form(page, {"kind": kinds}, token_from=page)
    assert response.status_code == 302
    client.post_form("/logout")


def test_the_matrix_follows_the_regions_checklist(client, factory, land):
    region, municipality, full, empty, yes_no, evidence = land
    _choose(client, factory, region, ["regulation", "website"])
    db.session.expire_all()
    assert region.presence_document_kinds == ["regulation", "website"]
    client.login(factory.user(Role.MUNICIPAL, municipality))
    html = client.get(f"/municipalities/{municipality.id}/presence").get_data(as_text=True)
    headers = re.findall(r'data-column="([^"]+)"', html)
    assert headers == ["regulation", "website", f"item:{yes_no.id}", f"item:{evidence.id}"]
    rows = _rows(html)
    assert rows[full.code].count("table-success") == 4  # two documents, two answers
    assert rows[empty.code].count("table-success") == 0
    assert rows[empty.code].count("table-danger") == 5  # and no roadmap
    assert re.search(r"1 из 2\.", html)  # complete sets: the school with everything
    assert re.search(rf'data-kind="item:{evidence.id}">1<', html)
    export = client.get(f"/municipalities/{municipality.id}/presence.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    table = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    header = table[0]
    assert header[3:7] == ["Положение", "Раздел на сайте", "Назначен куратор наставничества",
                           "Приказ о закреплении пар (ссылка)"]
    by_code = {row[0]: row for row in table[1:]}
    assert by_code[full.code][5:7] == ["есть", "есть"]
    assert by_code[empty.code][3:7] == ["нет"] * 4
    assert table[-1][3:7] == [1, 1, 1, 1]


def test_the_regional_summary_counts_complete_sets_of_the_checklist(client, factory, land):
    region, municipality, full, empty, *_ = land
    client.login(factory.user(Role.REGIONAL, region))
    html = client.get(f"/regions/{region.id}/presence").get_data(as_text=True)
    summary = re.search(r'data-testid="presence-summary">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"Город-CHECKLIST</a></td>\s*<td[^>]*>2</td><td[^>]*>0</td>", summary)
    client.post_form("/logout")
    _choose(client, factory, region, ["regulation", "website"])
    client.login(factory.user(Role.REGIONAL, region))
    html = client.get(f"/regions/{region.id}/presence").get_data(as_text=True)
    summary = re.search(r'data-testid="presence-summary">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"Город-CHECKLIST</a></td>\s*<td[^>]*>2</td><td[^>]*>1</td>", summary)


def test_by_default_the_eight_document_kinds_are_the_checklist(app, factory, land):
    region, *_ = land
    assert region.presence_document_kinds is None
    assert checklist.document_kinds(region) == list(DocumentKind)
    checklist.set_document_kinds(region, [kind.value for kind in DocumentKind])
    assert region.presence_document_kinds is None  # everything chosen is the default
    assert checklist.columns(None, TODAY)[0].key == "implementation_order"
    assert len(checklist.columns(None, TODAY)) == len(DocumentKind)


def test_only_the_regions_coordinator_chooses(client, factory, land):
    region, municipality, full, *_ = land
    page = f"/regions/{region.id}/presence/checklist"
    client.login(factory.user(Role.MUNICIPAL, municipality))
    response = client.post_form(page, {"kind": ["regulation"]},
                                token_from=f"/municipalities/{municipality.id}/presence")
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert region.presence_document_kinds is None
    client.post_form("/logout")
    client.login(factory.user(Role.REGIONAL, factory.region()))
    assert client.get(page).status_code == 404
