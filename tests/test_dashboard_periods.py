"""Dashboards follow each form (issue 11 §8): a regional or municipal coordinator picks a
period of any form of the region (a one-off collection, a half-year…), sees its counts and
the share answering yes; a trend compares periods of the same form only; a period without
an accepted report, or a form without numeric items, shows an explanatory empty state."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dashboards import views
from portal.catalogue import derived_operations
from portal.catalogue import operations as catalogue
from portal.catalogue.definition import ItemKind, Periodicity
from portal.reports import period_operations
from portal.reports.models import ReportState
from portal.reports.periods import period_bounds
from tenants.models import Role
from tests.test_dashboards import build, put

A, S = ReportState.ACCEPTED, ReportState.SUBMITTED


def _form(region, code: str, periodicity: Periodicity, items: dict[str, ItemKind]):
    form = catalogue.create_form(region, code=code, name_ru=f"Форма {code}",
                                 name_en=f"Form {code}", periodicity=periodicity,
                                 applies_to=["school"])
    for item, kind in items.items():
        catalogue.add_indicator(form, code=item, label_ru=f"Пункт {item}",
                                label_en=f"Item {item}", kind=kind, section="Раздел",
                                applies_to=["school"])
    return form


@pytest.fixture
def forms(factory):
    """Municipality M1: schools A, B, C, D; M2: school E. A quarter of the quarterly form
    (every school accepted), and two one-off collections of the form «Форма docs» (a yes/no
    item and a count): on 13 May A (yes, 4), B (no, 2), C (yes, 3) and E (no, 1) accepted,
    D (yes, 10) only submitted; on 10 February A (yes, 1) accepted. A half-year form of one
    yes/no item whose only report is submitted, never accepted."""
    region = factory.region("Край-ФОРМЫ")
    m1 = factory.municipality(region, "Первый-ФОРМЫ")
    m2 = factory.municipality(region, "Второй-ФОРМЫ")
    orgs = {key: factory.organization(m1 if key != "E" else m2, name=f"Школа-{key}-ФОРМЫ")
            for key in "ABCDE"}
    quarter = period_operations.open_period(region, 2026, 2)
    for org in orgs.values():
        put(org, quarter, A, staff_total=10, mentees=5, mentors=1)
    docs = _form(region, "docs", Periodicity.ONE_OFF,
                 {"site_ready": ItemKind.YES_NO, "trained": ItemKind.COUNT})
    earlier = period_operations.open_collection(
        docs, (date(2026, 2, 10), date(2026, 2, 10)), date(2026, 2, 10), date(2026, 2, 20),
        title="на 10.02.2026")
    one_off = period_operations.open_collection(
        docs, (date(2026, 5, 13), date(2026, 5, 13)), date(2026, 5, 13), date(2026, 5, 20),
        title="на 13.05.2026")
    put(orgs["A"], earlier, A, site_ready=1, trained=1)
    for key, state, yes, trained in (("A", A, 1, 4), ("B", A, 0, 2), ("C", A, 1, 3),
                                     ("D", S, 1, 10), ("E", A, 0, 1)):
        put(orgs[key], one_off, state, site_ready=yes, trained=trained)
    half = _form(region, "half", Periodicity.HALF_YEAR, {"plan_ready": ItemKind.YES_NO})
    half_year = period_operations.open_collection(half, period_bounds("half_year", 2026, 1))
    put(orgs["A"], half_year, S, plan_ready=1)
    return {"region": region, "m1": m1, "m2": m2, "quarter": quarter, "earlier": earlier,
            "one_off": one_off, "half_year": half_year, **orgs}


def _cell(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}">', 1)[1].split("</td>", 1)[0].strip()


def test_the_period_selector_lists_every_forms_periods_under_the_forms_name(
        client, factory, forms):
    client.login(factory.user(Role.REGIONAL, forms["region"]))
    html = client.get(f"/dashboards/regions/{forms['region'].id}").get_data(as_text=True)
    select = html.split('id="filter-period"', 1)[1].split("</select>", 1)[0]
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S))
    assert set(groups) == {"Форма docs", "Форма half", forms["quarter"].form.name}
    assert f'value="{forms["one_off"].id}"' in groups["Форма docs"]
    assert "на 13.05.2026" in groups["Форма docs"] and "на 10.02.2026" in groups["Форма docs"]
    assert f'value="{forms["half_year"].id}"' in groups["Форма half"]
    assert f'value="{forms["quarter"].id}"' in groups[forms["quarter"].form.name]


def test_the_regional_dashboard_shows_a_one_off_collections_counts_and_yes_share(
        app, client, factory, forms):
    user = factory.user(Role.REGIONAL, forms["region"])
    query = f"period={forms['one_off'].id}&indicator=trained"
    page, charts = build(app, views.regional_page, forms["region"], user, query)
    assert page.period.id == forms["one_off"].id and page.metric.code == "trained"
    municipalities = {r["label"]: r for r in charts["municipalities"].frame.to_dict("records")}
    assert municipalities["Первый-ФОРМЫ"]["trained"] == 9  # A + B + C; D only submitted
    assert municipalities["Второй-ФОРМЫ"]["trained"] == 1
    assert page.region_value == 10
    # No school-year chart for a one-off collection: it has no quarters.
    assert "school_years" not in charts and "completeness" in charts
    site = {a.item.code: a for a in page.answers}["site_ready"]
    assert (site.answered, site.yes, site.share) == (4, 2, 50.0)
    client.login(user)
    response = client.get(f"/dashboards/regions/{forms['region'].id}?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _cell(html, "share-site_ready") == "50,0 %"
    assert _cell(html, "said-no-site_ready") == "Школа-B-ФОРМЫ, Школа-E-ФОРМЫ"
    assert "Форма docs: на 13.05.2026" in html
    export = client.get(f"/dashboards/regions/{forms['region'].id}/export?{query}"
                        "&chart=municipalities&format=csv")
    assert export.status_code == 200 and "20260513-20260513" in export.headers[
        "Content-Disposition"]


def test_the_municipal_dashboard_shows_a_one_off_collection_and_hides_small_shares(
        app, client, factory, forms):
    query = f"period={forms['one_off'].id}&indicator=trained"
    user = factory.user(Role.MUNICIPAL, forms["m1"])
    page, charts = build(app, views.municipal_page, forms["m1"], user, query)
    organizations = {r["label"]: r for r in charts["organizations"].frame.to_dict("records")}
    assert [organizations[f"Школа-{k}-ФОРМЫ"]["trained"] for k in "ABC"] == [4, 2, 3]
    assert organizations["Школа-D-ФОРМЫ"]["trained"] != organizations["Школа-D-ФОРМЫ"][
        "trained"]  # NaN: only submitted
    assert page.municipal_value == 9 and page.summary["accepted"] == 3
    # The region less the municipality is school E alone: the region's reference line would
    # give E's value away (dashboards.disclosure), so it stays hidden for a one-off too.
    assert page.region_value is None
    # On 10 February only school A reported: the region's value would be A's own.
    earlier, _charts = build(app, views.municipal_page, forms["m1"], user,
                             f"period={forms['earlier'].id}&indicator=trained")
    assert earlier.municipal_value == 1 and earlier.region_value is None
    site = {a.item.code: a for a in page.answers}["site_ready"]
    assert (site.answered, site.yes, site.share, site.said_no) == (3, 2, 66.7,
                                                                   ["Школа-B-ФОРМЫ"])
    client.login(user)
    html = client.get(f"/dashboards/municipalities/{forms['m1'].id}?{query}").get_data(
        as_text=True)
    assert _cell(html, "share-site_ready") == "66,7 %"
    assert "Школа-E-ФОРМЫ" not in html  # another municipality's school
    # M2 has one school: its share would be that school's own answer.
    user = factory.user(Role.MUNICIPAL, forms["m2"])
    page, _charts = build(app, views.municipal_page, forms["m2"], user, query)
    site = {a.item.code: a for a in page.answers}["site_ready"]
    assert site.answered == 1 and site.share is None and site.hidden


def test_a_trend_compares_periods_of_the_same_form_only(app, factory, forms):
    user = factory.user(Role.REGIONAL, forms["region"])
    page, charts = build(app, views.regional_page, forms["region"], user,
                         f"period={forms['one_off'].id}&indicator=trained")
    assert [p.id for p in page.filters.chronological] == [forms["earlier"].id,
                                                         forms["one_off"].id]
    trend = charts["trend"].frame
    assert trend["period"].tolist() == ["на 10.02.2026", "на 13.05.2026"]
    assert trend["region"].tolist() == [1, 10]
    # The quarter's trend holds quarters only, though the collections fall inside them.
    page, _charts = build(app, views.regional_page, forms["region"], user,
                          f"period={forms['quarter'].id}")
    assert [p.id for p in page.filters.chronological] == [forms["quarter"].id]


def test_a_period_without_an_accepted_report_explains_why_it_is_empty(
        client, factory, forms):
    period = forms["half_year"]
    for who, path in ((Role.REGIONAL, f"/dashboards/regions/{forms['region'].id}"),
                      (Role.MUNICIPAL, f"/dashboards/municipalities/{forms['m1'].id}")):
        client.login(factory.user(who, forms["region"] if who is Role.REGIONAL
                                  else forms["m1"]))
        response = client.get(f"{path}?period={period.id}")
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert 'data-testid="no-counted-reports"' in html
        assert 'data-testid="no-numeric-items"' in html  # a form of one yes/no item
        assert "Форма half: I полугодие 2026 г." in html
        # The submitted report counts under the switch: no empty state then.
        html = client.get(f"{path}?period={period.id}&submitted=1").get_data(as_text=True)
        assert 'data-testid="no-counted-reports"' not in html
        client.post_form("/logout")


def test_the_institution_view_renders_every_forms_period(client, factory, forms):
    client.login(factory.user(Role.CURATOR, forms["A"]))
    for key in ("one_off", "half_year", "quarter"):
        response = client.get(f"/dashboards/organizations/{forms['A'].id}"
                              f"?period={forms[key].id}")
        assert response.status_code == 200, key
        # the chosen period is the one shown, not a fallback to the quarter
        assert f'value="{forms[key].id}" selected' in response.get_data(as_text=True), key


def test_derived_indicators_follow_the_items_of_the_periods_form(app, factory, forms):
    region = forms["region"]
    staff = _form(region, "staff", Periodicity.SCHOOL_YEAR,
                  {"mentees": ItemKind.COUNT, "staff_total": ItemKind.COUNT})
    # A form made in the editor defines its own derived indicators (none until it does).
    derived_operations.add_derived(staff, code="mentee_coverage", label_ru="Охват",
                                   label_en="Coverage", numerator=("mentees",),
                                   denominator=("staff_total",), scale=100)
    year = period_operations.open_collection(staff, period_bounds("school_year", 2025))
    put(forms["A"], year, A, mentees=3, staff_total=10)
    user = factory.user(Role.REGIONAL, region)
    page, _charts = build(app, views.regional_page, region, user,
                          f"period={year.id}&indicator=mentee_coverage")
    assert page.metric.code == "mentee_coverage" and page.region_value == 30.0
    # The one-off form has neither staff nor mentees: no derived indicator at all.
    page, _charts = build(app, views.regional_page, region, user,
                          f"period={forms['one_off'].id}")
    assert not [m for m in page.filters.catalogue.items if m.derived]
