"""Issue 11: forms owned by a region, frozen versions, periods per form."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.catalogue import operations, queries
from portal.catalogue.definition import ItemKind, Periodicity
from portal.catalogue.models import Form, FormVersion, Indicator
from portal.extensions import db
from portal.reports import period_operations
from portal.reports.models import Period
from portal.reports.periods import period_bounds, period_label
from tenants.models import Role
from tests.report_helpers import setup_region


def _codes(version_id: int) -> set[str]:
    return set(db.session.scalars(sa.select(Indicator.code)
                                  .where(Indicator.form_version_id == version_id)))


def test_the_migrated_catalogue_is_the_national_template(database):
    template = operations.template()
    assert template is not None and template.region_id is None
    assert template.periodicity is Periodicity.QUARTER
    assert template.jump_relative == pytest.approx(0.5) and template.jump_absolute == 5
    items = queries.all_indicators(queries.template_version_id())
    by_code = {i.code: i for i in items}
    assert by_code["pairs_groups"].unit_ru == "пар и групп"
    assert by_code["staff_total"].unit_ru == "человек"
    assert by_code["satisfaction_mentees"].kind is ItemKind.SCORE
    assert by_code["satisfaction_mentees"].scale == 10


def test_a_region_reports_its_own_copy_and_opening_freezes_it(factory):
    region, _m, _school, _college, period = setup_region(factory)
    form = period.form
    assert form.region_id == region.id and form.code == operations.QUARTERLY
    assert period.form_version.frozen and period.form_version.number == 1
    assert _codes(period.form_version_id) == _codes(queries.template_version_id())
    assert period.form_version_id != queries.template_version_id()
    assert period.label == "III квартал 2026 г."


def test_editing_a_frozen_form_makes_the_next_version_for_later_periods(factory):
    region, _m, school, _college, q3 = setup_region(factory)
    operations.add_indicator(q3.form, code="mentors_online", label_ru="Наставники онлайн",
                             label_en="Online mentors", kind=ItemKind.COUNT,
                             section="participants", applies_to=["school"])
    assert "mentors_online" not in {i.code for i in queries.indicators_for(q3, school.type)}
    q4 = period_operations.open_period(region, 2026, 4)
    assert q4.form_version.number == 2 and q4.form_version.frozen
    assert "mentors_online" in {i.code for i in queries.indicators_for(q4, school.type)}
    # The earlier period still reads version 1, and reopening it keeps it there.
    assert period_operations.open_period(region, 2026, 3).form_version_id == q3.form_version_id


def test_a_template_is_not_collected(factory):
    with pytest.raises(period_operations.ReportError):
        period_operations.open_collection(operations.template(), (date(2026, 1, 1),
                                                                  date(2026, 3, 31)))


def _one_off(region) -> Form:
    form = operations.create_form(region, code="docs_2024", name_ru="Мониторинг на дату",
                                  name_en="Monitoring on a date", periodicity=Periodicity.ONE_OFF,
                                  applies_to=["school", "kindergarten", "college", "additional"])
    operations.add_indicator(form, code="website_section",
                             label_ru="Наличие Раздела Наставничество на сайте ОО",
                             label_en="The «Mentoring» section of the website",
                             kind=ItemKind.COUNT, section="Документы",
                             applies_to=["school", "college"])
    return form


def test_two_forms_in_a_region_each_report_shows_only_its_items(client, factory):
    region, _m, school, _college, quarterly = setup_region(factory)
    one_off = period_operations.open_collection(
        _one_off(region), (date(2024, 12, 13), date(2024, 12, 13)), date(2024, 12, 1),
        date(2024, 12, 20), title="на 13.12.2024")
    assert one_off.label == "на 13.12.2024" and one_off.form_version.frozen
    client.login(factory.user(Role.CURATOR, school))
    base = f"/organizations/{school.id}/reports"
    quarterly_page = client.get(f"{base}/{quarterly.id}").get_data(as_text=True)
    one_off_page = client.get(f"{base}/{one_off.id}").get_data(as_text=True)
    assert 'name="v:staff_total"' in quarterly_page
    assert 'name="v:website_section"' not in quarterly_page
    assert 'name="v:website_section"' in one_off_page
    assert 'name="v:staff_total"' not in one_off_page


def test_a_coordinator_changes_only_the_forms_of_their_region(app, client, factory):
    region, _m, _school, _college, period = setup_region(factory)
    item = db.session.scalars(sa.select(Indicator).filter_by(
        form_version_id=period.form_version_id, code="joint_projects")).one()
    client.login(factory.user(Role.REGIONAL, factory.region()))
    response = client.post_form(f"/catalogue/{item.id}/retire", token_from="/catalogue")
    assert response.status_code == 403
    assert operations.latest_version(period.form).number == 1  # nothing was copied or retired
    client = app.test_client()
    client.login(factory.user(Role.REGIONAL, region))
    assert client.post_form(f"/catalogue/{item.id}/retire",
                            token_from="/catalogue").status_code == 302
    latest = operations.latest_version(period.form)
    retired = db.session.scalars(sa.select(Indicator).filter_by(
        form_version_id=latest.id, code="joint_projects")).one()
    assert latest.number == 2 and retired.retired_at is not None
    assert db.session.get(Indicator, item.id).retired_at is None  # the frozen period's item


def test_forms_are_seen_by_their_region_and_templates_by_everyone(app, factory):
    from flask_login import login_user

    region, _m, school, _college, period = setup_region(factory)
    other = factory.region()
    period_operations.open_period(other, 2026, 3)
    visible = {}
    for who, user in (("curator", factory.user(Role.CURATOR, school)),
                      ("elsewhere", factory.user(Role.REGIONAL, other))):
        with app.test_request_context("/"):
            login_user(user)
            visible[who] = set(db.session.scalars(sa.select(Form.region_id)))
            versions = set(db.session.scalars(sa.select(FormVersion.form_id)))
            assert period.form_id in versions if who == "curator" else period.form_id not in versions
    assert visible["curator"] == {None, region.id}
    assert visible["elsewhere"] == {None, other.id}


@pytest.mark.parametrize("periodicity,year,number,bounds,label", [
    ("quarter", 2026, 4, (date(2026, 10, 1), date(2026, 12, 31)), "IV квартал 2026 г."),
    ("half_year", 2026, 1, (date(2026, 1, 1), date(2026, 6, 30)), "I полугодие 2026 г."),
    ("school_year", 2025, 1, (date(2025, 9, 1), date(2026, 8, 31)), "2025/2026 учебный год"),
    ("calendar_year", 2026, 1, (date(2026, 1, 1), date(2026, 12, 31)), "2026 г."),
])
def test_periods_are_named_by_their_periodicity(app, periodicity, year, number, bounds, label):
    assert period_bounds(periodicity, year, number) == bounds
    with app.test_request_context("/"):
        assert period_label(periodicity, bounds[0]) == label


def _invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    db.session.expire_all()
    return result


def test_the_cli_opens_a_quarter_and_a_one_off_collection(app, factory):
    region = factory.region(code="CLI-FORMS")
    operations.quarterly_form(region)
    _one_off(region)
    result = _invoke(app, "periods", "open", "--region", "CLI-FORMS", "--form", "quarterly",
                     "--opens", "2026-12-01", "--deadline", "2027-01-10")
    assert result.exit_code == 0, result.output
    assert "IV квартал 2026 г." in result.output
    result = _invoke(app, "periods", "open", "--region", "CLI-FORMS", "--form", "docs_2024",
                     "--opens", "2024-12-13", "--deadline", "2024-12-20",
                     "--title", "на 13.12.2024")
    assert result.exit_code == 0, result.output
    assert "на 13.12.2024" in result.output
    result = _invoke(app, "periods", "open", "--region", "CLI-FORMS", "--form", "nope")
    assert result.exit_code == 1 and "нет формы nope" in result.output


def test_the_periods_page_opens_a_one_off_collection_and_lists_periods_by_form(client, factory):
    region, _m, _school, _college, _period = setup_region(factory)
    one_off = _one_off(region)
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/periods"
    response = client.post_form(page, {"form_id": one_off.id, "title": "на 13.12.2024",
                                       "year": "2024", "quarter": "4",
                                       "opens_on": "2024-12-13", "deadline": "2024-12-20"},
                                token_from=page)
    assert response.status_code == 302
    opened = db.session.scalars(sa.select(Period).filter_by(form_id=one_off.id)).one()
    assert (opened.starts_on, opened.deadline, opened.title) == (
        date(2024, 12, 13), date(2024, 12, 20), "на 13.12.2024")
    assert opened.year is None and opened.quarter is None
    html = client.get(page).get_data(as_text=True)
    assert 'data-testid="periods-form-quarterly"' in html
    assert 'data-testid="periods-form-docs_2024"' in html and "на 13.12.2024" in html


def test_the_periods_page_never_opens_another_regions_form(client, factory):
    region, *_ = setup_region(factory)
    foreign = _one_off(factory.region())
    client.login(factory.user(Role.REGIONAL, region))
    page = f"/regions/{region.id}/periods"
    response = client.post_form(page, {"form_id": foreign.id, "year": "2024", "quarter": "4",
                                       "opens_on": "2024-12-13", "deadline": "2024-12-20"},
                                token_from=page)
    assert response.status_code == 404
    assert db.session.scalars(sa.select(Period).filter_by(form_id=foreign.id)).first() is None


def test_the_status_pages_list_a_one_off_collection_beside_the_quarters(client, factory):
    region, municipality, _school, _college, quarterly = setup_region(factory)
    # In the quarter's school year (2025/2026): the periods of one year are sorted together,
    # and a one-off collection has no year and quarter to sort by.
    one_off = period_operations.open_collection(
        _one_off(region), (date(2026, 8, 14), date(2026, 8, 14)), date(2026, 8, 14),
        date(2026, 8, 28), title="на 14.08.2026")
    client.login(factory.user(Role.MUNICIPAL, municipality))
    for period in (quarterly, one_off):
        response = client.get(f"/municipalities/{municipality.id}/periods/{period.id}/status")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "на 14.08.2026" in html and "III квартал 2026 г." in html
    client = client.application.test_client()
    client.login(factory.user(Role.REGIONAL, region))
    response = client.get(f"/regions/{region.id}/periods/{one_off.id}/status")
    assert response.status_code == 200 and "III квартал 2026 г." in response.get_data(
        as_text=True)
