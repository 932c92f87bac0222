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
from portal.auth.operations import assign_role
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
from tenants.scoping import URL_ACTIONS
from tests.scope_spy import scope_spy

# Feature packages add their own tenant-owned objects: a module tests/isolation_<feature>.py
# defines BUILDERS = {"<url argument>": build(factory, organization) -> object owned by it}.
# The walk builds one object per organization of the world, so each object is exactly as
# much in or out of scope as its organization.
# Optionally MARKERS = {Model: obj -> text that must not appear where obj is out of scope}.
FEATURE_BUILDERS: dict = {}
FEATURE_MARKERS: dict = {}
for _module in sorted(Path(__file__).parent.glob("isolation_*.py")):
    _feature = importlib.import_module(f"tests.{_module.stem}")
    FEATURE_BUILDERS.update(_feature.BUILDERS)
    FEATURE_MARKERS.update(getattr(_feature, "MARKERS", {}))
ORGANIZATIONS = ["org_a", "college_a", "org_a2", "org_b", "college_b", "org_c"]
# Where each organization lies: (municipality, region).
HOME = {"org_a": ("mun_a1", "region_a"), "college_a": ("mun_a1", "region_a"),
        "org_a2": ("mun_a2", "region_a"), "org_b": ("mun_b", "region_b"),
        "college_b": ("mun_b", "region_b"), "org_c": ("mun_c", "region_c")}

# URL arguments that carry no tenant data: a value (or a function giving one) that cannot
# name a foreign object. Forms, their items and rules are region data (tests/isolation_catalogue.py).
NON_TENANT_ARGUMENTS = {"token": "not-a-valid-token", "filename": "css/bootstrap.min.css"}
ALLOWED_REFUSALS = {400, 403, 404, 405}


@dataclass
class World:
    """Region A (ours), region B (foreign) and region C (foreign to the user with roles in
    A and B), with every kind of tenant object."""

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
    o["region_c"] = factory.region("THIRDREGION-C")
    o["mun_c"] = factory.municipality(o["region_c"], "THIRDMUN-C")
    o["org_c"] = factory.organization(o["mun_c"], name="THIRDSCHOOL-C")
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
        "two_regions": factory.user(Role.REGIONAL, o["region_a"]),
        "admin": factory.user(Role.ADMIN),
    }
    assign_role(w.users["two_regions"], Role.REGIONAL, o["region_b"].code)
    return w


# What each role must not see, besides everything of region B.
OUT_OF_SCOPE = {
    "regional": [],
    "municipal": ["college_a", "org_a2", "mun_a2", "region_a"],
    "curator": ["college_a", "org_a2", "mun_a1", "mun_a2", "region_a"],
    "head": ["college_a", "org_a2", "mun_a1", "mun_a2", "region_a"],
    "no_role": ["org_a", "college_a", "org_a2", "mun_a1", "mun_a2", "region_a"],
    # Roles in regions A and B: everything of both is theirs, nothing of region C.
    "two_regions": ["region_c", "mun_c", "org_c"],
}
# Out of scope as pages, but their names are part of the organization's own card.
NAMES_VISIBLE = {"curator": {"mun_a1", "region_a"}, "head": {"mun_a1", "region_a"}}
FOREIGN = ["region_b", "mun_b", "org_b", "college_b", "user_b", "assignment_b"]
FOREIGN_ACCOUNTS = ["user_b", "assignment_b"]
ARGUMENT_OBJECTS = {
    "org_id": ["org_b", "college_b", "college_a", "org_a2", "org_a", "org_c"],
    "municipality_id": ["mun_b", "mun_a2", "mun_a1", "mun_c"],
    "region_id": ["region_b", "region_a", "region_c"],
    "user_id": ["user_b"],
    "assignment_id": ["assignment_b"],
}


def _marker(obj) -> str | None:
    if isinstance(obj, (Region, Municipality, Organization)):
        return obj.name
    if isinstance(obj, User):
        return obj.full_name
    marker = FEATURE_MARKERS.get(type(obj))
    return marker(obj) if marker else None


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
    names = set(FOREIGN_ACCOUNTS if role == "two_regions" else FOREIGN) | set(OUT_OF_SCOPE[role])
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


