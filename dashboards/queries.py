"""SQL aggregation for the dashboards: GROUP BY in the database, one statement per grain.

Every statement limits organizations with the scope's predicate (``Scope.organizations``).
Aggregates of organizations outside the user's scope (a municipality's or the region's
reference values on the institution view) are asked for with ``Scope.system(reason)`` by
the caller, explicitly, and come back only as sums. The statements run on the connection,
outside the scope hook: they are ``dashboards.aggregate`` in ``tenants.scoping.CORE_STATEMENTS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import orm

from dashboards.metrics import Aggregate, Metric, Metrics, build_metrics
from portal import rules
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import Indicator, section_label
from portal.extensions import db
from portal.reports.models import Period, Report, ReportState, ReportValue
from tenants.models import Municipality, Organization, OrganizationType, Subordination
from tenants.scoping import Action, Scope, core_statement, scoped_select

ACCEPTED = (ReportState.ACCEPTED,)
ACCEPTED_OR_SUBMITTED = (ReportState.ACCEPTED, ReportState.SUBMITTED)


@dataclass(frozen=True)
class Selection:
    """Which reports count: region, periods, report states and which organizations."""

    region_id: int
    period_ids: tuple[int, ...]
    states: tuple[ReportState, ...] = ACCEPTED
    municipality_id: int | None = None  # its municipally subordinate organizations
    organization_ids: tuple[int, ...] | None = None
    org_type: OrganizationType | None = None
    subordination: Subordination | None = None
    viewer: Scope | None = None  # whose scope the "visible" grain column tells (disclosure.py)

    def but(self, **changes) -> Selection:
        return replace(self, **changes)


def organization_filter(selection: Selection, scope: Scope) -> list[sa.ColumnElement[bool]]:
    """Predicates on :class:`Organization`: the scope first, then the selection."""
    clauses = [
        scope.organizations(Action.VIEW),
        Organization.municipality_id.in_(
            sa.select(Municipality.id).where(Municipality.region_id == selection.region_id)),
    ]
    if selection.municipality_id is not None:
        clauses += [Organization.municipality_id == selection.municipality_id,
                    Organization.subordination == Subordination.MUNICIPAL]
    if selection.organization_ids is not None:
        clauses.append(Organization.id.in_(selection.organization_ids))
    if selection.org_type is not None:
        clauses.append(Organization.type == selection.org_type)
    if selection.subordination is not None:
        clauses.append(Organization.subordination == selection.subordination)
    return clauses


REGIONAL_GROUP = -1  # the group of the regionally subordinate organizations of a region


def _grain_columns(grain: Iterable[str], period_id: sa.ColumnElement,
                   viewer: Scope | None = None) -> list[sa.ColumnElement]:
    columns = {
        # The municipality for municipally subordinate organizations; the regionally
        # subordinate ones of the whole region form a group of their own.
        "group": sa.case((Organization.subordination == Subordination.REGIONAL, REGIONAL_GROUP),
                         else_=Organization.municipality_id).label("group"),
        "period_id": period_id,
        "organization_id": Organization.id.label("organization_id"),
        "municipality_id": Organization.municipality_id,
        # Plain strings: no enum conversion per row.
        "subordination": sa.type_coerce(Organization.subordination, sa.String)
        .label("subordination"),
        "type": sa.type_coerce(Organization.type, sa.String).label("type"),
    }
    if viewer is not None:
        # 1 for an organization the viewer may open, 0 for one it may see only in sums.
        columns["visible"] = sa.case((viewer.organizations(Action.VIEW), 1),
                                     else_=0).label("visible")
    return [columns[g] for g in grain]


# How a report's values are put side by side; each planner does best with its own shape
# (measured with bench/dashboards.py; the tests check that all give the same sums):
#  * "joins": one outer join of ``report_values`` per indicator, each an index lookup on
#    (report, indicator). SQLite runs it as nested index lookups from the counted reports.
#  * "lateral": per counted report, one lookup of its values in the covering index
#    (PostgreSQL, a quarter or two: otherwise its planner hash-joins every quarter's values).
#  * "pivot": one join on ``indicator_id IN (…)`` grouped by report (PostgreSQL, many
#    quarters: hashing beats 25,000 lookups).
LATERAL_MAX_PERIODS = 2


def strategy_for(selection: Selection) -> str:
    if db.session.get_bind().dialect.name != "postgresql":
        return "joins"
    return "lateral" if len(selection.period_ids) <= LATERAL_MAX_PERIODS else "pivot"


def aggregate_statement(metrics: list[Metric], catalogue: Metrics, selection: Selection,
                        grain: tuple[str, ...], scope: Scope, labels: bool = True,
                        strategy: str | None = None, changed: bool = True
                        ) -> tuple[sa.Select, dict[str, str]]:
    """The statement of :func:`aggregate` and the prefixes of its partial-sum columns.

    One row per counted report with the values it needs side by side (see STRATEGIES),
    then the partial sums grouped by ``grain``: the aggregation is done by the database.
    """
    strategy = strategy or strategy_for(selection)
    return _statement(tuple(metrics), tuple(catalogue.parts(metrics).items()), selection,
                      grain, scope, labels, strategy, changed)


@dataclass(frozen=True)
class _Source:
    """The FROM part of an aggregate statement: counted reports with their values."""

    source: sa.FromClause
    values: dict[str, sa.ColumnElement]
    period_id: sa.ColumnElement
    updated_at: sa.ColumnElement
    where: list[sa.ColumnElement]


def _max_columns(part_ids: Iterable[int]) -> list[sa.ColumnElement]:
    """One column per indicator: its value of the report as a number (NULL when missing)."""
    value = sa.cast(ReportValue.value, sa.Float)
    return [sa.func.max(sa.case((ReportValue.indicator_id == ident, value))).label(f"c{ident}")
            for ident in part_ids]


def _pivot_source(parts: dict[str, int], counted: list, selection: Selection,
                  scope: Scope) -> _Source:
    organizations = sa.select(Organization.id).where(*organization_filter(selection, scope))
    pivot = (
        sa.select(Report.id, Report.period_id, Report.organization_id, Report.updated_at,
                  *_max_columns(parts.values()))
        .outerjoin(ReportValue, sa.and_(ReportValue.report_id == Report.id,
                                        ReportValue.indicator_id.in_(list(parts.values()))))
        .where(*counted, Report.organization_id.in_(organizations))
        .group_by(Report.id, Report.period_id, Report.organization_id, Report.updated_at)
        .subquery("pivot"))
    values = {code: pivot.c[f"c{ident}"] for code, ident in parts.items()}
    source = sa.join(pivot, Organization, Organization.id == pivot.c.organization_id)
    return _Source(source, values, pivot.c.period_id, pivot.c.updated_at, [])


def _lateral_source(parts: dict[str, int], counted: list, selection: Selection,
                    scope: Scope) -> _Source:
    # An aggregate without GROUP BY: exactly one row per report, NULLs when it lacks
    # the values (the same as the outer joins).
    side = (
        sa.select(*_max_columns(parts.values()))
        .where(ReportValue.report_id == Report.id,
               ReportValue.indicator_id.in_(list(parts.values())))
        .lateral("side"))
    values = {code: side.c[f"c{ident}"] for code, ident in parts.items()}
    source = sa.join(Report, Organization, Organization.id == Report.organization_id) \
        .join(side, sa.true())
    return _Source(source, values, Report.period_id, Report.updated_at,
                   [*counted, *organization_filter(selection, scope)])


def _joins_source(parts: dict[str, int], counted: list, selection: Selection,
                  scope: Scope) -> _Source:
    source = sa.join(Report, Organization, Organization.id == Report.organization_id)
    values = {}
    for code, ident in parts.items():
        alias = ReportValue.__table__.alias(f"v{ident}")
        source = source.outerjoin(alias, sa.and_(alias.c.report_id == Report.id,
                                                 alias.c.indicator_id == ident))
        values[code] = sa.cast(alias.c.value, sa.Float)
    return _Source(source, values, Report.period_id, Report.updated_at,
                   [*counted, *organization_filter(selection, scope)])


_SOURCES = {"pivot": _pivot_source, "lateral": _lateral_source}


def _partials(metrics: tuple[Metric, ...], values: dict[str, sa.ColumnElement]
              ) -> tuple[list[sa.ColumnElement], dict[str, str]]:
    """The labelled partial-sum columns of the metrics and each metric's label prefix."""
    def column(code: str) -> sa.ColumnElement:
        return values.get(code, sa.null())

    prefixes: dict[str, str] = {}
    aggregates = []
    for i, metric in enumerate(metrics):
        prefixes[metric.code] = prefix = f"agg{i}__"
        aggregates += [expr.label(prefix + name) for name, expr in metric.partials(column).items()]
    return aggregates, prefixes


