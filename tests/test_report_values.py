"""What a typed number means: percent signs, thousands marks, unit maxima, invisible characters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.catalogue import queries as catalogue_queries
from portal.reports import operations, period_operations, queries
from portal.reports.values import normalize_raw, parse_number, parse_value, visible
from portal.tabular import Percent
from tenants.models import OrganizationType, Role

AMBIGUOUS = ("«{raw}» читается неоднозначно: точка или запятая может отделять и тысячи, и "
             "дробную часть. Пишите тысячи без них — 1000 или 1 000, а дробную часть через "
             "запятую — 12,5")


@pytest.fixture
def catalogue(database):
    return {i.code: i for i in catalogue_queries.indicators_for(catalogue_queries.template_version_id(), OrganizationType.SCHOOL)}


@pytest.mark.parametrize("code,raw,expected", [
    ("students_passed_pct", "37%", Decimal(37)), ("students_passed_pct", "37,5 %", Decimal("37.5")),
    ("students_passed_pct", Percent("37.5%"), Decimal("37.5")),
    ("students_passed_pct", "12,500", Decimal("12.5")),  # a decimal comma, as typed in Russian
    ("satisfaction_mentors", "8.500", Decimal("8.5")),
    ("staff_total", "1000", Decimal(1000)), ("staff_total", "1 000", Decimal(1000)),
    ("staff_total", "1000000", Decimal(1_000_000)), ("staff_total", 1000.0, Decimal(1000)),
])
def test_accepted(catalogue, code, raw, expected):
    parsed = parse_value(catalogue[code], raw)
    assert parsed.error is None and parsed.value == expected


@pytest.mark.parametrize("code,raw", [
    ("staff_total", "1,000"), ("staff_total", "2.000"), ("staff_total", "1.234.567"),
    ("staff_total", "1,234,567"), ("staff_total", "12,500"), ("staff_total", "1.000,5"),
    ("students_passed_pct", "1.234.567"), ("students_passed_pct", "1,234.5"),
])
def test_a_point_or_comma_between_thousands_is_refused_with_how_to_write_it(catalogue, code,
                                                                             raw):
    parsed = parse_value(catalogue[code], raw)
    assert parsed.error == AMBIGUOUS.format(raw=raw) and parsed.value is None


@pytest.mark.parametrize("code", ["staff_total", "satisfaction_mentors"])
def test_a_percentage_is_refused_where_none_is_due(catalogue, code):
    parsed = parse_value(catalogue[code], Percent("40%"))
    assert parsed.error == ("«40%» — процент, а этот показатель измеряется не в процентах; "
                            "введите само число, без процентного формата")


def test_a_percent_formatted_cell_over_100_is_out_of_range(catalogue):
    parsed = parse_value(catalogue["students_passed_pct"], Percent("3700%"))
    assert parsed.error == "процент должен быть от 0 до 100"


@pytest.mark.parametrize("raw,kept", [
    ("1000001", Decimal(1_000_001)), ("89123456789", None), ("1" + "0" * 30, None),
    (1e30, None), ("-99999999999", None),
])
def test_counts_are_bounded_by_the_unit_and_by_the_column(catalogue, raw, kept):
    parsed = parse_value(catalogue["staff_total"], raw)
    assert parsed.error in ("количество не может быть больше 1\u00a0000\u00a0000",
                            "количество не может быть отрицательным")
    assert parsed.value == kept  # a draft stores invalid input: never more than Numeric(14, 4)


def test_a_draft_with_a_huge_count_is_stored_as_text_on_every_database(factory, catalogue):
    org = factory.organization()
    period = period_operations.open_period(org.municipality.region, 2026, 3)
    report = operations.ensure_report(org, period)
    user = factory.user(Role.CURATOR, org)
    operations.save_values(report, {"staff_total": "1" + "0" * 30, "mentors": "89123456789",
                                    "meetings_held": "12345678901,5"}, user=user, source="form")
    stored = queries.values_of(report)
    assert {c: (v.raw, v.value) for c, v in stored.items()} == {
        "staff_total": ("1" + "0" * 30, None), "mentors": ("89123456789", None),
        "meetings_held": ("12345678901,5", None)}


def test_invisible_characters_are_shown_and_refused(catalogue):
    assert visible("staff_total\u200b") == "staff_total[U+200B]"
    assert visible("1\u00a0200") == "1\u00a0200"  # a non-breaking space is a thousands mark
    assert normalize_raw("\ufeff40\u2060") == "[U+FEFF]40[U+2060]"
    parsed = parse_value(catalogue["staff_total"], "40\u200b")
    assert parsed.error == "в «40[U+200B]» есть невидимые символы; введите число заново"


def test_numbers_from_excel_keep_their_digits():
    assert normalize_raw(1e-05) == "0.00001"
    assert normalize_raw(12.5) == "12.5" and normalize_raw(40.0) == "40"
    assert parse_number("37 %") == Decimal(37) and parse_number("%") is None
