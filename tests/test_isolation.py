"""Tenant isolation: every registered route, every role, against another tenant's ids.

The walk reads ``app.url_map``, so a new route is covered automatically. A route whose
URL takes an argument this test does not know fails the test until the argument is
resolved through the scoping helper (``tenants.scoping.url_argument``) and listed here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tenants.models import (
    Municipality,
    Organization,
    OrganizationType,
    Region,
    Role,
    RoleAssignment,
    Subordination,
)

# Feature packages add their own tenant-owned objects: a module tests/isolation_<feature>.py
# defines BUILDERS = {"<url argument>": build(factory, organization) -> object owned by it}.
# The walk builds one object per organization of the world, so each object is exactly as
# much in or out of scope as its organization.
FEATURE_BUILDERS: dict = {}
for _module in sorted(Path(__file__).parent.glob("isolation_*.py")):
    FEATURE_BUILDERS.update(importlib.import_module(f"tests.{_module.stem}").BUILDERS)
ORGANIZATIONS = ["org_a", "college_a", "org_a2", "org_b", "college_b"]

def _any_indicator_id() -> int:
    from portal.catalogue.models import Indicator

    return db.session.scalars(sa.select(Indicator.id).order_by(Indicator.id.desc())).first()


# URL arguments that carry no tenant data: a value (or a function giving one) that cannot
# name a foreign object. The indicator catalogue is shared by all regions.
NON_TENANT_ARGUMENTS = {"token": "not-a-valid-token", "filename": "css/bootstrap.min.css",
                        "indicator_id": _any_indicator_id}
ALLOWED_REFUSALS = {400, 403, 404, 405}


@dataclass
class World:
    """Region A (ours) and region B (foreign), with every kind of tenant object."""

    objects: dict[str, object] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@pytest.fixture
def world(factory) -> World:
    w = World()
    o = w.objects
    o["region_a"] = factory.region("Регион-А-OWNREGION")
    o["mun_a1"] = factory.municipality(o["region_a"], "OWNMUN-A1")
    o["mun_a2"] = factory.municipality(o["region_a"], "SIBLINGMUN-A2")
    o["org_a"] = factory.organization(o["mun_a1"], name="OWNSCHOOL-A")
    o["college_a"] = factory.organization(o["mun_a1"], name="REGCOLLEGE-A",
                                          type=OrganizationType.COLLEGE,
                                          subordination=Subordination.REGIONAL)
    o["org_a2"] = factory.organization(o["mun_a2"], name="SIBLINGSCHOOL-A2")
    o["region_b"] = factory.region("FOREIGNREGION-B")
    o["mun_b"] = factory.municipality(o["region_b"], "FOREIGNMUN-B")
    o["org_b"] = factory.organization(o["mun_b"], name="FOREIGNSCHOOL-B")
    o["college_b"] = factory.organization(o["mun_b"], name="FOREIGNCOLLEGE-B",
                                          type=OrganizationType.COLLEGE,
                                          subordination=Subordination.REGIONAL)
    o["user_b"] = factory.user(Role.CURATOR, o["org_b"], login="foreignuser-b",
                               full_name="FOREIGNPERSON-B")
    o["assignment_b"] = o["user_b"].role_assignments[0]
    for argument, build in FEATURE_BUILDERS.items():
        for org_name in ORGANIZATIONS:
            o[f"{argument}:{org_name}"] = build(factory, o[org_name])
    w.users = {
        "regional": factory.user(Role.REGIONAL, o["region_a"]),
        "municipal": factory.user(Role.MUNICIPAL, o["mun_a1"]),
        "curator": factory.user(Role.CURATOR, o["org_a"]),
        "head": factory.user(Role.HEAD, o["org_a"]),
        "no_role": factory.user(None),
    }
    return w


# What each role must not see, besides everything of region B.
OUT_OF_SCOPE = {
    "regional": [],
    "municipal": ["college_a", "org_a2", "mun_a2", "region_a"],
    "curator": ["college_a", "org_a2", "mun_a1", "mun_a2", "region_a"],
    "head": ["college_a", "org_a2", "mun_a1", "mun_a2", "region_a"],
    "no_role": ["org_a", "college_a", "org_a2", "mun_a1", "mun_a2", "region_a"],
}
# Out of scope as pages, but their names are part of the organization's own card.
NAMES_VISIBLE = {"curator": {"mun_a1", "region_a"}, "head": {"mun_a1", "region_a"}}
FOREIGN = ["region_b", "mun_b", "org_b", "college_b", "user_b", "assignment_b"]
ARGUMENT_OBJECTS = {
    "org_id": ["org_b", "college_b", "college_a", "org_a2", "org_a"],
    "municipality_id": ["mun_b", "mun_a2", "mun_a1"],
    "region_id": ["region_b", "region_a"],
    "user_id": ["user_b"],
    "assignment_id": ["assignment_b"],
}


def _marker(obj) -> str | None:
    if isinstance(obj, (Region, Municipality, Organization)):
        return obj.name
    if isinstance(obj, User):
        return obj.full_name
    return None


def _snapshot(acting: User) -> list:
    """Every column of every tenant and account row but the acting user's own."""
    rows = []
    for model in (Region, Municipality, Organization, User, RoleAssignment):
        stmt = sa.select(model.__table__)
        if model is User:
            stmt = stmt.where(User.id != acting.id)
        rows += [tuple(r) for r in db.session.execute(stmt).all()]
    return sorted(rows, key=repr)


