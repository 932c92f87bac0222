"""URLs that check themselves: the ids of one URL must belong together (tenants.scoping).

The world below is built as a tree (two regions, sibling municipalities, organizations,
periods, roadmaps, documents, accounts), and each object remembers the ids it was built
under: its *place*. Two objects belong together when their places agree on every level both
have. That truth is independent of the declarations in ``url_argument(..., parents=...)``;
the tests compare it with what the URL preprocessor does, for every pair of URL arguments
and for every route of ``app.url_map`` that takes two or more of them. A URL argument the
world does not build fails the tests until it is added here.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from itertools import combinations, product

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from portal import create_app
from portal.auth.operations import assign_role
from portal.catalogue.models import DerivedIndicator, Form, Indicator, ValidationRule
from portal.config import TestConfig
from portal.documents import operations as documents
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.reports.models import Report, ReportState, ReportValue
from portal.reports.period_operations import open_period
from portal.roadmaps import operations as roadmaps
from tenants import scoping
from tenants.models import Role
from tests import document_files, isolation_mentoring, isolation_monitoring, isolation_programmes

PDF = document_files.pdf("url parents")


def _probe_rules() -> list[tuple[str, str, tuple[str, ...]]]:
    """(rule, method, tenant arguments) of every route taking two or more declared ids."""
    saved = os.environ.get("PORTAL_INSTANCE_PATH")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PORTAL_INSTANCE_PATH"] = folder
        try:
            probe = create_app(TestConfig)  # only for its url_map: nothing touches a database
        finally:
            os.environ.pop("PORTAL_INSTANCE_PATH")
            if saved is not None:
                os.environ["PORTAL_INSTANCE_PATH"] = saved
    found = []
    for rule in probe.url_map.iter_rules():
        ids = tuple(sorted(a for a in rule.arguments if a in scoping.URL_ARGUMENTS))
        if len(ids) >= 2:
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
            found.append((rule.rule, method, ids))
    return sorted(found)


MULTI_ID_ROUTES = _probe_rules()
ROUTE_PAIRS = [(rule, method, ids, pair) for rule, method, ids in MULTI_ID_ROUTES
               for pair in combinations(ids, 2)]


@dataclass(frozen=True)
class Placed:
    obj: object
    place: dict[str, int]  # URL argument → id of the object of that level it was built under


def together(*placed: Placed) -> bool:
    """The truth: every two places agree on every level both have."""
    for first, second in combinations(placed, 2):
        if any(first.place[k] != second.place[k] for k in first.place.keys() & second.place):
            return False
    return True


class World(dict):
    """URL argument → every object of it, the first of each being one consistent branch."""

    def put(self, argument: str, obj, above: dict[str, int]) -> dict[str, int]:
        place = {**above, argument: obj.id}
        self.setdefault(argument, []).append(Placed(obj, place))
        return place

    def base(self, argument: str) -> Placed:
        return self[argument][0]


def _first(model):
    return db.session.scalars(sa.select(model).order_by(model.id)).first()


def _organization_objects(world: World, org, org_place, periods) -> None:
    for period, period_place in periods:
        report = Report(organization=org, period=period, state=ReportState.DRAFT,
                        explanations={})
        db.session.add(report)
        db.session.flush()
        report_place = world.put("report_id", report, {**org_place, **period_place})
        value = ReportValue(report=report, indicator=_first(Indicator), raw="1", value=1)
        db.session.add(value)
        db.session.flush()
        world.put("value_id", value, report_place)
    for year in (2025, 2026):
        roadmap = roadmaps.create_roadmap(org, year, None, events=[
            roadmaps.EventData(stage=stage, title=f"Event {stage}", due_on=date(year, 10, 31),
                               due_is_month=True) for stage in (1, 2)])
        roadmap_place = world.put("roadmap_id", roadmap, org_place)
        for event in roadmap.events:
            world.put("event_id", event, roadmap_place)
    for kind in (DocumentKind.REGULATION, DocumentKind.IMPLEMENTATION_ORDER):
        version = documents.add_version(org, documents.Upload(
            kind=kind, order_number="N1", stream=io.BytesIO(PDF), filename="order.pdf"), None)
        document_place = world.put("document_id", version.document, org_place)
        world.put("version_id", version, document_place)
    pair = isolation_mentoring.BUILDERS["pair_id"](None, org)  # a mentor, a mentee, a pair
    pair_place = world.put("pair_id", pair, org_place)
    for member in pair.members:
        world.put("participant_id", member.participant, org_place)
        world.put("pair_member_id", member, pair_place)
    record = isolation_monitoring.BUILDERS["monitoring_record_id"](None, org)  # stage 1
    world.put("monitoring_record_id", record, pair_place)
    programme = isolation_programmes.BUILDERS["programme_id"](None, org)  # with one event
    programme_place = world.put("programme_id", programme, pair_place)
    for event in programme.events:
        world.put("plan_event_id", event, programme_place)


def _build_tenants(world: World, factory) -> None:
    """Region 0 has two municipalities, the first with two organizations; region 1 one each."""
    for r in range(2):
        region = factory.region()
        region_place = world.put("region_id", region, {})
        periods = [(period, world.put("period_id", period, region_place))
                   for period in (open_period(region, 2026, 1), open_period(region, 2026, 2))]
        for m in range(2 - r):
            municipality = factory.municipality(region)
            municipality_place = world.put("municipality_id", municipality, region_place)
            for _o in range(2 if (r, m) == (0, 0) else 1):
                org = factory.organization(municipality)
                org_place = world.put("org_id", org, municipality_place)
                _organization_objects(world, org, org_place, periods)


@pytest.fixture
def world(factory) -> World:
    w = World()
    _build_tenants(w, factory)
    school = w.base("org_id").obj
    for _u in range(2):  # two accounts, each with two role assignments
        user = factory.user(Role.CURATOR, school, password=None)  # hashing is slow
        assign_role(user, Role.HEAD, school.code)
        user_place = w.put("user_id", user, {})
        for assignment in user.role_assignments:
            w.put("assignment_id", assignment, user_place)
    # The catalogue's rows have no tenant parent declared (a template form has no region).
    for argument, model in (("indicator_id", Indicator), ("rule_id", ValidationRule),
                            ("form_id", Form), ("derived_id", DerivedIndicator)):
        w.put(argument, _first(model), {})
    db.session.flush()
    return w


def test_the_world_builds_every_url_argument(world):
    assert set(world) == set(scoping.URL_ARGUMENTS), (
        "a URL argument the world does not build: add it to tests/test_url_parents.py")
    assert together(*(world.base(a) for a in world)), "the first objects must be one branch"


def _disagreements(world: World, first: str, second: str) -> list[str]:
    """Where check_together disagrees with the truth, over every pair of objects."""
    wrong = []
    for a, b in product(world[first], world[second]):
        try:
            scoping.check_together([a.obj, b.obj])
            accepted = True
        except NotFound:
            accepted = False
        if accepted != together(a, b):
            wrong.append(f"{first}={a.obj.id} {second}={b.obj.id}: "
                         f"{'accepted' if accepted else 'refused'}")
    return wrong


ARGUMENT_PAIRS = list(combinations(sorted(scoping.URL_ARGUMENTS), 2))


@pytest.mark.parametrize(("first", "second"), ARGUMENT_PAIRS,
                         ids=[f"{a}+{b}" for a, b in ARGUMENT_PAIRS])
def test_every_pair_of_url_arguments_is_checked_by_its_declarations(world, first, second):
    """Objects that belong together pass, any other combination answers 404."""
    assert not _disagreements(world, first, second)


DECLARED = sorted((model.__name__, name) for model, names in scoping.PARENTS.items()
                  for name in names)


@pytest.mark.parametrize(("model_name", "relationship"), DECLARED,
                         ids=[f"{m}.{r}" for m, r in DECLARED])
def test_each_declaration_is_needed(world, monkeypatch, model_name, relationship):
    """Dropping any one parent declaration lets some mismatched pair through."""
    model = next(m for m in scoping.PARENTS if m.__name__ == model_name)
    monkeypatch.setitem(scoping.PARENTS, model,
                        tuple(n for n in scoping.PARENTS[model] if n != relationship))
    assert any(_disagreements(world, a, b) for a, b in ARGUMENT_PAIRS)


def test_routes_with_two_tenant_ids_exist():
    # The walk below must cover something: the report form alone takes an org and a period.
    assert any(ids == ("org_id", "period_id") for _rule, _method, ids in MULTI_ID_ROUTES)


@pytest.fixture
def admin_client(app, client, factory, monkeypatch):
    """Logged in as an administrator: every id is in scope, so only belonging is tested."""
    client.login(factory.user(Role.ADMIN))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # reach the stub on POST too
    return client


@pytest.mark.parametrize(("rule", "method", "ids", "pair"), ROUTE_PAIRS,
                         ids=[f"{rule}:{a}+{b}" for rule, _m, _i, (a, b) in ROUTE_PAIRS])
def test_route_refuses_ids_that_do_not_belong_together(app, admin_client, world, monkeypatch,
                                                       rule, method, ids, pair):
    """Every combination of the pair: 404 unless they belong together, else the view runs."""
    rule_obj = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    reached: list[dict] = []

    def stub(**kwargs):  # what the view would get, read before the request's session ends
        reached.append({k: getattr(v, "id", v) for k, v in kwargs.items()})
        return "reached"

    monkeypatch.setitem(app.view_functions, rule_obj.endpoint, stub)
    problems, expectations = [], set()
    for first, second in product(world[pair[0]], world[pair[1]]):
        chosen = {a: world.base(a) for a in ids} | {pair[0]: first, pair[1]: second}
        values = {a: p.obj.id for a, p in chosen.items()}
        values |= {a: "token" for a in rule_obj.arguments if a not in values}
        url = rule_obj.build(values, append_unknown=False)[1]
        reached.clear()
        status = admin_client.open(url, method=method).status_code
        expected = 200 if together(*chosen.values()) else 404
        expectations.add(expected)
        if status != expected or bool(reached) != (expected == 200):
            problems.append(f"{method} {url} → {status}, expected {expected}")
        elif reached:
            keyword = scoping.URL_ARGUMENTS[pair[0]][0]
            assert reached[0][keyword] == first.obj.id  # the view gets the loaded object
    assert not problems, "\n".join(problems)
    assert expectations == {200, 404}, "the world must hold matching and mismatched ids"


@pytest.mark.parametrize("ident", [2**31, 2**63 - 1, 2**63, 2**63 + 1, 10**30])
def test_ids_beyond_the_integer_range_answer_404(admin_client, world, ident):
    org, period = world.base("org_id").obj, world.base("period_id").obj
    assert admin_client.get(f"/organizations/{org.id}").status_code == 200
    assert admin_client.get(f"/organizations/{ident}").status_code == 404
    assert admin_client.get(f"/organizations/{org.id}/reports/{ident}").status_code == 404
    assert admin_client.get(f"/organizations/{ident}/reports/{period.id}").status_code == 404


def test_negative_ids_answer_404(admin_client, world):
    assert admin_client.get("/organizations/-1").status_code == 404


def test_a_parent_must_be_a_relationship():
    with pytest.raises(TypeError):
        scoping.belongs_to(Report, "no_such_relationship")
