"""The rules of the reporting cycle, each defined once (DOMAIN.md §4, §7, §8).

Every rule is one function of values. Given SQL columns (``Report.state``, the
``Organization`` class) it returns a SQL expression; given Python values (``report.state``,
an ``Organization``) it returns the answer. Status pages, home pages, dashboards and
exports call these functions; tests/test_rules.py checks that both forms agree.

Deadlines: a period's deadline is a day in its region's time zone, and a report is on time
when it is first submitted before that day ends there (:attr:`Reporting.ends_at`). The
instant is computed in Python, once per period, and bound into SQL as a parameter:
SQLite cannot convert time zones, and a bound value costs nothing in a scan of many
reports. A statement over several periods binds one per period (:func:`per_period`).

This module reads only models and the clock, so every feature package may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.catalogue.models import Indicator
from portal.extensions import db
from portal.memo import MEMO_SOURCES, memoized
from portal.reports.models import Period, ReportState
from portal.roadmaps.models import ExecutionStatus
from tenants.models import Municipality, OrganizationType

MEMO_SOURCES.add(Indicator)  # the form's types come from the catalogue

ALL_TYPES = frozenset(OrganizationType)


def is_sql(*values: Any) -> bool:
    """Whether any of the values is a SQL expression (a column or a mapped attribute)."""
    return any(isinstance(v, sa.sql.ClauseElement) or hasattr(v, "__clause_element__")
               for v in values)


# -- the period: its deadline and who is expected ----------------------------------------------

@dataclass(frozen=True)
class Reporting:
    """What the rules need to know of one period: its region, the instant its deadline
    ends, and the organization types its form applies to."""

    period_id: int
    region_id: int
    deadline: date
    ends_at: datetime  # the end of the deadline day in the region's time, naive UTC
    types: frozenset[OrganizationType] = ALL_TYPES


def deadline_end(deadline: date, region: clock.Zoned) -> datetime:
    """The deadline is the end of the deadline day in the region's time (as naive UTC)."""
    return clock.day_end_utc(deadline, region)


def form_types(version_id: int) -> frozenset[OrganizationType]:
    """The organization types a form version applies to: those of an item in use (read once
    per request: the status pages and dashboards ask for each period)."""
    return memoized(("form_types", version_id), lambda: _form_types(version_id))


def _form_types(version_id: int) -> frozenset[OrganizationType]:
    found = db.session.scalars(sa.select(Indicator.applies_to).where(
        Indicator.retired_at.is_(None), Indicator.form_version_id == version_id))
    known = {t.value for t in OrganizationType}
    return frozenset(OrganizationType(t) for applies in found for t in applies or ()
                     if t in known)


def reporting(period: Period, types: frozenset[OrganizationType] | None = None) -> Reporting:
    """The rules' view of ``period`` (reads its region and, unless given, the types its form
    version applies to)."""
    return Reporting(period.id, period.region_id, period.deadline,
                     deadline_end(period.deadline, period.region),
                     form_types(period.form_version_id) if types is None else frozenset(types))


def per_period(reportings: Iterable[Reporting], period_id: Any) -> sa.ColumnElement:
    """SQL: the end of the deadline of the period in ``period_id`` (a column), one bound
    value per period, for a statement over several periods."""
    ends = {r.period_id: sa.literal(r.ends_at, sa.DateTime()) for r in reportings}
    return sa.case(ends, value=period_id, else_=sa.null())


def expected(organization: Any, period: Reporting) -> Any:
    """Organizations expected to report in a period.

    Those of the period's region whose type the form applies to, and that are open, or
    were closed only after the deadline ended: they owed that report, and their history
    keeps it. One closed before the deadline ended, or without a date, is not expected.
    """
    o = organization
    if is_sql(o.is_active):
        clauses = [
            o.municipality_id.in_(sa.select(Municipality.id)
                                  .where(Municipality.region_id == period.region_id)),
            sa.or_(o.is_active, o.closed_at >= period.ends_at),
        ]
        if period.types != ALL_TYPES:
            clauses.append(o.type.in_(sorted(period.types)))
        return sa.and_(*clauses)
    still_open = o.is_active or (o.closed_at is not None and o.closed_at >= period.ends_at)
    return bool(still_open and o.type in period.types
                and o.municipality.region_id == period.region_id)


# -- a report: submitted, on time, late ---------------------------------------------------------

SUBMITTED_STATES = tuple(s for s in ReportState if s is not ReportState.DRAFT)
STATUS_NOT_STARTED = "not_started"
STATUS_LATE = "late"


def submitted(state: Any) -> Any:
    """A report counts as submitted once it has left the draft: awaiting the head,
    submitted, accepted, or returned for correction (it was submitted). A draft or no
    report at all is not."""
    if is_sql(state):
        # Never NULL (an outer join's missing report is "no"), so it can be negated.
        return sa.and_(state.is_not(None), state.in_(SUBMITTED_STATES))
    return state in SUBMITTED_STATES