def _walked_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ("static", "bootstrap.static", "auth.logout"):
            yield rule


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
        with scope_spy() as spy:
            for url, names, method, response in _walk(client, app, world, forbidden):
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
    spy.assert_all_limited()  # every SELECT of a tenant table went through the scope


def _walk(client, app, world, forbidden, methods=("GET", "POST")):
    """Request every route with every combination of forbidden ids."""
    for rule in _walked_rules(app):
        for url, names in _urls_for(rule, forbidden, world):
            for method in sorted(rule.methods & set(methods)):
                yield url, names, method, client.open(url, method=method, data={"submit": "1"})


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


# -- the administrator, roles in two regions, and ids that do not belong together ----------

THIRD = {"region_c", "mun_c", "org_c"}
ACCOUNT_ARGUMENTS = {"user_id": "user_b", "assignment_id": "assignment_b"}


def _tenant_arguments(rule) -> list[str]:
    return sorted(a for a in rule.arguments if a not in NON_TENANT_ARGUMENTS)


def _object_of(arg: str, org: str) -> str:
    """The world's object for URL argument ``arg`` that belongs to organization ``org``."""
    municipality, region = HOME[org]
    return {"org_id": org, "municipality_id": municipality,
            "region_id": region}.get(arg) or ACCOUNT_ARGUMENTS.get(arg) or f"{arg}:{org}"


def _url(rule, world: World, names: dict[str, str]) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in NON_TENANT_ARGUMENTS:
            value = NON_TENANT_ARGUMENTS[arg]
            values[arg] = value() if callable(value) else value
        else:
            values[arg] = getattr(world, names[arg]).id
    return rule.build(values, append_unknown=False)[1]


def _status(client, url: str, method: str = "GET") -> int:
    """The status of one request; the body is read and closed (file downloads)."""
    response = client.open(url, method=method, data={"submit": "1"})
    response.get_data()
    response.close()
    return response.status_code


def _reading_rules(app, accounts: bool = True):
    """GET routes taking tenant ids; not those that need more than ids to answer: an upload
    token, or the chart of a dashboard export (``?chart=``)."""
    for rule in _walked_rules(app):
        args = _tenant_arguments(rule)
        if "GET" not in rule.methods or not args or "token" in rule.arguments:
            continue
        if rule.endpoint.startswith("dashboards.") and rule.endpoint.endswith("_export"):
            continue
        if accounts or not set(args) & set(ACCOUNT_ARGUMENTS):
            yield rule


def test_the_administrator_reaches_every_tenant(app, client, world):
    client.login(world.users["admin"])
    problems = []
    with scope_spy() as spy:
        for rule in _reading_rules(app):
            for org in ("org_b", "college_a", "org_c"):
                url = _url(rule, world, {a: _object_of(a, org) for a in rule.arguments})
                status = _status(client, url)
                if set(rule.arguments) & set(URL_ACTIONS):  # person-level: never theirs
                    if status != 404:
                        problems.append(f"GET {url} ({org}) personal data → {status}")
                elif status == 404 or status >= 500:
                    problems.append(f"GET {url} ({org}) → {status}")
        body = client.get(f"/organizations/{world.org_c.id}").get_data(as_text=True)
    assert not problems, "\n".join(problems)
    assert "THIRDSCHOOL-C" in body
    spy.assert_all_limited()


def test_roles_in_two_regions_reach_exactly_what_each_region_gives(app, client, world, factory):
    """A regional coordinator of A and B answers every page of A like the coordinator of A,
    every page of B like a coordinator of B (region C: the isolation walk above)."""
    users = {"two": world.users["two_regions"], "region_a": world.users["regional"],
             "region_b": factory.user(Role.REGIONAL, world.region_b)}
    orgs = {"region_a": ["org_a", "college_a", "org_a2"], "region_b": ["org_b", "college_b"]}
    status: dict[tuple, int] = {}
    with scope_spy() as spy:
        for key, user in users.items():
            client.login(user)
            for rule in _reading_rules(app, accounts=False):
                for org in orgs["region_a"] + orgs["region_b"]:
                    if key == "two" or org in orgs[key]:
                        url = _url(rule, world, {a: _object_of(a, org) for a in rule.arguments})
                        status[key, url, org] = _status(client, url)
            client.post_form("/logout")
    differences = [f"{url}: {code}, alone {status[HOME[org][1], url, org]}"
                   for (key, url, org), code in status.items()
                   if key == "two" and code != status[HOME[org][1], url, org]]
    assert not differences, "\n".join(differences)
    assert sum(code == 200 for (key, _url_, org), code in status.items()
               if key == "two" and org in orgs["region_b"]) >= 10
    spy.assert_all_limited()


