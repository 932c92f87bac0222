"""No differencing (issue 10, item 7), as properties over generated regions.

Each seed builds a region: several municipalities, every organization type, regionally
subordinate colleges, closed organizations, two quarters, reports in every state with
partial values (random large numbers, so that a sum equals one organization's value only
when it is made of that value). Viewers below the level that sees single organizations —
a curator, a head, a municipal coordinator — open every dashboard they may reach with
every combination of the filters (period, indicator, submitted switch, type, chosen
organizations). The properties:

(a) changing only the state of other organizations' non-accepted reports changes nothing
    a viewer sees (the charts' data, notes and figures, and the whole responses);
(b) no two numbers a viewer sees for one indicator and quarter differ by exactly one
    value of one organization the viewer may not see;
(c) a reference value is never made of fewer than MIN_GROUP organizations, nor of a single
    one the viewer may not see, and neither is the difference of two reference values
    (the complementary cells: the region minus the types shown, nested groups).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations, product
from urllib.parse import parse_qs

import pandas as pd
import pytest
import sqlalchemy as sa
from flask_login import login_user

from dashboards import views
from dashboards.disclosure import MIN_GROUP
from dashboards.pages import quarter_label
from portal.extensions import db
from portal.reports import period_operations
from portal.reports.models import Report, ReportState
from tenants.models import Organization, OrganizationType, Role, Subordination
from tests.test_dashboards import put

A, D, W, S, R = (ReportState.ACCEPTED, ReportState.DRAFT, ReportState.AWAITING_HEAD,
                 ReportState.SUBMITTED, ReportState.RETURNED)
NOT_ACCEPTED = (D, W, S, R)
ROTATE = {D: S, S: R, R: W, W: D}  # every non-accepted state becomes another one
COUNTS = ("staff_total", "mentees", "mentors")  # sums: a difference is a value
INDICATORS = ("staff_total", "mentees", "mentee_coverage")
SEEDS = (1, 2, 3)
TYPES = list(OrganizationType)


@dataclass
class World:
    region: object
    municipalities: list
    organizations: list
    periods: list
    reports: list = field(default_factory=list)  # (organization, period, state, values)

    def unseen_values(self, visible: set[int], code: str, period) -> set[float]:
        """Every value of ``code`` in ``period`` of an organization the viewer may not see,
        whatever the report's state (a draft's value is hidden too)."""
        return {float(v[code]) for o, p, _s, v in self.reports
                if o.id not in visible and p.id == period.id and code in v}

    def contributors(self, code: str, period, member) -> set[int]:
        """Organizations whose accepted report of ``period`` has ``code``, chosen by
        ``member(organization)``."""
        return {o.id for o, p, s, v in self.reports
                if s is A and p.id == period.id and code in v and member(o)}


def make_world(factory, seed: int) -> World:
    rng = random.Random(seed)
    region = factory.region()
    municipalities = [factory.municipality(region) for _ in range(3)]
    organizations = []
    for n in range(rng.randint(9, 13)):
        org_type = TYPES[n % len(TYPES)] if n < len(TYPES) else rng.choice(TYPES)
        regional = org_type is OrganizationType.COLLEGE and rng.random() < 0.7
        org = factory.organization(
            rng.choice(municipalities), type=org_type,
            subordination=Subordination.REGIONAL if regional else Subordination.MUNICIPAL,
            active=rng.random() > 0.15)
        if not org.is_active:
            org.closed_at = datetime(2026, rng.choice([2, 9]), 1)
        organizations.append(org)
    periods = [period_operations.open_period(region, 2026, q) for q in (1, 2)]
    world = World(region, municipalities, organizations, periods)
    for org, period in product(organizations, periods):
        state = rng.choice([None, D, W, S, R, A, A, A])
        if state is None:
            continue
        values = {code: rng.randint(1000, 999_999) for code in COUNTS if rng.random() > 0.15}
        put(org, period, state, **values)
        world.reports.append((org, period, state, values))
    db.session.flush()
    return world


@dataclass
class Viewer:
    user: object
    visible: set[int]
    pages: list  # (page function, target)


def viewers(factory, world: World, seed: int) -> list[Viewer]:
    rng = random.Random(seed * 7)
    municipal = [o for o in world.organizations if o.subordination == Subordination.MUNICIPAL]
    own = rng.choice(municipal)
    head_of = rng.choice(world.organizations)
    coordinated = own.municipality
    seen = {o.id for o in municipal if o.municipality_id == coordinated.id}
    return [
        Viewer(factory.user(Role.CURATOR, own), {own.id},
               [(views.institution_page, own)]),
        Viewer(factory.user(Role.HEAD, head_of), {head_of.id},
               [(views.institution_page, head_of)]),
        Viewer(factory.user(Role.MUNICIPAL, coordinated), seen,
               [(views.municipal_page, coordinated), (views.institution_page, own)]),
    ]


def queries_for(world: World, page_function, own) -> list[str]:
    """Every combination of the filters the page offers: the institution view has no type
    or organization filter (the whole-response test passes them anyway)."""
    municipal = page_function is views.municipal_page
    types = [None, *TYPES] if municipal else [None]
    found = []
    # No period means the latest with data: asked on the institution view, where that
    # choice reads the viewer's own reports (the municipal one shares the code).
    periods = world.periods if municipal else [None, *world.periods]
    for period, code, submitted, org_type in product(periods, INDICATORS, (False, True), types):
        args = [f"indicator={code}"]
        args += [f"period={period.id}"] if period else []
        args += ["submitted=1"] if submitted else []
        args += [f"type={org_type.value}"] if org_type else []
        found.append("&".join(args))
        if municipal and org_type is None:
            found.append("&".join([*args, f"orgs={own.id}"]))
    return found


@dataclass(frozen=True)
class Seen:
    """One chart as a viewer sees it: what it shows, and its frame for the properties."""

    key: str
    shown: tuple
    frame: pd.DataFrame = field(compare=False)
    period: str = field(compare=False)


def charts_seen(app, viewer: Viewer, page_function, target, query: str) -> list[Seen]:
    """What a page shows for one query: each chart's data, figure, note, period, freshness."""
    with app.test_request_context(f"/?{query}", headers={"Accept-Language": "ru"}):
        login_user(viewer.user)
        page = page_function(target)
        # Every chart but the documents' presence, which no report feeds.
        keys = [k for k in page.chart_keys if k != "presence"] if page.period else []
        charts = [page.chart(k) for k in keys]
        return [Seen(c.key, (c.title, c.note, c.period, str(c.changed_at),
                             page.filters.counted_note,
                             c.frame.to_json(orient="split", double_precision=10,
                                             date_format="iso"),
                             json.dumps(c.figure, sort_keys=True, default=str)),
                     c.frame, c.period) for c in charts]