@lru_cache(maxsize=256)
def _statement(metrics: tuple[Metric, ...], part_ids: tuple[tuple[str, int], ...],
               selection: Selection, grain: tuple[str, ...], scope: Scope, labels: bool,
               strategy: str, changed: bool) -> tuple[sa.Select, dict[str, str]]:
    # Building the expression of a dozen metrics costs milliseconds, more than running it
    # for one organization; the same inputs (scope included) give the same statement, so
    # it is kept. Only the statement: the data is read anew on every view.
    counted = [Report.period_id.in_(selection.period_ids), Report.state.in_(selection.states)]
    # Without any value to read (a form without the key indicators) a lateral or pivot
    # subquery would select no column: the plain join of reports counts them as well.
    build = _SOURCES.get(strategy, _joins_source) if part_ids else _joins_source
    src = build(dict(part_ids), counted, selection, scope)
    aggregates, prefixes = _partials(metrics, src.values)
    grain_columns = _grain_columns(grain, src.period_id, selection.viewer)
    extra = []
    if labels and "organization_id" in grain:
        extra.append(sa.func.max(Organization.short_name).label("label"))
    if changed:
        extra.append(sa.func.max(src.updated_at).label("changed"))
    stmt = (
        sa.select(*grain_columns, *extra, *aggregates, sa.func.count().label("reports"))
        .select_from(src.source).where(*src.where).group_by(*grain_columns)
    )
    return stmt, prefixes


