"""The scope's predicates (tenants/policy.py, used through tenants/scoping.py) against a
specification written out here: for every combination of roles, every action and every kind
of row, through every entry point (``predicate``, ``readable``, ``scoped_select``,
``get_or_404``, ``allows``, ``require``).
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden, NotFound

from portal.extensions import db
from portal.reports.models import Report
from portal.reports.period_operations import open_period
from tenants import policy, scoping
from tenants.models import Municipality, Organization, OrganizationType, Region, Role
from tenants.models import Subordination as Sub
from tenants.scoping import Action, Scope


@pytest.fixture
def world(factory):
    """Two regions; in each, two municipalities with a municipal school and a regional
    college each, and every organization's report for the first quarter of 2026."""
    orgs, muns, regions = {}, {}, {}
    for r in "AB":
        regions[r] = region = factory.region()
        period = open_period(region, 2026, 1)
        for m in "12":
            muns[r + m] = mun = factory.municipality(region)
            for sub, kind in ((Sub.MUNICIPAL, OrganizationType.SCHOOL),
                              (Sub.REGIONAL, OrganizationType.COLLEGE)):
                org = factory.organization(mun, type=kind, subordination=sub)
                orgs[r + m + sub.value[0]] = org
                db.session.add(Report(organization=org, period=period, explanations={}))
    db.session.flush()
    return {"orgs": orgs, "muns": muns, "regions": regions}


def _scopes(world):
    """Every single role, and pairs of roles (assignments add up)."""
    o, m, r = world["orgs"], world["muns"], world["regions"]
    single = {
        "nobody": Scope(),
        "admin": Scope(user_id=1, is_admin=True),
        "regional A": Scope(user_id=2, region_ids=frozenset({r["A"].id})),
        "municipal A1": Scope(user_id=3, municipality_ids=frozenset({m["A1"].id})),
        "curator A1m": Scope(user_id=4, curator_org_ids=frozenset({o["A1m"].id})),
        "head B2r": Scope(user_id=5, head_org_ids=frozenset({o["B2r"].id})),
    }
    pairs = {
        "regional A + municipal B1": Scope(user_id=6, region_ids=frozenset({r["A"].id}),
                                           municipality_ids=frozenset({m["B1"].id})),
        "municipal A2 + curator B1r": Scope(user_id=7, municipality_ids=frozenset({m["A2"].id}),
                                            curator_org_ids=frozenset({o["B1r"].id})),
        "curator A1m + head A2r": Scope(user_id=8, curator_org_ids=frozenset({o["A1m"].id}),
                                        head_org_ids=frozenset({o["A2r"].id})),
    }
    return {**single, **pairs}


def _region_of(world, org):
    return next(k for k, v in world["regions"].items() if v.id == org.municipality.region_id)


def spec_organizations(world, scope, action):
    """Which organization keys the scope may ``action`` on (DOMAIN.md §2)."""
    found = set()
    for key, org in world["orgs"].items():
        in_region = world["regions"][_region_of(world, org)].id in scope.region_ids
        municipal = (org.municipality_id in scope.municipality_ids
                     and org.subordination is Sub.MUNICIPAL)
        own = org.id in (scope.curator_org_ids | scope.head_org_ids)
        if action is Action.PERSONAL_DATA:  # the organization's own people, nobody else
            allowed = own and not scope.is_admin or getattr(scope, "is_system", False)
            if allowed:
                found.add(key)
            continue
        allowed = scope.is_admin or {
            Action.VIEW: in_region or municipal or org.id in (scope.curator_org_ids
                                                              | scope.head_org_ids),
            Action.EDIT: org.id in scope.curator_org_ids,
            Action.CONFIRM: org.id in scope.head_org_ids,
            Action.REVIEW: municipal or (in_region and org.subordination is Sub.REGIONAL),
            Action.MANAGE: False,
        }[action]
        if allowed:
            found.add(key)
    return found


def spec_municipalities(world, scope, action):
    if scope.is_admin:
        return set(world["muns"])
    if action not in (Action.VIEW, Action.REVIEW):
        return set()
    return {k for k, mun in world["muns"].items()
            if mun.region_id in scope.region_ids or mun.id in scope.municipality_ids}


def spec_regions(world, scope, action):
    if action is Action.PERSONAL_DATA:  # people belong to organizations: no region's role
        return set(world["regions"]) if scope.is_admin else set()
    if scope.is_admin:
        return set(world["regions"])
    if action is Action.EDIT or action is Action.CONFIRM:
        return set()
    return {k for k, region in world["regions"].items() if region.id in scope.region_ids}


