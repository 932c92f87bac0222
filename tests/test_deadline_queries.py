"""The curator's deadline flow is cheap: login → form → save → submit in at most 30 statements
(issue 9 item 2), the report prefill included (whether the organization keeps a register is
a column of the row the URL loads; a draft's first save does not re-read what it inserted).

The catalogue, the rules and the previous quarter's values are read at most once per request
(see ``portal.database.memoized``); new values and their audit rows are one INSERT each.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.catalogue.derived_rows import derived_rows
from tenants.models import Organization, Role
from tenants.scoping import Action, Scope, allows
from tests.conftest import CSRF_PATTERNS
from tests.report_helpers import GOOD_VALUES, form_data, setup_region

FLOW_LIMIT = 30
# What a request must not read twice: the catalogue, the rules, last quarter's values.
READ_ONCE = {"catalogue": re.compile(r"FROM (indicators|derived_indicators)\b"),
             "rules": re.compile(r"FROM validation_rules\b"),
             "previous values": re.compile(r"FROM report_values JOIN indicators .* JOIN periods")}


def _token(html: str) -> str:
    return next(m.group(1) for p in CSRF_PATTERNS if (m := p.search(html)))


def _flow(client, factory, count_queries) -> dict[str, list[str]]:
    """Run the flow; the statements of each step."""
    _region, _m, school, _c, period = setup_region(factory)
    login = factory.user(Role.CURATOR, school).login
    # The worker has served this quarter before: a frozen version's derived indicators are
    # read once per process (portal.catalogue.derived_rows), not once per request.
    derived_rows(period.form_version_id, period.form_version.frozen_at)
    url = f"/organizations/{school.id}/reports/{period.id}"
    steps: dict[str, list[str]] = {}

    def step(name, call, status):
        with count_queries() as statements:
            response = call()
        assert response.status_code == status, (name, response.get_data(as_text=True)[:500])
        steps[name] = [" ".join(s.split()) for s in statements]
        return response

    token = _token(step("login page", lambda: client.get("/login"), 200).get_data(as_text=True))
    step("login", lambda: client.post("/login", data={
        "login": login, "password": factory.PASSWORD, "csrf_token": token}), 302)
    page = step("form", lambda: client.get(url), 200).get_data(as_text=True)
    token = _token(page)
    for action in ("save", "submit"):
        step(action, lambda action=action: client.post(url, data=form_data(
            GOOD_VALUES, action=action, version="", csrf_token=token)), 302)
    return steps


def test_the_curators_flow_runs_at_most_30_statements(client, factory, count_queries):
    steps = _flow(client, factory, count_queries)
    counts = {name: len(statements) for name, statements in steps.items()}
    assert sum(counts.values()) <= FLOW_LIMIT, counts


def test_a_request_reads_the_catalogue_rules_and_previous_values_once(
        client, factory, count_queries):
    steps = _flow(client, factory, count_queries)
    for name, statements in steps.items():
        for what, pattern in READ_ONCE.items():
            reads = [s for s in statements if pattern.search(s)]
            assert len(reads) <= 1, (name, what, reads)
    # The submit needs all three: the checks run over the stored values.
    assert all(any(p.search(s) for s in steps["submit"]) for p in READ_ONCE.values())


def test_new_values_and_their_audit_rows_are_one_insert_each(client, factory, count_queries):
    steps = _flow(client, factory, count_queries)
    inserts = [s.split(" (")[0] for s in steps["save"] if s.startswith("INSERT")]
    assert sorted(inserts) == ["INSERT INTO audit_entries", "INSERT INTO report_values",
                               "INSERT INTO reports"]


@pytest.mark.parametrize("role", list(Role))
def test_edit_and_confirm_are_decided_without_a_query_exactly_as_the_predicate_decides(
        database, factory, count_queries, role):
    """The shortcut in ``allows`` must answer what ``Scope.organizations`` answers in SQL."""
    region, municipality, school, college, _period = setup_region(factory)
    other = factory.organization(factory.municipality(factory.region()))
    scope_of = {Role.ADMIN: None, Role.REGIONAL: region, Role.MUNICIPAL: municipality,
                Role.CURATOR: school, Role.HEAD: school}
    scope = Scope.for_user(factory.user(role, scope_of[role]))
    for action in (Action.EDIT, Action.CONFIRM):
        for org in (school, college, other):
            in_sql = database.session.scalar(sa.select(sa.literal(1)).where(
                Organization.id == org.id, scope.organizations(action))) is not None
            with count_queries() as statements:
                assert allows(action, org, scope) is in_sql, (role, action, org)
            assert statements == []


def test_a_save_checks_the_values_once_and_a_submission_once(client, factory, count_queries,
                                                              monkeypatch):
    """The checks are the flow's heaviest Python work: a save runs them once (for its
    message), a submission once (its own checks; the save before it does not check)."""
    from portal.reports import operations

    checked: list[bool] = []
    validate = operations.validate

    def counting(report, *args, **kwargs):
        checked.append(kwargs.get("for_submission", False))
        return validate(report, *args, **kwargs)

    monkeypatch.setattr(operations, "validate", counting)
    _flow(client, factory, count_queries)
    # The form of a report not started yet has nothing to check; the save checks for its
    # message, the submission runs its own checks only.
    assert checked == [False, True], checked