def aggregate(metrics: list[Metric], catalogue: Metrics, selection: Selection,
              grain: tuple[str, ...], scope: Scope, labels: bool = True,
              strategy: str | None = None, changed: bool = True) -> Aggregate:
    """Partial sums of ``metrics`` over the counted reports of ``selection``, by ``grain``.

    ``labels=False`` leaves organization names out (aggregates for users who may not see
    them).
    """
    metrics = list(dict.fromkeys(metrics))
    stmt, prefixes = aggregate_statement(metrics, catalogue, selection, grain, scope, labels,
                                         strategy, changed)
    return Aggregate(_frame(stmt), metrics, prefixes, grain)


def _frame(stmt: sa.Select) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a data frame.

    Built column by column, numeric columns straight into float arrays: pandas' type
    inference over lists of Python objects would cost more than the query.
    """
    # Core execution: the ORM's row loading machinery is not needed for plain tuples.
    result = db.session.connection().execute(core_statement(stmt, "dashboards.aggregate"))
    keys = list(result.keys())
    rows = result.fetchall()
    kinds = ["int" if isinstance(c.type, sa.Integer) else
             "float" if isinstance(c.type, (sa.Float, sa.Numeric)) else "object"
             for c in stmt.selected_columns]
    if not rows:
        return pd.DataFrame({k: pd.Series([], dtype={"int": "int64", "float": float}.get(kind))
                             for k, kind in zip(keys, kinds)})
    columns = {}
    for key, kind, column in zip(keys, kinds, zip(*rows)):
        if kind == "int" and None not in column:
            columns[key] = np.array(column, dtype=np.int64)
        elif kind != "object":
            columns[key] = np.array(column, dtype=float)
        else:
            columns[key] = list(column)
    return pd.DataFrame(columns)



STATUS_COLUMNS = ("expected", "reports", "submitted", "on_time", "accepted", "pending",
                  "returned", "draft", "counted")


@lru_cache(maxsize=128)
def status_statement(selection: Selection, period: rules.Reporting, grain: tuple[str, ...],
                     scope: Scope) -> sa.Select:
    """Completeness and timeliness of one period: counts of the expected organizations, of
    those that submitted, of those on time, and by state (the rules of portal/rules.py;
    the deadline's end is one bound value)."""

    def count_if(condition) -> sa.ColumnElement:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    grain_columns = _grain_columns(grain, Report.period_id)
    extra = []
    if "organization_id" in grain:
        extra = [sa.func.max(Organization.short_name).label("label"),
                 sa.func.max(Report.state).label("state"),
                 sa.func.max(Report.first_submitted_at).label("first_submitted_at")]
    pending = (ReportState.SUBMITTED, ReportState.AWAITING_HEAD)
    on_time = rules.on_time(Report.state, Report.first_submitted_at, period.ends_at)
    return (
        sa.select(*grain_columns, *extra,
                  sa.func.count(Organization.id).label("expected"),
                  sa.func.count(Report.id).label("reports"),
                  count_if(rules.submitted(Report.state)).label("submitted"),
                  count_if(on_time).label("on_time"),
                  count_if(Report.state == ReportState.ACCEPTED).label("accepted"),
                  count_if(Report.state.in_(pending)).label("pending"),
                  count_if(Report.state == ReportState.RETURNED).label("returned"),
                  count_if(Report.state == ReportState.DRAFT).label("draft"),
                  # the reports the charts count (the selection's states)
                  count_if(Report.state.in_(selection.states)).label("counted"),
                  sa.func.max(Report.updated_at).label("changed"))
        .select_from(Organization)
        .outerjoin(Report, sa.and_(Report.organization_id == Organization.id,
                                   Report.period_id == period.period_id))
        .where(rules.expected(Organization, period), *organization_filter(selection, scope))
        .group_by(*grain_columns)
    )


def status(selection: Selection, period: rules.Reporting, grain: tuple[str, ...],
           scope: Scope) -> pd.DataFrame:
    """Rows of :func:`status_statement` as a frame (one row per group)."""
    return _frame(status_statement(selection, period, grain, scope))


def catalogue(version_id: int | None) -> Metrics:
    """The metrics of a form version (one query): the version of the period shown."""
    indicators = list(db.session.scalars(
        scoped_select(Indicator).where(Indicator.form_version_id == version_id)
        .options(catalogue_queries.with_derived())  # the version's derived ones, same statement
        .order_by(Indicator.position, Indicator.id)).unique())
    sections = {i.section: section_label(i.section) for i in indicators}
    return build_metrics(indicators, sections)


# Newest first whatever the form: by the first day, then the last (a one-off collection
# taken inside a quarter comes before it).
NEWEST_FIRST = (Period.starts_on.desc(), Period.ends_on.desc(), Period.id.desc())


def periods(region_id: int, scope: Scope) -> list[Period]:
    """The region's periods of every form the user may see, newest first, each with its form
    (issue 11 §8: a one-off collection or a half-year is shown as a quarter is)."""
    stmt = (scoped_select(Period, scope=scope).where(Period.region_id == region_id)
            .options(orm.joinedload(Period.form)))
    return list(db.session.scalars(stmt.order_by(*NEWEST_FIRST)))


def latest_period_with_data(selection: Selection, scope: Scope) -> int | None:
    """The newest period of the region (of any form) in which at least one report counts."""
    organizations = sa.select(Organization.id).where(*organization_filter(selection, scope))
    stmt = (sa.select(Period.id).join(Report, Report.period_id == Period.id)
            .where(Period.region_id == selection.region_id, Report.state.in_(selection.states),
                   Report.organization_id.in_(organizations))
            .order_by(*NEWEST_FIRST).limit(1))
    return db.session.scalar(stmt)


def municipality_names(region_id: int, scope: Scope) -> dict[int, str]:
    stmt = (scoped_select(Municipality, scope=scope)
            .where(Municipality.region_id == region_id)
            .with_only_columns(Municipality.id, Municipality.name))
    return dict(db.session.execute(stmt).all())