def everything_seen(app, viewer: Viewer, world: World) -> dict:
    """(page, target, query) → the charts, over every page and filter the viewer has."""
    own = viewer.pages[-1][1]
    return {(page_function, target, query):
            charts_seen(app, viewer, page_function, target, query)
            for page_function, target in viewer.pages
            for query in queries_for(world, page_function, own)}


def rotate_unseen_states(world: World, visible: set[int]) -> int:
    """Move every non-accepted report of an organization the viewer may not see to another
    non-accepted state, as the workflow would (its time of change too)."""
    changed = 0
    for report in db.session.scalars(sa.select(Report).where(Report.state.in_(NOT_ACCEPTED))):
        if report.organization_id in visible:
            continue
        report.state = ROTATE[report.state]
        report.updated_at = datetime(2026, 11, 1, 8, 0)
        changed += 1
    db.session.flush()
    return changed


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_other_organizations_unaccepted_reports_change_nothing_a_viewer_sees(
        app, factory, seed):
    world = make_world(factory, seed)
    for viewer in viewers(factory, world, seed):
        before = everything_seen(app, viewer, world)
        if not rotate_unseen_states(world, viewer.visible):
            continue
        after = everything_seen(app, viewer, world)
        differing = [key for key in before if before[key] != after[key]]
        assert not differing, (viewer.user.login, differing[:5])


CSRF = re.compile(r'(name="csrf_token"[^>]*value=|name="csrf-token" content=)"[^"]+"')


def responses(client, world: World, organization) -> dict:
    """The whole pages and CSV exports of the institution view (the CSRF token aside)."""
    found = {}
    for period, submitted in product(world.periods, ("", "&submitted=1")):
        query = f"period={period.id}&indicator=staff_total{submitted}"
        base = f"/dashboards/organizations/{organization.id}"
        found[query] = CSRF.sub("", client.get(f"{base}?{query}").get_data(as_text=True))
        for chart in ("trend", "key", "position"):
            found[query, chart] = client.get(
                f"{base}/export?chart={chart}&format=csv&{query}").get_data()
    return found


@pytest.mark.parametrize("seed", SEEDS[2:])
def test_whole_responses_do_not_follow_other_organizations_unaccepted_reports(
        client, factory, seed):
    world = make_world(factory, seed)
    curator = viewers(factory, world, seed)[0]
    client.login(curator.user)
    organization = db.session.get(Organization, min(curator.visible))
    before = responses(client, world, organization)
    assert rotate_unseen_states(world, curator.visible)
    after = responses(client, world, organization)
    assert [key for key in before if before[key] != after[key]] == []