def on_time(state: Any, first_submitted_at: Any, ends_at: Any) -> Any:
    """Submitted, and first submitted before the deadline ended; a resubmission after a
    return keeps the first time."""
    if is_sql(state, first_submitted_at, ends_at):
        return sa.and_(submitted(state), first_submitted_at.is_not(None),
                       first_submitted_at < ends_at)
    return bool(submitted(state) and first_submitted_at is not None
                and first_submitted_at < ends_at)


def submitted_late(state: Any, first_submitted_at: Any, ends_at: Any) -> Any:
    """Submitted, but not on time."""
    if is_sql(state, first_submitted_at, ends_at):
        return sa.and_(submitted(state), sa.not_(on_time(state, first_submitted_at, ends_at)))
    return submitted(state) and not on_time(state, first_submitted_at, ends_at)


def missing(state: Any, ends_at: Any, now: Any) -> Any:
    """Not submitted, and the deadline has ended (``now``: naive UTC)."""
    if is_sql(state, ends_at, now):
        return sa.and_(now >= ends_at, sa.not_(submitted(state)))
    return now >= ends_at and not submitted(state)


def late(state: Any, first_submitted_at: Any, ends_at: Any, now: Any) -> Any:
    """Not on time once the deadline has ended: submitted late, or still missing."""
    if is_sql(state, first_submitted_at, ends_at, now):
        return sa.and_(now >= ends_at, sa.not_(on_time(state, first_submitted_at, ends_at)))
    return now >= ends_at and not on_time(state, first_submitted_at, ends_at)


def status(state: ReportState | None, ends_at: datetime, now: datetime) -> str:
    """What a status page shows: "late" for a report missing after the deadline,
    "not_started" without a report, else the report's state."""
    if missing(state, ends_at, now):
        return STATUS_LATE
    return STATUS_NOT_STARTED if state is None else ReportState(state).value


# -- shares: completeness, timeliness, execution rate ------------------------------------------

def _floats(values: Any) -> np.ndarray:
    if hasattr(values, "to_numpy"):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def share(part: Any, whole: Any) -> Any:
    """part / whole in percent; no value (None, NaN or NULL) when the whole is zero."""
    if is_sql(part, whole):
        return sa.case((whole > 0, sa.cast(part, sa.Float) / whole * 100), else_=sa.null())
    if np.ndim(part) or np.ndim(whole):
        part, whole = _floats(part), _floats(whole)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(whole > 0, part / np.where(whole > 0, whole, np.nan) * 100, np.nan)
    if not whole or part is None:
        return None
    return part / whole * 100


def completeness(submitted_count: Any, expected_count: Any) -> Any:
    """Completeness = organizations that submitted / organizations expected, in percent."""
    return share(submitted_count, expected_count)


def timeliness(on_time_count: Any, expected_count: Any) -> Any:
    """Timeliness = organizations that submitted on time / organizations expected."""
    return share(on_time_count, expected_count)


def execution_reached(period: Period, today: date) -> date:
    """The day a roadmap's execution is reported up to: the quarter's end, or today if sooner."""
    return min(period.ends_on, today)


def event_due(status_: Any, due_on: Any, reached: Any) -> Any:
    """An event counts in the execution rate once its deadline is reached, unless it was
    cancelled (an event without a record is planned)."""
    if is_sql(status_, due_on, reached):
        current = sa.func.coalesce(status_, ExecutionStatus.PLANNED.value)
        return sa.and_(due_on <= reached, current != ExecutionStatus.CANCELLED.value)
    return due_on <= reached and status_ != ExecutionStatus.CANCELLED


def event_done(status_: Any, due_on: Any, reached: Any) -> Any:
    """A due event counts as executed when it is done."""
    if is_sql(status_, due_on, reached):
        current = sa.func.coalesce(status_, ExecutionStatus.PLANNED.value)
        return sa.and_(event_due(status_, due_on, reached),
                       current == ExecutionStatus.DONE.value)
    return event_due(status_, due_on, reached) and status_ == ExecutionStatus.DONE


def execution_rate(done: Any, due: Any) -> Any:
    """Roadmap execution rate = events done / events due, in percent."""
    return share(done, due)


# -- derived indicators -------------------------------------------------------------------------

def parts_of(numerator: tuple[str, ...], denominator: tuple[str, ...]) -> tuple[str, ...]:
    """The base indicator codes a ratio reads, each once."""
    return tuple(dict.fromkeys(numerator + denominator))


def complete(parts: tuple[str, ...], value: Callable[[str], Any]) -> Any:
    """A report counts for a ratio only when it has every part, so that numerator and
    denominator come from the same organizations (``value(code)``: its value or NULL)."""
    values = [value(code) for code in parts]
    if is_sql(*values):
        return sa.and_(*(v.is_not(None) for v in values))
    return all(v is not None for v in values)