def _admitted(model, predicate, keyed):
    ids = set(db.session.scalars(sa.select(model.id).where(predicate)))
    return {k for k, row in keyed.items() if row.id in ids}


SCOPE_NAMES = ["nobody", "admin", "regional A", "municipal A1", "curator A1m", "head B2r",
               "regional A + municipal B1", "municipal A2 + curator B1r",
               "curator A1m + head A2r"]


@pytest.mark.parametrize("name", SCOPE_NAMES)
def test_every_predicate_admits_exactly_what_the_roles_allow(world, name):
    scope = _scopes(world)[name]
    reports = {k: db.session.scalars(sa.select(Report).where(Report.organization_id == o.id)
                                     ).one() for k, o in world["orgs"].items()}
    for action in Action:
        orgs = spec_organizations(world, scope, action)
        assert _admitted(Organization, scope.organizations(action), world["orgs"]) == orgs
        assert _admitted(Organization, scope.predicate(Organization, action),
                         world["orgs"]) == orgs, action
        assert _admitted(Report, scope.predicate(Report, action), reports) == orgs, action
        assert _admitted(Report, scope.predicate(Report, action, on=Report.__table__),
                         reports) == orgs, action
        assert _admitted(Municipality, scope.municipalities(action), world["muns"]) \
            == spec_municipalities(world, scope, action), action
        assert _admitted(Region, scope.regions(action), world["regions"]) \
            == spec_regions(world, scope, action), action


@pytest.mark.parametrize("name", SCOPE_NAMES)
def test_what_the_hook_reads_is_the_view_plus_the_own_organizations_context(world, name):
    scope = _scopes(world)[name]
    own = [o for o in world["orgs"].values() if o.id in scope.own_org_ids]
    viewed = spec_organizations(world, scope, Action.VIEW)
    assert _admitted(Organization, scope.readable(Organization), world["orgs"]) == viewed
    municipalities = spec_municipalities(world, scope, Action.VIEW) | {
        k for k, mun in world["muns"].items() if any(o.municipality_id == mun.id for o in own)}
    assert _admitted(Municipality, scope.readable(Municipality), world["muns"]) \
        == municipalities
    in_scope = set() if not scope.is_admin else set(world["regions"])
    in_scope |= {k for k, reg in world["regions"].items() if reg.id in scope.region_ids}
    in_scope |= {k[0] for k, mun in world["muns"].items() if mun.id in scope.municipality_ids}
    in_scope |= {_region_of(world, o) for o in own}
    assert _admitted(Region, scope.readable(Region), world["regions"]) == in_scope


@pytest.mark.parametrize("name", SCOPE_NAMES)
def test_every_entry_point_answers_as_the_predicate(world, name):
    scope = _scopes(world)[name]
    for action in Action:
        wanted = spec_organizations(world, scope, action)
        selected = set(db.session.scalars(scoping.scoped_select(Organization, action, scope)))
        assert {k for k, o in world["orgs"].items() if o in selected} == wanted
        for key, org in world["orgs"].items():
            assert scoping.allows(action, org, scope) is (key in wanted), (action, key)
            if key in wanted:
                assert scoping.get_or_404(Organization, org.id, action, scope) is org
                assert scoping.require(action, org, scope) is org
            else:
                with pytest.raises(NotFound):
                    scoping.get_or_404(Organization, org.id, action, scope)
                with pytest.raises(Forbidden):
                    scoping.require(action, org, scope)


def test_a_scope_is_collected_from_the_users_role_assignments(factory, world):
    from portal.auth.operations import assign_role

    o, m, r = world["orgs"], world["muns"], world["regions"]
    user = factory.user(Role.REGIONAL, r["A"])
    for role, code in ((Role.MUNICIPAL, m["B1"].code), (Role.CURATOR, o["A1m"].code),
                       (Role.HEAD, o["B2r"].code), (Role.HEAD, o["A2r"].code)):
        assign_role(user, role, code)
    scope = Scope.for_user(user)
    assert scope == Scope(user_id=user.id, region_ids=frozenset({r["A"].id}),
                          municipality_ids=frozenset({m["B1"].id}),
                          curator_org_ids=frozenset({o["A1m"].id}),
                          head_org_ids=frozenset({o["B2r"].id, o["A2r"].id}))
    assert scope.own_org_ids == {o["A1m"].id, o["B2r"].id, o["A2r"].id}
    admin = Scope.for_user(factory.user(Role.ADMIN))
    assert admin.is_admin and admin.user_id is not None
    assert not Scope.for_user(factory.user(None)).is_admin
    assert Scope.for_user(None) == Scope()
    assert Scope.for_user(object()) == Scope()  # anything that is not a signed-in account


