"""Issue 11 §2: values of every kind of item, parsed and shown by kind."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.catalogue import operations
from portal.catalogue.definition import ItemKind, Periodicity
from portal.catalogue.models import Indicator
from portal.reports import period_operations
from portal.reports.values import parse_value
from tenants.models import Role
from tests.report_helpers import setup_region


def _item(kind: ItemKind, **fields) -> Indicator:
    return Indicator(code="x", label_ru="x", label_en="x", kind=kind, section="s",
                     applies_to=["school"], **fields)


@pytest.mark.parametrize("typed,raw,value", [
    ("да", "да", 1), ("Yes", "да", 1), ("1", "да", 1), ("есть", "да", 1),
    ("нет", "нет", 0), ("no", "нет", 0), ("0", "нет", 0),
])
@pytest.mark.parametrize("kind", [ItemKind.YES_NO, ItemKind.EVIDENCE])
def test_yes_and_no_are_stored_as_one_and_zero(app, kind, typed, raw, value):
    with app.test_request_context("/"):  # evidence: «да» is present with a file only
        parsed = parse_value(_item(kind), typed, has_file=kind is ItemKind.EVIDENCE)
    assert (parsed.raw, parsed.value, parsed.error) == (raw, Decimal(value), None)


def test_anything_else_is_not_a_yes_or_no(app):
    with app.test_request_context("/"):
        assert parse_value(_item(ItemKind.YES_NO), "может быть").error
        assert parse_value(_item(ItemKind.YES_NO), "").blank


def test_a_text_is_kept_within_its_length(app):
    with app.test_request_context("/"):
        item = _item(ItemKind.TEXT, max_value=Decimal(10))
        assert parse_value(item, "Приказ №5").error is None
        assert parse_value(item, "Приказ № 5 от 01.09").error
        assert parse_value(item, "Приказ №5").value is None


@pytest.mark.parametrize("typed,iso", [("13.12.2024", "2024-12-13"), ("2024-12-13", "2024-12-13"),
                                       (date(2024, 12, 13), "2024-12-13")])
def test_a_date_is_kept_as_iso_text(app, typed, iso):
    with app.test_request_context("/"):
        parsed = parse_value(_item(ItemKind.DATE), typed)
    assert (parsed.raw, parsed.value, parsed.error) == (iso, None, None)


def test_a_wrong_date_is_refused(app):
    with app.test_request_context("/"):
        assert parse_value(_item(ItemKind.DATE), "31.02.2024").error


def test_a_score_keeps_to_its_scale_and_a_number_to_its_bounds(app):
    with app.test_request_context("/"):
        score = _item(ItemKind.SCORE, scale=5, min_value=Decimal(1), max_value=Decimal(10))
        assert parse_value(score, "5").error is None and parse_value(score, "6").error
        number = _item(ItemKind.NUMBER, min_value=Decimal("-1.5"), max_value=Decimal(2))
        assert parse_value(number, "-1,5").value == Decimal("-1.5")
        assert parse_value(number, "2,5").error


def test_the_report_form_renders_each_kind_of_item(client, factory):
    region, _m, school, _college, _period = setup_region(factory)
    form = operations.create_form(region, code="kinds", name_ru="Виды", name_en="Kinds",
                                  periodicity=Periodicity.ONE_OFF, applies_to=["school"])
    for kind in (ItemKind.YES_NO, ItemKind.TEXT, ItemKind.DATE, ItemKind.NUMBER):
        operations.add_indicator(form, code=f"k_{kind.value}", label_ru=kind.value,
                                 label_en=kind.value, kind=kind, section="Раздел",
                                 applies_to=["school"],
                                 **({"max_value": Decimal(300)} if kind is ItemKind.TEXT else {}))
    period = period_operations.open_collection(form, (date(2026, 10, 1), date(2026, 10, 1)))
    client.login(factory.user(Role.CURATOR, school))
    html = client.get(f"/organizations/{school.id}/reports/{period.id}").get_data(as_text=True)
    assert re.search(r'<select [^>]*id="v-k_yes_no"', html)
    assert re.search(r'<textarea [^>]*name="v:k_text"[^>]*maxlength="300"', html)
    assert re.search(r'<input type="date" [^>]*id="v-k_date"', html)
    assert re.search(r'<input [^>]*name="v:k_number"[^>]*inputmode="decimal"', html)
    response = client.post_form(f"/organizations/{school.id}/reports/{period.id}",
                                {"v:k_yes_no": "да", "v:k_text": "Приказ №5",
                                 "v:k_date": "2026-10-01", "v:k_number": "2,5"},
                                token_from=f"/organizations/{school.id}/reports/{period.id}")
    assert response.status_code in (200, 302)
    html = client.get(f"/organizations/{school.id}/reports/{period.id}").get_data(as_text=True)
    assert '<option value="да" selected>' in html and ">Приказ №5</textarea>" in html
    assert 'value="2026-10-01"' in html