def numbers_seen(seen: dict) -> dict[tuple[str, str], set[float]]:
    """Every number of the indicator's charts, by indicator and quarter (the trends' rows
    by their quarter, the other charts' by the chosen one)."""
    found: dict[tuple[str, str], set[float]] = {}
    for (_page, _target, query), charts in seen.items():
        code = parse_qs(query)["indicator"][0]
        for chart in charts:
            if code not in COUNTS or chart.key not in ("trend", "organizations"):
                continue
            for row in chart.frame.to_dict("records"):
                numbers = found.setdefault((code, row.get("period", chart.period)), set())
                numbers.update(float(v) for k, v in row.items() if pd.api.types.is_number(v)
                               and v == v and k not in ("organization_id", "period_id"))
    return found


def no_two_numbers_differ_by_one_unseen_value(world: World, viewer: Viewer, seen: dict,
                                              labels: dict) -> None:
    for (code, quarter), numbers in numbers_seen(seen).items():
        unseen = world.unseen_values(viewer.visible, code, labels[quarter])
        leaks = [(x, y, x - y) for x, y in combinations(sorted(numbers), 2)
                 if abs(x - y) in unseen]
        assert not leaks, (viewer.user.login, code, quarter, leaks)


# -- (c): the groups behind every reference value ---------------------------------------------

def too_small(cell: set[int], visible: set[int]) -> bool:
    """The rule as the test states it: fewer than MIN_GROUP organizations, or fewer than
    MIN_GROUP - 1 that the viewer may not see (who knows the rest would learn them)."""
    unseen = len(cell - visible)
    return 0 < len(cell) < MIN_GROUP or 0 < unseen < MIN_GROUP - 1


def leaves_too_few(difference: set[int], visible: set[int]) -> bool:
    return 0 < len(difference - visible) < MIN_GROUP - 1


def reference_cells(world: World, seen: dict) -> list[tuple]:
    """(indicator, period id, organizations, line, query) of every reference value shown;
    the histogram ("position") must count exactly the region's accepted reports."""
    found = []
    for (page_function, target, query), charts in seen.items():
        args = {k: v[0] for k, v in parse_qs(query).items()}
        code, charts = args["indicator"], {c.key: c.frame for c in charts}
        if code not in COUNTS or "period" not in args or args.get("orgs"):
            continue
        period = next(p for p in world.periods if p.id == int(args["period"]))
        if page_function is views.municipal_page:
            org_type = args.get("type")
            cells = {"region": lambda o, t=org_type: t is None or o.type.value == t}
        else:
            cells = {"region": lambda o: True, "type": lambda o, t=target.type: o.type == t,
                     "group": _group_of(target)}
            position = charts["position"]["count"].sum()
            if position:  # the histogram: the values of the region's organizations
                region = frozenset(world.contributors(code, period, lambda o: True))
                assert position == len(region), (query, position, sorted(region))
                found.append((code, period.id, region, "position", query))
        trend = charts["trend"]
        row = trend[trend["period_id"] == period.id].iloc[0]
        for column, member in cells.items():
            if row[column] == row[column]:
                found.append((code, period.id, frozenset(
                    world.contributors(code, period, member)), column, query))
    return found


def _group_of(organization):
    """Who makes up an organization's group line: its municipality's municipally
    subordinate organizations, or the regionally subordinate ones of the region."""
    if organization.subordination == Subordination.REGIONAL:
        return lambda o: o.subordination == Subordination.REGIONAL
    return lambda o: (o.subordination == Subordination.MUNICIPAL
                      and o.municipality_id == organization.municipality_id)


def no_reference_of_too_small_a_group(viewer: Viewer, cells: list[tuple]) -> None:
    for _code, _period, cell, column, query in cells:
        assert not too_small(set(cell), viewer.visible), (viewer.user.login, column, query)
    shown: dict[tuple[str, int], set[frozenset]] = {}
    for code, period_id, cell, column, _q in cells:
        if column != "position":  # counts of values, not a sum of them
            shown.setdefault((code, period_id), set()).add(cell)
    for (code, _period), groups in shown.items():
        for bigger, smaller in product(groups, groups):
            if smaller < bigger:  # nested: the difference is a group of its own
                assert not leaves_too_few(bigger - smaller, viewer.visible), \
                    (viewer.user.login, code, sorted(bigger), sorted(smaller))
        # The region minus disjoint cells shown (the types, a type and a group): the rest.
        whole = max(groups, key=len)
        for chosen in _disjoint_families([g for g in groups if g < whole]):
            rest = whole - set().union(*chosen)
            assert not leaves_too_few(rest, viewer.visible), \
                (viewer.user.login, code, sorted(whole), [sorted(c) for c in chosen])


