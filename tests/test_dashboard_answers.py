"""Yes/no and evidence items on the regional and municipal dashboards (issue 11 §8): the
share of organizations answering yes, who answered no, the minimum group; derived
indicators come from the period's form."""

from __future__ import annotations

from datetime import date

import pytest

from dashboards import views
from portal.catalogue import operations as catalogue
from portal.catalogue.definition import ItemKind, Periodicity
from portal.reports import period_operations
from portal.reports.models import ReportState
from portal.rules import standard_derived
from tenants.models import Role
from tests.test_dashboards import build, put

A, S = ReportState.ACCEPTED, ReportState.SUBMITTED


@pytest.fixture
def answered(factory):
    """Municipality M1: schools A (yes), B (no), C (yes), D (yes, only submitted);
    municipality M2: school E (no). The quarterly form has a yes/no and an evidence item."""
    region = factory.region("Край-ДА-НЕТ")
    m1 = factory.municipality(region, "Первый-ДА")
    m2 = factory.municipality(region, "Второй-ДА")
    orgs = {key: factory.organization(m1 if key != "E" else m2, name=f"Школа-{key}-ДА")
            for key in "ABCDE"}
    form = catalogue.quarterly_form(region)
    for code, kind in (("site_section", ItemKind.YES_NO), ("mentoring_order", ItemKind.EVIDENCE)):
        catalogue.add_indicator(form, code=code, label_ru=f"Наличие {code}",
                                label_en=f"Has {code}", kind=kind, section="documents",
                                applies_to=["school"])
    period = period_operations.open_period(region, 2026, 2)
    for key, state, yes in (("A", A, 1), ("B", A, 0), ("C", A, 1), ("D", S, 1), ("E", A, 0)):
        put(orgs[key], period, state, site_section=yes, mentoring_order=1, staff_total=10,
            mentees=5, mentors=1)
    return {"region": region, "m1": m1, "m2": m2, "period": period, **orgs}


def _by_code(page) -> dict:
    return {a.item.code: a for a in page.answers}


def test_the_regional_dashboard_shows_the_share_answering_yes_and_who_did_not(
        app, factory, answered):
    user = factory.user(Role.REGIONAL, answered["region"])
    page, _charts = build(app, views.regional_page, answered["region"], user,
                          f"period={answered['period'].id}")
    found = _by_code(page)
    assert set(found) == {"site_section", "mentoring_order"}
    site = found["site_section"]
    # Accepted reports only: A, B, C, E answered; A and C said yes.
    assert (site.answered, site.yes, site.share) == (4, 2, 50.0)
    assert site.said_no == ["Школа-B-ДА", "Школа-E-ДА"]
    assert found["mentoring_order"].share == 100.0 and found["mentoring_order"].said_no == []
    # Yes/no items are not summed or averaged among the plotted metrics.
    assert page.filters.catalogue.get("site_section") is None


def test_the_submitted_switch_counts_submitted_answers_too(app, factory, answered):
    user = factory.user(Role.REGIONAL, answered["region"])
    page, _charts = build(app, views.regional_page, answered["region"], user,
                          f"period={answered['period'].id}&submitted=1")
    site = _by_code(page)["site_section"]
    assert (site.answered, site.yes, site.share) == (5, 3, 60.0)


def test_the_municipal_dashboard_counts_its_organizations_and_hides_small_shares(
        app, factory, answered):
    user = factory.user(Role.MUNICIPAL, answered["m1"])
    page, _charts = build(app, views.municipal_page, answered["m1"], user,
                          f"period={answered['period'].id}")
    site = _by_code(page)["site_section"]
    assert (site.answered, site.yes, site.share, site.said_no) == (3, 2, 66.7, ["Школа-B-ДА"])
    user = factory.user(Role.MUNICIPAL, answered["m2"])
    page, _charts = build(app, views.municipal_page, answered["m2"], user,
                          f"period={answered['period'].id}")
    site = _by_code(page)["site_section"]
    # One organization answered: its share would be its own answer, so it is not shown.
    assert site.answered == 1 and site.share is None and site.hidden
    assert site.said_no == ["Школа-E-ДА"]


def test_the_dashboard_page_renders_the_yes_no_table(client, factory, answered):
    client.login(factory.user(Role.REGIONAL, answered["region"]))
    html = client.get(f"/dashboards/regions/{answered['region'].id}"
                      f"?period={answered['period'].id}").get_data(as_text=True)
    assert 'data-testid="yes-no-items"' in html
    share = html.split('data-testid="share-site_section">', 1)[1].split("</td>", 1)[0]
    assert share.strip() == "50,0 %"
    said_no = html.split('data-testid="said-no-site_section">', 1)[1].split("</td>", 1)[0]
    assert said_no == "Школа-B-ДА, Школа-E-ДА"


def test_a_municipal_coordinator_never_sees_another_municipalitys_answers(
        client, factory, answered):
    client.login(factory.user(Role.MUNICIPAL, answered["m1"]))
    html = client.get(f"/dashboards/municipalities/{answered['m1'].id}"
                      f"?period={answered['period'].id}").get_data(as_text=True)
    assert "Школа-B-ДА" in html and "Школа-E-ДА" not in html
    assert client.get(f"/dashboards/municipalities/{answered['m2'].id}").status_code == 404


def test_derived_indicators_come_from_the_periods_form(client, factory, answered):
    codes = {"mentees", "staff_total", "mentors", "mentees_young", "young_specialists"}
    # Whatever the form's periodicity: each standard derived indicator whose parts the form
    # has (what a definition without its own list keeps; the migration gave existing versions
    # these), and the page shows the rows of the period's version.
    assert {d.code for d in standard_derived(codes)} == {
        "mentee_coverage", "young_coverage", "mentor_share", "mentor_load"}
    assert [d.code for d in standard_derived({"mentees", "mentors"})] == ["mentor_load"]
    assert standard_derived({"mentees"}) == []
    region, school = answered["region"], answered["A"]
    one_off = catalogue.create_form(region, code="docs", name_ru="На дату", name_en="On a date",
                                    periodicity=Periodicity.ONE_OFF, applies_to=["school"])
    for code in ("mentees", "programmes_completed"):  # no part of a derived indicator whole
        catalogue.add_indicator(one_off, code=code, label_ru=code, label_en=code,
                                kind=ItemKind.COUNT, section="S", applies_to=["school"])
    collection = period_operations.open_collection(
        one_off, (date(2026, 5, 13), date(2026, 5, 13)), date(2026, 5, 13), date(2026, 5, 20),
        title="на 13.05.2026")
    client.login(factory.user(Role.CURATOR, school))
    quarterly = client.get(f"/organizations/{school.id}/reports/{answered['period'].id}")
    assert "mentee_coverage" in quarterly.get_data(as_text=True)
    page = client.get(f"/organizations/{school.id}/reports/{collection.id}")
    assert page.status_code == 200
    assert "data-derived='[]'" in page.get_data(as_text=True)
    assert "mentee_coverage" not in page.get_data(as_text=True)