def _visible_for(role: str, world: World) -> dict[str, set[int]]:
    """Ids of the objects ``role`` may open, per URL argument."""
    hidden = _forbidden_for(role) | (set() if role == "two_regions" else THIRD)
    hidden |= {f"{arg}:{org}" for arg in FEATURE_BUILDERS for org in ORGANIZATIONS
               if org in hidden}
    # By id: the organizations of a region share its period, visible if any of them is.
    return {arg: {getattr(world, n).id for n in _argument_objects(arg) if n not in hidden}
            for arg in list(ARGUMENT_OBJECTS) + list(FEATURE_BUILDERS)}


@pytest.mark.parametrize("role", ["regional", "municipal", "curator", "head", "two_regions"])
def test_a_foreign_id_beside_own_ids_is_refused(app, client, world, role):
    """Own organization with a foreign period, foreign organization with an own period, ...:
    one id out of scope refuses the whole URL, whichever position it has."""
    visible = _visible_for(role, world)
    client.login(world.users[role])
    problems, checked = [], 0
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for rule in _walked_rules(app):
            args = _tenant_arguments(rule)
            if len(args) < 2:
                continue
            for foreign_arg in args:
                own = {a: next((n for n in _argument_objects(a)
                                if getattr(world, n).id in visible[a]), None) for a in args}
                if any(own[a] is None for a in args if a != foreign_arg):
                    continue
                for name in _argument_objects(foreign_arg):
                    if getattr(world, name).id in visible[foreign_arg]:
                        continue
                    url = _url(rule, world, {**own, foreign_arg: name})
                    for method in sorted(rule.methods & {"GET", "POST"}):
                        checked += 1
                        code = _status(client, url, method)
                        if code != 404:
                            problems.append(f"{method} {url} (foreign {name}) → {code}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert checked >= 10
    assert not problems, "\n".join(problems)


def _mismatched_urls(app, world: World):
    """URLs whose ids are all visible to the user but not of one organization: all from
    ``org_a`` but one argument from ``org_b`` (another region), and the other way; another
    user's role assignment under an account."""
    for rule in _walked_rules(app):
        args = _tenant_arguments(rule)
        if len(args) < 2:
            continue
        if set(args) == set(ACCOUNT_ARGUMENTS):
            names = {"user_id": world.users["no_role"], "assignment_id": world.assignment_b}
            url = rule.build({a: obj.id for a, obj in names.items()}, append_unknown=False)[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield method, url, "assignment of user_b"
            continue
        for home, stranger in (("org_a", "org_b"), ("org_b", "org_a")):
            for odd in args:
                names = {a: _object_of(a, stranger if a == odd else home) for a in args}
                for method in sorted(rule.methods & {"GET", "POST"}):
                    yield method, _url(rule, world, names), f"{odd} of {stranger}"


def _accepted_mismatches(app, client, world, role: str) -> list[str]:
    client.login(world.users[role])
    accepted = []
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for method, url, odd in _mismatched_urls(app, world):
            code = _status(client, url, method)
            if code != 404:
                accepted.append(f"{method} {url} ({odd}) → {code}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    return accepted


@pytest.mark.parametrize("role", ["admin", "two_regions"])
def test_ids_that_do_not_belong_together_are_refused(app, client, world, role):
    """Every id of the URL is visible, but they are not of one tenant: 404 as well. Each
    view checks the parents by hand today (the urls branch declares them on url_argument);
    removing one of those checks fails this test."""
    accepted = _accepted_mismatches(app, client, world, role)
    assert not accepted, "\n".join(accepted)