@pytest.mark.parametrize("seed", SEEDS)
def test_no_view_or_pair_of_views_gives_an_unseen_organization_away(app, factory, seed):
    """(b) and (c) over everything each viewer can reach."""
    world = make_world(factory, seed)
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        labels = {quarter_label(p): p for p in world.periods}
    for viewer in viewers(factory, world, seed):
        seen = everything_seen(app, viewer, world)
        no_two_numbers_differ_by_one_unseen_value(world, viewer, seen, labels)
        no_reference_of_too_small_a_group(viewer, reference_cells(world, seen))


def _disjoint_families(parts: list[frozenset]) -> list[list[frozenset]]:
    """Every family of at least two pairwise disjoint cells (the types of one quarter)."""
    families = []
    for size in range(2, len(parts) + 1):
        for family in combinations(parts, size):
            if all(not (a & b) for a, b in combinations(family, 2)):
                families.append(list(family))
    return families


# -- the rule itself on random tables: no combination of up to three cells isolates one ------

def random_table(rng: random.Random) -> pd.DataFrame:
    """Reporting counts by (type, group, visible) of one period and one metric."""
    rows = []
    for org_type, group in product(["school", "kindergarten", "college", "additional"],
                                   [-1, 1, 2, 3]):
        for visible in (0, 1):
            count = rng.choice([0, 0, 0, 1, 1, 2, 3]) if visible == 0 else rng.choice([0] * 6 + [1])
            if count:
                rows.append({"type": org_type, "group": group, "visible": visible, "n": count})
    return pd.DataFrame(rows, columns=["type", "group", "visible", "n"])


def _vector(cell, finest: list) -> tuple[int, ...]:
    level, key = cell
    return tuple(1 if level == "region" or f[0 if level == "type" else 1] == key else 0
                 for f in finest)


@pytest.mark.parametrize("seed", range(150))
def test_no_combination_of_the_cells_shown_isolates_one_unseen_organization(seed):
    from dashboards.disclosure import REGION, hide_exposed

    table = random_table(random.Random(seed))
    unseen = table[table["visible"] == 0].groupby(["type", "group"])["n"].sum()
    finest = list(unseen.index)
    cells = [REGION, *{("type", t) for t in table["type"]}, *{("group", g) for g in table["group"]}]
    hidden = hide_exposed(table, "n")
    shown = [_vector(c, finest) for c in cells if c not in hidden]
    for size in (1, 2, 3):
        for chosen in combinations(shown, size):
            for signs in product((1, -1), repeat=size):
                combined = [sum(s * v[i] for s, v in zip(signs, chosen)) for i in range(len(finest))]
                alone = [i for i, x in enumerate(combined) if x]
                if len(alone) == 1 and combined[alone[0]] == 1:
                    assert unseen.iloc[alone[0]] >= MIN_GROUP - 1, (table, hidden, chosen, signs)
    for cell in cells:  # a cell of fewer than MIN_GROUP organizations is never shown
        members = table if cell == REGION else table[table[cell[0]] == cell[1]]
        if 0 < members["n"].sum() < MIN_GROUP:
            assert cell in hidden, (table, cell)


def test_without_accepted_reports_no_reference_is_drawn_whatever_the_switch(app, factory):
    region = factory.region()
    municipality = factory.municipality(region)
    organizations = [factory.organization(municipality) for _ in range(4)]
    period = period_operations.open_period(region, 2026, 2)
    for org in organizations:
        put(org, period, S, staff_total=100, mentees=10, mentors=5)
    curator = factory.user(Role.CURATOR, organizations[0])
    coordinator = factory.user(Role.MUNICIPAL, municipality)
    for switch in ("", "&submitted=1"):
        query = f"period={period.id}&indicator=staff_total{switch}"
        seen = charts_seen(app, Viewer(curator, set(), []), views.institution_page,
                           organizations[0], query)
        trend = next(c for c in seen if c.key == "trend").frame
        assert trend[["group", "type", "region"]].isna().all().all()
        assert next(c for c in seen if c.key == "position").frame.empty
        seen = charts_seen(app, Viewer(coordinator, set(), []), views.municipal_page,
                           municipality, query)
        assert next(c for c in seen if c.key == "trend").frame["region"].isna().all()