def test_a_table_predicate_is_only_the_organization_id_rule():
    """``on=<table>`` serves subqueries of organization-owned rows; a model with its own
    rule (or no rule at all) is refused rather than given a predicate on the wrong rows."""
    for model in (Organization, Municipality):
        with pytest.raises(TypeError, match="has no scoping rule"):
            Scope().predicate(model, on=model.__table__)


def test_external_contour_and_cache_keys(world):
    scopes = _scopes(world)
    external = {n for n, s in scopes.items() if s.is_external}
    assert external == {"admin", "regional A", "municipal A1", "regional A + municipal B1",
                        "municipal A2 + curator B1r"}
    keys = {n: s.cache_key() for n, s in scopes.items()}
    assert len(set(keys.values())) == len(keys)
    for a, b in itertools.combinations(scopes.values(), 2):
        assert (a.cache_key() == b.cache_key()) is (
            (a.is_admin, a.region_ids, a.municipality_ids, a.curator_org_ids, a.head_org_ids)
            == (b.is_admin, b.region_ids, b.municipality_ids, b.curator_org_ids,
                b.head_org_ids))
    several = Scope(region_ids=frozenset({3, 1}), municipality_ids=frozenset({4, 2}),
                    curator_org_ids=frozenset({6, 5}), head_org_ids=frozenset({5, 2}))
    assert several.cache_key() == "|R1,3|M2,4|C5,6|H2,5"
    assert Scope(head_org_ids=frozenset({5})).cache_key() == "|R|M|C|H5"
    assert Scope(is_admin=True).cache_key().startswith("A|")


def test_the_system_scope_needs_a_reason(world):
    with pytest.raises(scoping.ScopingError):
        Scope.system("")
    scope = Scope.system("the test reads every organization")
    assert scope.is_admin and scope.user_id is None
    assert _admitted(Organization, scope.readable(Organization), world["orgs"]) \
        == set(world["orgs"])


def test_the_current_scope_outside_a_request_and_for_anonymous_users(app, database):
    assert scoping.current_scope() == Scope()
    with app.test_request_context("/"):
        assert scoping.current_scope() == Scope()
        assert scoping.current_scope() is scoping.current_scope()  # once per request


# -- classifying models --------------------------------------------------------------------------

class _Table:
    def __init__(self, *columns):
        self.c = set(columns)


class _Mapper:
    def __init__(self, cls, *columns):
        self.class_, self.local_table = cls, _Table(*columns)


class _Registry:
    """A mapper registry of three made-up models: owned by column, by rule, and neither."""

    def __init__(self):
        self.owned = type("Owned", (), {})
        self.ruled = type("Ruled", (), {})
        self.loose = type("Loose", (), {})
        self.mappers = [_Mapper(self.owned, "id", "organization_id"), _Mapper(self.ruled, "id"),
                        _Mapper(self.loose, "id")]


@pytest.fixture
def registries(monkeypatch):
    """The scope's rule and shared-model tables, restored after the test."""
    monkeypatch.setattr(policy, "_RULES", dict(policy._RULES))
    monkeypatch.setattr(policy, "_SHARED", dict(policy._SHARED))
    policy._tenant_models.cache_clear()
    yield _Registry()
    policy._tenant_models.cache_clear()


def test_a_model_is_tenant_owned_by_its_column_or_a_rule_and_otherwise_must_be_shared(
        database, registries):
    reg = registries
    with pytest.raises(scoping.ScopingError, match="Loose"):
        policy.tenant_models(reg)
    with pytest.raises(scoping.ScopingError):
        policy.shared_model(reg.loose, "")
    policy.shared_model(reg.loose, "made up for the test")
    with pytest.raises(scoping.ScopingError, match="Ruled"):
        policy.tenant_models(reg)

    @policy.scope_rule(reg.ruled)
    def ruled(scope, action):
        return sa.literal(f"{action}:{scope.user_id}")

    assert policy.tenant_models(reg) == (reg.owned, reg.ruled)
    found = db.session.scalar(sa.select(Scope(user_id=7).predicate(reg.ruled, Action.EDIT)))
    assert found == "edit:7"
    assert ruled is policy._RULES[reg.ruled]
    assert policy._SHARED[reg.loose] == "made up for the test"