def _argument_objects(arg: str) -> list[str] | None:
    if arg in ARGUMENT_OBJECTS:
        return ARGUMENT_OBJECTS[arg]
    if arg in FEATURE_BUILDERS:
        return [f"{arg}:{org}" for org in ORGANIZATIONS]
    return None


def _forbidden_for(role: str) -> set[str]:
    names = set(FOREIGN) | set(OUT_OF_SCOPE[role])
    for arg in FEATURE_BUILDERS:
        names |= {f"{arg}:{org}" for org in ORGANIZATIONS if org in names}
    return names


def _urls_for(rule, forbidden: set[str], world: World):
    """Yield (url, names of forbidden objects in it) for every value combination."""
    from itertools import product

    args = sorted(rule.arguments)
    choices = []
    for arg in args:
        if arg in NON_TENANT_ARGUMENTS:
            value = NON_TENANT_ARGUMENTS[arg]
            choices.append([(value() if callable(value) else value, None)])
        elif _argument_objects(arg) is not None:
            names = [n for n in _argument_objects(arg) if n in forbidden]
            choices.append([(getattr(world, n).id, n) for n in names])
        else:
            raise AssertionError(f"{rule.rule} takes <{arg}>, unknown to the isolation test: "
                                 "resolve it through tenants.scoping.url_argument and list it")
    for combo in product(*choices):
        values = {arg: value for arg, (value, _name) in zip(args, combo)}
        names = {name for _value, name in combo if name}
        yield rule.build(values, append_unknown=False)[1], names


@pytest.mark.parametrize("role", sorted(OUT_OF_SCOPE))
def test_no_route_shows_or_changes_data_outside_the_scope(app, client, world, role):
    forbidden = _forbidden_for(role)
    markers = {n: _marker(getattr(world, n)) for n in forbidden - NAMES_VISIBLE.get(role, set())
               if _marker(getattr(world, n))}
    before = _snapshot(world.users[role])
    client.login(world.users[role])
    problems, checked = [], 0
    app.config["WTF_CSRF_ENABLED"] = False  # reach the view code, not the CSRF refusal
    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint in ("static", "bootstrap.static") or rule.endpoint == "auth.logout":
                continue
            for url, names in _urls_for(rule, forbidden, world):
                for method in sorted(rule.methods & {"GET", "POST"}):
                    response = client.open(url, method=method, data={"submit": "1"})
                    checked += 1
                    body = response.get_data(as_text=True)
                    if names and response.status_code not in ALLOWED_REFUSALS:
                        problems.append(f"{method} {url} ({names}) → {response.status_code}")
                    leaked = [n for n, m in markers.items() if m in body]
                    if leaked:
                        problems.append(f"{method} {url} shows {leaked}")
                    if response.status_code >= 500:
                        problems.append(f"{method} {url} → {response.status_code}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert checked >= 20, "the walk checked too few routes to mean anything"
    assert not problems, "\n".join(problems)
    assert _snapshot(world.users[role]) == before, "a request changed data outside its scope"


def test_scope_allows_what_each_role_owns(app, client, world):
    """The other side of isolation: each role does reach its own data."""
    own = {
        "regional": [f"/regions/{world.region_a.id}", f"/organizations/{world.college_a.id}",
                     f"/municipalities/{world.mun_a2.id}"],
        "municipal": [f"/municipalities/{world.mun_a1.id}", f"/organizations/{world.org_a.id}"],
        "curator": [f"/organizations/{world.org_a.id}"],
        "head": [f"/organizations/{world.org_a.id}"],
    }
    for role, urls in own.items():
        client.login(world.users[role])
        for url in urls:
            assert client.get(url).status_code == 200, (role, url)
        client.post_form("/logout")
