"""Properties of the reporting rules (portal/rules.py), checked against a specification
written out here, for every report state, on both sides of every boundary, and whichever of
the arguments arrive as SQL (mutation testing, README "Mutation testing", asked for these).

Each rule may be given Python values or SQL expressions; callers mix them (a column for the
state, a bound value or a per-period ``CASE`` for the deadline, Python's ``now``). Whatever
the mix, the answer is the same. The SQL form needs the first submission time as SQL as soon
as anything else is SQL (it is always ``Report.first_submitted_at`` there).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from portal import rules
from portal.extensions import db
from portal.reports.models import Report, ReportState
from portal.reports.period_operations import open_period
from portal.roadmaps.models import ExecutionStatus

ENDS = datetime(2026, 4, 10, 21, 0)  # a deadline's end, naive UTC
MOMENTS = [None, ENDS - timedelta(seconds=1), ENDS, ENDS + timedelta(seconds=1)]
NOWS = [ENDS - timedelta(seconds=1), ENDS, ENDS + timedelta(seconds=1)]
STATES = [None, *ReportState]  # None: no report at all


# -- the specification, written independently of portal/rules.py ------------------------------

def spec_submitted(state):
    return state is not None and state is not ReportState.DRAFT


def spec_on_time(state, first, ends):
    return spec_submitted(state) and first is not None and first < ends


SPEC = {
    "on_time": spec_on_time,
    "submitted_late": lambda s, f, e: spec_submitted(s) and not spec_on_time(s, f, e),
    "missing": lambda s, e, n: n >= e and not spec_submitted(s),
    "late": lambda s, f, e, n: n >= e and not spec_on_time(s, f, e),
}
ARGUMENTS = {"on_time": ("state", "first", "ends"), "submitted_late": ("state", "first", "ends"),
             "missing": ("state", "ends", "now"), "late": ("state", "first", "ends", "now")}


def _as_sql(name, value):
    """A SQL value; the state cast, as PostgreSQL cannot infer the type of a text parameter."""
    if name == "state":
        return sa.cast(sa.literal(value, Report.state.type), Report.state.type)
    return sa.literal(value, sa.DateTime())


def _mixes(names):
    """Every choice of arguments given as SQL the rules accept (see the module docstring)."""
    for mask in itertools.product((False, True), repeat=len(names)):
        chosen = {n for n, sql in zip(names, mask) if sql}
        if "first" in names and chosen - {"now"} and "first" not in chosen:
            continue
        yield chosen


def _evaluate(answers):
    """Python answers as they are; SQL answers in one SELECT."""
    sql = [i for i, a in enumerate(answers) if rules.is_sql(a)]
    if sql:
        row = db.session.execute(sa.select(*(answers[i] for i in sql))).one()
        for i, value in zip(sql, row):
            answers[i] = value
    return [bool(a) for a in answers]


@pytest.mark.parametrize("rule", list(SPEC))
def test_each_deadline_rule_matches_the_specification_however_its_arguments_come(
        database, rule):
    names = ARGUMENTS[rule]
    function = getattr(rules, rule)
    for state, first, now in itertools.product(STATES, MOMENTS, NOWS):
        values = {"state": state, "first": first, "ends": ENDS, "now": now}
        wanted = SPEC[rule](*(values[n] for n in names))
        mixes = list(_mixes(names))
        answers = _evaluate([function(*(_as_sql(n, values[n]) if n in mix else values[n]
                                        for n in names)) for mix in mixes])
        for mix, answer in zip(mixes, answers):
            assert answer is wanted, (rule, state, first, now, sorted(mix))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("now", NOWS)
def test_the_status_page_shows_late_only_for_a_missing_report_after_the_deadline(state, now):
    shown = rules.status(state, ENDS, now)
    if now >= ENDS and not spec_submitted(state):
        assert shown == rules.STATUS_LATE
    elif state is None:
        assert shown == rules.STATUS_NOT_STARTED
    else:
        assert shown == state.value


@pytest.mark.parametrize("state", STATES)
def test_submitted_in_sql_is_never_null_so_it_can_be_negated(database, state):
    column = _as_sql("state", state)
    found = db.session.execute(sa.select(rules.submitted(column),
                                         sa.not_(rules.submitted(column)))).one()
    assert (bool(found[0]), bool(found[1])) == (spec_submitted(state), not spec_submitted(state))
    assert found[1] is not None


def test_the_rules_view_of_a_period_keeps_its_deadline_region_and_end(factory):
    region = factory.region()
    period = open_period(region, 2026, 1)
    seen = rules.reporting(period, types=frozenset())
    assert (seen.period_id, seen.region_id, seen.deadline) == (period.id, region.id,
                                                               period.deadline)
    assert seen.ends_at == rules.deadline_end(period.deadline, region)
    assert seen.types == frozenset()


@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_execution_is_reported_up_to_the_quarter_end_or_today_if_sooner(factory, shift):
    period = open_period(factory.region(), 2026, 1)
    today = period.ends_on + timedelta(days=shift)
    assert rules.execution_reached(period, today) == min(today, period.ends_on)
    assert rules.execution_reached(period, date(2030, 1, 1)) == period.ends_on


# -- shares ---------------------------------------------------------------------------------------

SHARES = [(0, 0), (3, 0), (0, 1), (1, 1), (1, 2), (2, 3), (3, 3), (7, 4)]


def _share_spec(part, whole):
    return None if whole == 0 else part / whole * 100


@pytest.mark.parametrize("part, whole", SHARES)
def test_a_share_is_the_same_as_scalars_any_sql_mix_and_arrays(database, part, whole):
    wanted = _share_spec(part, whole)
    mixes = [(sa.literal(part), whole), (part, sa.literal(whole)),
             (sa.literal(part), sa.literal(whole))]
    found = [rules.share(part, whole)]
    found += list(db.session.execute(sa.select(*(rules.share(p, w) for p, w in mixes))).one())
    for value in found:
        assert value == (None if wanted is None else pytest.approx(wanted))
    for p, w in [(np.array([part]), np.array([whole])), (part, np.array([whole])),
                 (np.array([part]), whole)]:
        array = rules.share(p, w)
        assert array.dtype == float
        assert np.isnan(array[0]) if wanted is None else array[0] == pytest.approx(wanted)


def test_a_share_of_columns_reads_nulls_decimals_and_nullable_integers():
    """Sums from the database arrive as Decimal (PostgreSQL) or nullable integers (pandas)."""
    parts = pd.Series([1, None, 3, 2], dtype="Int64")
    wholes = pd.Series([2, 4, 0, None], dtype="Int64")
    found = rules.share(parts, wholes)
    assert found[0] == 50.0 and np.isnan(found[1:]).all()
    decimals = rules.share([Decimal(1), Decimal(3)], [Decimal(4), Decimal(3)])
    assert decimals.dtype == float and list(decimals) == [25.0, 100.0]
    # An object column mixing Decimal and pandas' NA (an outer join of PostgreSQL sums).
    mixed = rules.share(pd.Series([Decimal(1), pd.NA, Decimal(3)], dtype=object),
                        pd.Series([Decimal(4), Decimal(4), pd.NA], dtype=object))
    assert mixed.dtype == float and mixed[0] == 25.0 and np.isnan(mixed[1:]).all()


# -- roadmap events -------------------------------------------------------------------------------

REACHED = date(2025, 12, 31)


@pytest.mark.parametrize("status", [None, *ExecutionStatus])
def test_event_rules_agree_however_their_arguments_come(database, status):
    """The Python form takes a status (None: planned, no record); the SQL one its value."""
    python_status = status or ExecutionStatus.PLANNED
    for due_on in (REACHED - timedelta(days=1), REACHED, REACHED + timedelta(days=1)):
        due = due_on <= REACHED and python_status is not ExecutionStatus.CANCELLED
        done = due and python_status is ExecutionStatus.DONE
        values = {"status": status.value if status else None, "due": due_on, "reached": REACHED}
        types = {"status": sa.String(), "due": sa.Date(), "reached": sa.Date()}
        for rule, wanted in ((rules.event_due, due), (rules.event_done, done)):
            assert rule(python_status, due_on, REACHED) is wanted
            mixes = [m for m in itertools.product((False, True), repeat=3) if any(m)]
            answers = [rule(*(sa.literal(values[n], types[n]) if sql else
                              (python_status if n == "status" else values[n])
                              for n, sql in zip(values, mix))) for mix in mixes]
            assert [bool(a) for a in db.session.execute(sa.select(*answers)).one()] \
                == [wanted] * len(mixes), (rule.__name__, due_on)


# -- ratios ---------------------------------------------------------------------------------------

ROWS = [
    {"mentees": 20, "staff_total": 50, "mentors": 5},
    {"mentees": 2, "staff_total": 40, "mentors": None},
    {"mentees": None, "staff_total": 10, "mentors": 1},
    {"mentees": 1, "staff_total": 1, "mentors": 1},
    {"mentees": 6, "staff_total": None, "mentors": 2},
]


def _table(rows, codes):
    selects = [sa.select(*(sa.literal(r[c], sa.Integer()).label(c) for c in codes))
               for r in rows]
    return sa.union_all(*selects).subquery()


@pytest.mark.parametrize("code", ["mentee_coverage", "mentor_load"])
@pytest.mark.parametrize("kept", [slice(0, 5), slice(1, 3), slice(1, 5), slice(3, 4)])
def test_a_ratio_from_sql_partial_sums_equals_the_ratio_over_complete_reports(
        database, code, kept):
    """Only reports with every part count, in SQL and in Python alike."""
    derived = rules.DERIVED_BY_CODE[code]
    rows = ROWS[kept]
    table = _table(rows, derived.parts)
    partials = derived.partials(lambda c: table.c[c])
    found = db.session.execute(sa.select(*(v.label(k) for k, v in partials.items()))).one()
    complete = [r for r in rows if all(r[c] is not None for c in derived.parts)]
    assert found.n == len(complete)
    sums = {c: getattr(found, f"p{i}") for i, c in enumerate(derived.parts)}
    for c in derived.parts:
        assert sums[c] == (sum(r[c] for r in complete) if complete else None)
    python = derived.over_reports(rows)
    if complete:
        assert derived.compute(sums) == pytest.approx(python)
    else:
        assert python is None and derived.compute(sums) is None


@pytest.mark.parametrize("bottom", [0, 1, 2])
def test_a_ratio_is_the_same_as_scalars_and_arrays(bottom):
    derived = rules.DERIVED_BY_CODE["mentor_load"]
    sums = {"mentees": 3, "mentors": bottom}
    scalar = derived.compute(sums)
    array = rules.ratio(derived.numerator, derived.denominator, derived.scale,
                        {c: np.array([v]) for c, v in sums.items()})
    assert array.dtype == float
    if bottom == 0:
        assert scalar is None and np.isnan(array[0])
    else:
        assert scalar == array[0] == 3 / bottom
    assert derived.compute({"mentees": 3}) is None  # a part missing altogether
