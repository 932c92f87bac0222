"""What the three dashboards share: the filters, the base class, formatting helpers.

A dashboard object (regional.py, municipal.py, institution.py) is built from the scoped
object of the URL and the filters; each ``chart_<key>`` method returns a
:class:`~dashboards.charts.Chart`. Data that several charts share is loaded once (cached
properties), so a page runs a fixed, small number of statements whatever the number of
organizations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dashboards import queries
from dashboards.charts import Chart, Column, Numbers
from dashboards.disclosure import MIN_GROUP  # noqa: F401 - the views' notes cite it
from dashboards.figures import Reference, Style
from dashboards.metrics import Aggregate, Metric, Metrics
from dashboards.queries import ACCEPTED, ACCEPTED_OR_SUBMITTED, Selection
from portal.catalogue.queries import template_version_id
from portal.i18n import with_unit
from portal.reports.models import Period, ReportState
from portal.reports.periods import school_year_label
from tenants.models import OrganizationType
from tenants.scoping import Scope

TOP_N = 10
MAX_TREND_ORGANIZATIONS = 5
TREND_QUARTERS = 8
ORG_GRAIN = ("organization_id", "municipality_id", "subordination", "type")
TYPE_ORDER = list(OrganizationType)
NOT_STARTED = "not_started"

REGIONAL_GROUP_LABEL = _l("Regionally subordinate organizations")


def quarter_label(period: Period) -> str:
    """A period on a chart's axis: «Q2 2026» for a quarter, else the period's own label
    («I полугодие 2026 г.», a one-off collection's title)."""
    if period.quarter is None:
        return period.label
    return _("Q%(n)d %(y)d", n=period.quarter, y=period.year)


def chronological_key(period: Period) -> tuple:
    return (period.starts_on, period.ends_on, period.id)


def period_range(periods: list[Period]) -> str:
    if not periods:
        return ""
    ordered = sorted(periods, key=chronological_key)
    if len(ordered) == 1:
        return quarter_label(ordered[0])
    return f"{quarter_label(ordered[0])} – {quarter_label(ordered[-1])}"


# -- filters -----------------------------------------------------------------------------------

@dataclass
class Filters:
    """What the user chose: period, indicator, whether submitted reports count, and more."""

    catalogue: Metrics
    periods: list[Period]  # newest first, of every form of the region
    period: Period | None
    metric: Metric | None  # None: the period's form has no numeric item
    include_submitted: bool = False
    org_type: OrganizationType | None = None
    org_ids: tuple[int, ...] = ()

    @property
    def states(self) -> tuple[ReportState, ...]:
        return ACCEPTED_OR_SUBMITTED if self.include_submitted else ACCEPTED

    @property
    def chronological(self) -> list[Period]:
        """The periods the trends show, oldest first: the last TREND_QUARTERS of the chosen
        period's form up to the chosen one (for a quarterly form two school years: this year
        against the last one). Only the same form: another form's items are other
        questions, so a "previous period" is always one of the same form. A fixed window
        keeps a page's cost from growing with the years of history."""
        if self.period is None:
            return []
        chosen = chronological_key(self.period)
        ordered = sorted((p for p in self.periods if p.form_id == self.period.form_id
                          and chronological_key(p) <= chosen), key=chronological_key)
        return ordered[-TREND_QUARTERS:]

    @property
    def period_ids(self) -> tuple[int, ...]:
        """Ids of the trend's periods."""
        return tuple(p.id for p in self.chronological)

    @property
    def quarterly(self) -> bool:
        """Whether the chosen period is a quarter (the school-year chart needs quarters)."""
        return self.period is not None and self.period.quarter is not None

    def period_groups(self) -> list[tuple[str, list[Period]]]:
        """The periods by form for the period selector: each form's name with its periods,
        newest first, the form of the newest period first."""
        groups: dict[int, tuple[str, list[Period]]] = {}
        for period in self.periods:
            groups.setdefault(period.form_id, (period.form.name, []))[1].append(period)
        return list(groups.values())

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments that reproduce these filters (for links and exports)."""
        args: dict[str, Any] = {"indicator": self.metric.code if self.metric else None}
        if self.period is not None:
            args["period"] = self.period.id
        if self.include_submitted:
            args["submitted"] = "1"
        if self.org_type is not None:
            args["type"] = self.org_type.value
        if self.org_ids:
            args["orgs"] = list(self.org_ids)
        args.update(changes)
        return {k: v for k, v in args.items() if v is not None}

    @property
    def counted_note(self) -> str:
        if self.include_submitted:
            # Values of organizations the user may not open never follow the switch
            # (dashboards.disclosure): the note says so where it matters.
            return _("Counted: accepted and submitted (not yet accepted) reports; values "
                     "for comparison with other organizations: accepted reports only.")
        return _("Counted: accepted reports only.")


def parse_filters(region_id: int, scope: Scope, default_selection: Selection) -> Filters:
    """Read the filters from the query string; unknown or foreign values fall back to defaults.

    The period comes from the region's periods as the scope lets the user see them, so a
    period id of another region is never used.
    """
    args = request.args
    periods = queries.periods(region_id, scope)
    include_submitted = args.get("submitted") in ("1", "on", "true")
    try:
        org_type = OrganizationType(args.get("type", ""))
    except ValueError:
        org_type = None
    org_ids = tuple(dict.fromkeys(int(v) for v in args.getlist("orgs") if v.isdigit()))
    org_ids = org_ids[:MAX_TREND_ORGANIZATIONS]
    by_id = {p.id: p for p in periods}
    period = by_id.get(args.get("period", type=int) or 0)
    states = ACCEPTED_OR_SUBMITTED if include_submitted else ACCEPTED
    if period is None and periods:
        latest = queries.latest_period_with_data(default_selection.but(states=states), scope)
        period = by_id.get(latest) or periods[0]
    # The items of the period shown (its form's version; the template before any period).
    catalogue = queries.catalogue(period.form_version_id if period else template_version_id())
    metric = catalogue.get(args.get("indicator")) or catalogue.default()
    return Filters(catalogue, periods, period, metric, include_submitted, org_type, org_ids)


# -- shared helpers ------------------------------------------------------------------------------

def numbers_for_locale() -> Numbers:
    return Numbers(str(get_locale() or "ru"))


def percent_suffix() -> str:
    return "%" if str(get_locale() or "ru") == "en" else " %"


def style_for(metric: Metric | None, numbers: Numbers) -> Style:
    return Style(separators=numbers.plotly_separators,
                 decimals=metric.precision if metric else 0,
                 suffix=percent_suffix() if metric and metric.unit == "percent" else "",
                 missing=_("no data"))


def axis_title(metric: Metric) -> str:
    """The metric's name and unit, the unit said once: a score or a ratio whose name ends in a
    bracketed note («…(средний балл 1–10)») already states what it measures."""
    stated = metric.unit in ("score", "ratio") and metric.label.endswith(")")
    return with_unit(metric.label, "" if stated else metric.unit_caption)


def unique_labels(labels: pd.Series, qualifiers: pd.Series, ids: pd.Series) -> pd.Series:
    """Organization names made unique for a category axis (the same short name recurs in
    different municipalities): the qualifier is added where needed, then the id."""
    labels = labels.fillna("").astype(str)
    duplicated = labels.duplicated(keep=False)
    labels = labels.where(~duplicated, labels + " (" + qualifiers.fillna("").astype(str) + ")")
    duplicated = labels.duplicated(keep=False)
    return labels.where(~duplicated, labels + " #" + ids.astype(str))


def value_at(values: pd.DataFrame, column: str, key: str, wanted: Any) -> float | None:
    match = values.loc[values[key] == wanted, column] if not values.empty else pd.Series([])
    if match.empty or pd.isna(match.iloc[0]):
        return None
    return float(match.iloc[0])


def total_value(aggregate: Aggregate, code: str) -> float | None:
    totals = aggregate.rollup(()).values([code])
    if totals.empty or pd.isna(totals[code].iloc[0]):
        return None
    return float(totals[code].iloc[0])


def latest(*moments: datetime | None) -> datetime | None:
    found = [m for m in moments if m is not None]
    return max(found) if found else None


def by_period(periods: list[Period], values: pd.DataFrame,
              columns: dict[str, str]) -> pd.DataFrame:
    """Periods in order (with labels and school years) and ``values`` columns renamed."""
    frame = pd.DataFrame({
        "period_id": [p.id for p in periods],
        "period": [quarter_label(p) for p in periods],
        "school_year": [school_year_label(p.school_year) for p in periods],
    })
    index = {p: i for i, p in enumerate(values["period_id"].tolist())} if len(values) else {}
    rows = [index.get(p.id) for p in periods]
    for source, target in columns.items():
        found = values[source].tolist() if len(values) else []
        frame[target] = np.array([np.nan if i is None else found[i] for i in rows], dtype=float)
    return frame


class Dashboard:
    """Common parts of the three views: filters, number format, chart lookup."""

    chart_keys: tuple[str, ...] = ()
    without_metric: tuple[str, ...] = ()  # the charts a form without numeric items still has
    quarterly_only: tuple[str, ...] = ()  # the charts of quarters only
    export_endpoint = ""
    url_args: dict[str, int] = {}

    def __init__(self, filters: Filters, scope: Scope):
        self.filters = filters
        self.scope = scope
        self.metric = filters.metric
        self.numbers = numbers_for_locale()
        self.style = style_for(self.metric, self.numbers)
        self.period = filters.period

    @property
    def period_label(self) -> str:
        """The chosen period in titles: a quarter alone (the region's monitoring), another
        form's period with the form's name."""
        if self.period is None:
            return ""
        if self.period.quarter is not None:
            return quarter_label(self.period)
        return f"{self.period.form.name}: {self.period.label}"

    @property
    def period_word(self) -> str:
        """The column header of a trend's periods."""
        return _("Quarter") if self.filters.quarterly else _("Period")

    def over_periods(self) -> str:
        """The title of a trend chart of the chosen metric."""
        if self.filters.quarterly:
            return _("%(indicator)s over quarters", indicator=self.metric.label)
        return _("%(indicator)s over the periods of the form", indicator=self.metric.label)

    @property
    def shown_keys(self) -> tuple[str, ...]:
        """The charts of the chosen period: a form without numeric items has only those
        of the reporting status, a period other than a quarter no school-year chart."""
        keys = self.chart_keys
        if self.metric is None:
            keys = tuple(k for k in keys if k in self.without_metric)
        if not self.filters.quarterly:
            keys = tuple(k for k in keys if k not in self.quarterly_only)
        return keys

    def charts(self) -> list[Chart]:
        return [self.chart(key) for key in self.shown_keys]

    def chart(self, key: str) -> Chart | None:
        if key not in self.shown_keys:
            return None
        return getattr(self, f"chart_{key}")()

    def export_args(self, key: str, fmt: str) -> dict[str, Any]:
        """Arguments of ``url_for(self.export_endpoint, ...)`` for one chart and format."""
        return {**self.url_args, **self.filters.args(), "chart": key, "format": fmt}

    def value_column(self, decimals: int | None = None) -> Column:
        return Column(self.metric.code, axis_title(self.metric), "number",
                      self.metric.precision if decimals is None else decimals)

    def with_references(self, frame: pd.DataFrame, references: list[tuple[str, float | None]]
                        ) -> pd.DataFrame:
        """The plotted rows and, after them, one row per reference line, so the table and
        the export hold every number the chart draws."""
        rows = pd.DataFrame({"label": [_("%(name)s (reference line)", name=name)
                                       for name, _v in references],
                             self.metric.code: [np.nan if v is None else v
                                                for _n, v in references]})
        return pd.concat([frame, rows], ignore_index=True)

    def reference(self, label: str, value: float | None, dash: str = "solid") -> Reference:
        shown = self.numbers.format(value, self.metric.precision) + (
            self.style.suffix if value is not None else "")
        return Reference(_("%(name)s: %(value)s", name=label, value=shown), value, dash)


def sorted_with_missing(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    present = frame[frame[column].notna()].sort_values(column, ascending=False, kind="stable")
    return pd.concat([present, frame[frame[column].isna()]], ignore_index=True)


def quartiles(series: pd.Series) -> dict[str, float | None]:
    if series.empty:
        return {k: None for k in ("min", "q1", "median", "q3", "max")}
    values = series.to_numpy(dtype=float)
    low, q1, median, q3, high = np.percentile(values, [0, 25, 50, 75, 100]).tolist()
    return {"min": low, "q1": q1, "median": median, "q3": q3, "max": high}


def type_label(value: Any) -> str:
    try:
        return OrganizationType(str(value)).label
    except ValueError:
        return str(value)


def last_changed(frame: pd.DataFrame) -> datetime | None:
    if "changed" not in frame or frame["changed"].isna().all():
        return None
    return pd.Timestamp(frame["changed"].max()).to_pydatetime()


def deadline_text(period: Period | None) -> str:
    from flask_babel import format_date

    return format_date(period.deadline) if period else ""
