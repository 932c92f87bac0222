"""The status page's reads (portal/status/queries.py) as properties: every report state, on
time and late, closed organizations, both subordinations and types, each filter and scope.

The wanted rows are computed here from what the test created, not from portal/rules.py.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from portal import rules
from portal.extensions import db
from portal.reports.models import Report, ReportState
from portal.reports.period_operations import open_period
from portal.status import queries
from tenants.models import OrganizationType, Subordination
from tenants.scoping import Scope

SYSTEM = Scope.system("the test reads every organization")
STATES = [None, *ReportState]
TIMES = ["on time", "late", "never"]
KINDS = (OrganizationType.SCHOOL, OrganizationType.KINDERGARTEN)


@pytest.fixture
def land(factory):
    """A region with two municipalities; in each, one organization per combination of
    subordination, report state and submission time (types alternate), plus closed ones."""
    region = factory.region()
    period = open_period(region, 2026, 1)
    ends = rules.reporting(period, types=frozenset(OrganizationType)).ends_at
    editor = factory.user(full_name="Редактор")
    made, other = [], factory.region()
    earlier = open_period(region, 2025, 4)  # its reports must never show in 2026 Q1
    # Created first but sorted last: rows are ordered by municipality, then organization.
    for municipality in (factory.municipality(region, name="Яковлевский"),
                         factory.municipality(region, name="Азовский")):
        for sub in Subordination:
            for i, (state, when) in enumerate(itertools.product(STATES, TIMES)):
                if state is None and when != "never":
                    continue
                kind = KINDS[i % 2]
                org = factory.organization(municipality, type=kind, subordination=sub)
                first = {"on time": ends - timedelta(seconds=1), "late": ends,
                         "never": None}[when]
                _report(org, period, state, first, editor)
                _report(org, earlier, ReportState.ACCEPTED, ends, editor)
                made.append({"org": org, "state": state, "first": first,
                             "municipality": municipality, "sub": sub, "type": kind})
        closed_late = factory.organization(municipality, active=False)
        closed_late.closed_at = ends
        closed_early = factory.organization(municipality, active=False)
        closed_early.closed_at = ends - timedelta(seconds=1)
        made.append({"org": closed_late, "state": None, "first": None,
                     "municipality": municipality, "sub": Subordination.MUNICIPAL,
                     "type": OrganizationType.SCHOOL})
    factory.organization(factory.municipality(other))  # another region: never expected
    db.session.flush()
    return {"region": region, "period": period, "ends": ends, "made": made, "editor": editor}


def _report(org, period, state, first, editor):
    if state is None:
        return
    db.session.add(Report(organization=org, period=period, state=state, explanations={},
                          first_submitted_at=first, submitted_at=first,
                          updated_by_id=editor.id, review_comment=f"о {org.code}"))
    db.session.flush()


def _submitted(entry):
    return entry["state"] not in (None, ReportState.DRAFT)


def _on_time(entry, ends):
    return _submitted(entry) and entry["first"] is not None and entry["first"] < ends


FILTERS = {
    "all": (dict, lambda e, land: True),
    "municipality": (lambda land: {"municipality": land["made"][0]["municipality"]},
                     lambda e, land: e["municipality"] is land["made"][0]["municipality"]
                     and e["sub"] is Subordination.MUNICIPAL),
    "regional only": (lambda land: {"regional_only": True},
                      lambda e, land: e["sub"] is Subordination.REGIONAL),
    "kindergartens": (lambda land: {"org_type": OrganizationType.KINDERGARTEN},
                      lambda e, land: e["type"] is OrganizationType.KINDERGARTEN),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_status_rows_are_exactly_the_expected_organizations_with_their_reports(land, name):
    arguments, keep = FILTERS[name]
    kwargs = arguments(land) if name != "all" else {}
    rows = queries.status_rows(land["period"], scope=SYSTEM, **kwargs)
    wanted = [e for e in land["made"] if keep(e, land)]
    assert sorted(r.organization.id for r in rows) == sorted(e["org"].id for e in wanted)
    by_org = {e["org"].id: e for e in wanted}
    reporting = _reporting(land)
    for row in rows:
        entry = by_org[row.organization.id]
        assert row.state is entry["state"]
        assert (row.report_id is None) is (entry["state"] is None)
        assert row.first_submitted_at == entry["first"]
        assert (row.updated_at is None) is (entry["state"] is None)
        assert row.updated_by == (None if entry["state"] is None else "Редактор")
        assert row.review_comment == ("" if entry["state"] is None else f"о {entry['org'].code}")
        assert row.submitted is _submitted(entry)
        assert row.on_time(reporting) is _on_time(entry, land["ends"])
        assert row.submitted_late(reporting) is (_submitted(entry)
                                                 and not _on_time(entry, land["ends"]))
    names = [(r.organization.municipality.name, r.organization.name) for r in rows]
    assert names == sorted(names)


def _reporting(land):
    return rules.reporting(land["period"], types=frozenset(OrganizationType))


def test_the_summary_counts_submitted_on_time_and_accepted_reports(land):
    rows = queries.status_rows(land["period"], scope=SYSTEM)
    made, ends = land["made"], land["ends"]
    summary = queries.summarize(rows, land["period"])
    assert summary == queries.summarize(rows, _reporting(land))
    assert summary.expected == len(made)
    assert summary.submitted == sum(_submitted(e) for e in made)
    assert summary.on_time == sum(_on_time(e, ends) for e in made)
    assert summary.accepted == sum(e["state"] is ReportState.ACCEPTED for e in made)
    assert summary.completeness == pytest.approx(summary.submitted / len(made) * 100)
    assert summary.timeliness == pytest.approx(summary.on_time / len(made) * 100)


@pytest.mark.parametrize("now_shift", [-1, 0, 1])
def test_each_row_shows_late_only_when_missing_after_the_deadline(land, now_shift):
    now = land["ends"] + timedelta(seconds=now_shift)
    for row in queries.status_rows(land["period"], scope=SYSTEM):
        shown = row.status(_reporting(land), now)
        if now_shift >= 0 and not row.submitted:
            assert shown == queries.STATUS_LATE
        elif row.state is None:
            assert shown == queries.STATUS_NOT_STARTED
        else:
            assert shown == row.state.value


def test_each_level_sees_and_reviews_only_its_own(land):
    region, made = land["region"], land["made"]
    municipality = made[0]["municipality"]
    regional = Scope(user_id=1, region_ids=frozenset({region.id}))
    municipal = Scope(user_id=2, municipality_ids=frozenset({municipality.id}))
    curator = Scope(user_id=3, curator_org_ids=frozenset({made[0]["org"].id}))
    everything = queries.status_rows(land["period"], scope=SYSTEM)
    for scope, sees, reviews in (
            (regional, lambda e: True, lambda e: e["sub"] is Subordination.REGIONAL),
            (municipal, lambda e: e["municipality"] is municipality
             and e["sub"] is Subordination.MUNICIPAL,
             lambda e: e["municipality"] is municipality
             and e["sub"] is Subordination.MUNICIPAL),
            (curator, lambda e: e is made[0], lambda e: False)):
        rows = queries.status_rows(land["period"], scope=scope)
        assert {r.organization.id for r in rows} == {e["org"].id for e in made if sees(e)}
        assert queries.reviewable_ids(everything, scope) == {
            e["org"].id for e in made if reviews(e)}
        assert queries.reviewable_ids([], scope) == set()
    assert queries.region_of_scope(regional) == [region]
    assert queries.region_of_scope(Scope(user_id=4)) == []
