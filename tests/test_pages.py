"""The home page shows each role its area; the administrator manages users and tenants."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tenants.models import Organization, OrganizationType, Role, Subordination


def _demo_tree(factory):
    region = factory.region("Приозёрный край")
    town = factory.municipality(region, "Город Озёрск", code="99-01")
    district = factory.municipality(region, "Берёзовский район")
    school = factory.organization(town, name="Школа № 23", code="9901001")
    college = factory.organization(district, name="Аграрный техникум",
                                   type=OrganizationType.COLLEGE,
                                   subordination=Subordination.REGIONAL)
    closed = factory.organization(town, name="Закрытая школа", active=False)
    return region, town, district, school, college, closed


def test_curator_home_shows_their_organization(client, factory):
    _region, _town, _district, school, _college, _closed = _demo_tree(factory)
    client.login(factory.user(Role.CURATOR, school))
    html = client.get("/").get_data(as_text=True)
    assert "Моя организация" in html and "Школа № 23" in html
    assert "Аграрный техникум" not in html


def test_municipal_home_lists_organizations_with_type_and_subordination(client, factory):
    _region, town, _district, school, college, closed = _demo_tree(factory)
    client.login(factory.user(Role.MUNICIPAL, town))
    html = client.get("/").get_data(as_text=True)
    assert "Город Озёрск" in html and "Школа № 23" in html
    assert "Общеобразовательная организация" in html and "муниципальное" in html
    assert "Закрытая школа" in html and "закрыта" in html  # closed, but kept with its history
    assert "Аграрный техникум" not in html


def test_regional_home_counts_organizations_per_municipality(client, factory, count_queries):
    region, town, district, *_ = _demo_tree(factory)
    client.login(factory.user(Role.REGIONAL, region))
    html = client.get("/").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td><a[^>]*>([^<]+)</a></td>\s*<td[^>]*>(\d+)</td>", html)
    # Active organizations only: the closed school is not counted.
    assert dict(rows) == {"Берёзовский район": "1", "Город Озёрск": "1"}
    region_page = client.get(f"/regions/{region.id}").get_data(as_text=True)
    assert "Аграрный техникум" in region_page  # regionally subordinate, shown as a group


def test_municipality_page_filters_by_type(client, factory):
    region, town, *_ = _demo_tree(factory)
    factory.organization(town, name="Детский сад «Солнышко»", type=OrganizationType.KINDERGARTEN)
    client.login(factory.user(Role.MUNICIPAL, town))
    html = client.get(f"/municipalities/{town.id}?type=kindergarten").get_data(as_text=True)
    assert "Солнышко" in html and "Школа № 23" not in html


def test_admin_creates_an_account_with_a_role_and_a_link(client, factory):
    _region, _town, _district, school, *_ = _demo_tree(factory)
    client.login(factory.user(Role.ADMIN))
    response = client.post_form("/admin/users/new", {
        "login": "pavlova", "full_name": "Павлова Е. Н.", "email": "pavlova@example.org",
        "role": "curator", "scope_code": "9901001"}, token_from="/admin/users/new",
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Одноразовая ссылка для установки пароля pavlova" in html
    link = re.search(r"(/set-password/[^<\s]+)", html).group(1)
    user = db.session.scalars(sa.select(User).filter_by(login="pavlova")).one()
    assert [(a.role, a.organization_id) for a in user.role_assignments] == [(Role.CURATOR, school.id)]
    assert user.password_hash is None and link


def test_admin_form_errors_are_clear_and_nothing_is_written(client, factory):
    factory.user(Role.ADMIN, login="taken")
    client.login(factory.user(Role.ADMIN))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    dup = client.post_form("/admin/users/new", {"login": "taken", "role": "admin"},
                           token_from="/admin/users/new")
    assert "уже занят" in dup.get_data(as_text=True)
    bad_scope = client.post_form("/admin/users/new", {"login": "new1", "role": "municipal",
                                                      "scope_code": "NOPE"},
                                 token_from="/admin/users/new")
    assert "Нет объекта с таким кодом (муниципалитет)." in bad_scope.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_admin_reassigns_roles_and_deactivates(client, factory):
    region, town, *_ = _demo_tree(factory)
    target = factory.user(Role.MUNICIPAL, town)
    client.login(factory.user(Role.ADMIN))
    page = f"/admin/users/{target.id}"
    client.post_form(f"{page}/roles", {"role": "regional", "scope_code": region.code},
                     token_from=page)
    old = target.role_assignments[0].id
    client.post_form(f"{page}/roles/{old}/remove", token_from=page)
    user = db.session.get(User, target.id)
    assert [a.role for a in user.role_assignments] == [Role.REGIONAL]
    client.post_form(f"{page}/active", token_from=page)
    assert db.session.get(User, target.id).active is False


def test_admin_creates_and_closes_an_organization(client, factory):
    _region, town, *_ = _demo_tree(factory)
    client.login(factory.user(Role.ADMIN))
    response = client.post_form("/admin/organizations/new", {
        "code": "9901099", "name": "МБОУ «Новая школа»", "short_name": "Новая школа",
        "type": "school", "subordination": "municipal", "municipality_id": town.id},
        token_from="/admin/organizations/new")
    assert response.status_code == 302
    org = db.session.scalars(sa.select(Organization).filter_by(code="9901099")).one()
    duplicate = client.post_form("/admin/organizations/new", {
        "code": "9901099", "name": "x", "short_name": "x", "type": "school",
        "subordination": "municipal", "municipality_id": town.id},
        token_from="/admin/organizations/new")
    assert "уже занят" in duplicate.get_data(as_text=True)
    client.post_form(f"/admin/organizations/{org.id}/active", token_from=f"/organizations/{org.id}")
    closed = db.session.get(Organization, org.id)
    assert closed.is_active is False and closed.closed_at is not None


def test_admin_lists_are_paginated_and_filtered(client, factory):
    _region, town, *_ = _demo_tree(factory)
    client.login(factory.user(Role.ADMIN))
    html = client.get(f"/admin/organizations?municipality={town.id}&type=school").get_data(
        as_text=True)
    assert "Школа № 23" in html and "Аграрный техникум" not in html
    assert "Школа № 23" not in client.get("/admin/organizations?q=техникум").get_data(as_text=True)