def ratio(numerator: tuple[str, ...], denominator: tuple[str, ...], scale: float,
          sums: Mapping[str, Any]) -> Any:
    """Σ numerator / Σ denominator × scale from sums over complete reports.

    Scalars give a float, or None when a part is missing or the denominator is zero;
    arrays (one sum per row) give an array with NaN in those places.
    """
    values = [sums.get(code) for code in numerator + denominator]
    if any(np.ndim(v) for v in values if v is not None):
        top = sum((_floats(sums[c]) for c in numerator), np.float64(0))
        bottom = sum((_floats(sums[c]) for c in denominator), np.float64(0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return top / np.where(bottom != 0, bottom, np.nan) * scale
    if any(v is None for v in values):
        return None
    top = sum(float(sums[c]) for c in numerator)
    bottom = sum(float(sums[c]) for c in denominator)
    return None if bottom == 0 else top / bottom * scale


def ratio_partials(parts: tuple[str, ...], column: Callable[[str], sa.ColumnElement]
                   ) -> dict[str, sa.ColumnElement]:
    """SQL aggregates of a ratio's additive partial sums: ``n`` complete reports and
    ``p<i>`` the sum of part i over them (``column(code)``: the report's value or NULL)."""
    whole = complete(parts, column)
    found = {"n": sa.func.sum(sa.case((whole, 1), else_=0))}
    for i, code in enumerate(parts):
        found[f"p{i}"] = sa.func.sum(sa.case((whole, column(code))))
    return found


@dataclass(frozen=True)
class Derived:
    """A derived indicator: computed from sums at the level shown, never typed or averaged."""

    code: str
    label: object  # a lazy string
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scale: int = 100  # percent; 1 for ratios such as mentor load
    unit: str = "percent"

    @property
    def parts(self) -> tuple[str, ...]:
        return parts_of(self.numerator, self.denominator)

    def compute(self, sums: Mapping[str, Any]) -> float | None:
        """The indicator of one report's values, or of sums over complete reports."""
        return ratio(self.numerator, self.denominator, self.scale, sums)

    def over_reports(self, reports: Iterable[Mapping[str, Any]]) -> float | None:
        """The indicator of many reports: only those with every part count (the Python
        form of :meth:`partials`)."""
        kept = [r for r in reports if complete(self.parts, r.get)]
        if not kept:
            return None
        return self.compute({c: sum(float(r[c]) for r in kept) for c in self.parts})

    def partials(self, column: Callable[[str], sa.ColumnElement]) -> dict[str, sa.ColumnElement]:
        return ratio_partials(self.parts, column)

    @classmethod
    def of(cls, row: Any) -> Derived:
        """The indicator of a stored row (portal.catalogue.models.DerivedIndicator), labelled
        in the current language."""
        return cls(row.code, row.label(), tuple(row.numerator), tuple(row.denominator),
                   row.scale, "ratio" if row.scale == 1 else "percent")


# The standard derived indicators of the quarterly form: the migration that made them rows of
# every form version stored them, and a definition without its own list keeps them.
DERIVED = [
    Derived("mentee_coverage", _l("Mentee coverage"), ("mentees",), ("staff_total",)),
    Derived("young_coverage", _l("Young-specialist coverage"), ("mentees_young",),
            ("young_specialists",)),
    Derived("mentor_share", _l("Mentor share"), ("mentors",), ("staff_total",)),
    Derived("mentor_load", _l("Mentor load (mentees per mentor)"), ("mentees",), ("mentors",),
            scale=1, unit="ratio"),
    Derived("programme_completion", _l("Programme completion"), ("programmes_completed",),
            ("programmes_completed", "programmes_ended_early")),
]
DERIVED_BY_CODE = {d.code: d for d in DERIVED}


def derived_for(indicators: Iterable[Any]) -> list[Derived]:
    """The derived indicators of the form version of ``indicators`` (issue 11 §8: each form
    version defines its own, stored as rows read with its items): each one whose every part
    is among ``indicators``, so an organization type without staff numbers has no coverage
    (a retired or missing part: no indicator). Several versions: the first one's per code."""
    indicators = list(indicators)
    present = {i.code for i in indicators}
    versions = {i.form_version_id: i for i in indicators}  # one item of each: the same list
    found: dict[str, Derived] = {}
    for item in versions.values():
        for row in item.version_derived:
            if row.code not in found and set(row.numerator) | set(row.denominator) <= present:
                found[row.code] = Derived.of(row)
    return list(found.values())


def standard_derived(codes: Iterable[str]) -> list[Derived]:
    """The standard derived indicators whose parts are all among ``codes``."""
    present = set(codes)
    return [d for d in DERIVED if set(d.parts) <= present]
