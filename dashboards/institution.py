"""The institution view: an organization against its municipality and the region."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
from flask_babel import gettext as _

from dashboards import disclosure, figures, queries
from dashboards.charts import Chart, Column
from dashboards.figures import Style
from dashboards.metrics import Metric
from dashboards.pages import (
    MIN_GROUP,
    REGIONAL_GROUP_LABEL,
    Dashboard,
    Filters,
    axis_title,
    by_period,
    last_changed,
    latest,
    percent_suffix,
    period_range,
    value_at,
)
from dashboards.queries import REGIONAL_GROUP, Selection
from tenants.models import Organization, Subordination
from tenants.scoping import Scope

# The municipality's, the type's and the region's values beside the organization's own:
# over organizations the curator may not see, so only as sums (dashboards.aggregate).
REFERENCE_SCOPE = Scope.system("reference values of the institution view: sums only, no names")


class InstitutionView(Dashboard):
    """An organization's own indicators against its municipality and the region.

    The references are aggregates over organizations the curator may not see; they are read
    with an explicit system scope, never with names, from accepted reports only, and hidden
    where dashboards.disclosure says so (groups too small, or given away by a combination).
    """

    export_endpoint = "dashboards.institution_export"
    chart_keys = ("trend", "key", "position")
    without_metric = ("key",)

    def __init__(self, organization: Organization, filters: Filters, scope: Scope):
        super().__init__(filters, scope)
        self.organization = organization
        self.url_args = {"org_id": organization.id}
        self.region_id = organization.municipality.region_id
        self.all_periods = Selection(self.region_id, filters.period_ids, filters.states)
        self.key_metrics = [m for m in filters.catalogue.key()]

    @property
    def shown_keys(self) -> tuple[str, ...]:
        """As every dashboard, and no key-indicator chart for a form without any key
        indicator (a one-off collection of documents): nothing to compare, nothing to ask."""
        keys = super().shown_keys
        if not [m for m in self.key_metrics if m.unit == "percent"]:
            keys = tuple(k for k in keys if k != "key")
        return keys

    @property
    def regional(self) -> bool:
        return self.organization.subordination == Subordination.REGIONAL

    @property
    def group_label(self) -> str:
        return str(REGIONAL_GROUP_LABEL) if self.regional else self.organization.municipality.name

    @cached_property
    def own(self) -> pd.DataFrame:
        """The organization's own values: the chosen indicator each quarter, the key ones in
        the chosen period."""
        found = queries.aggregate(
            list(dict.fromkeys(m for m in [self.metric, *self.key_metrics] if m)),
            self.filters.catalogue,
            self.all_periods.but(organization_ids=(self.organization.id,)), ("period_id",),
            self.scope)
        return found.values()

    def _references(self, metrics: list[Metric], period_ids: tuple[int, ...]
                    ) -> dict[str, pd.DataFrame]:
        """The region, the organization's type in the region and its group (municipality, or
        the regionally subordinate organizations), per period: accepted reports only, read
        with an explicit system scope, without names, as sums; hidden where too small or
        where a combination would give an organization away (dashboards.disclosure)."""
        found = disclosure.references(metrics, self.filters.catalogue,
                                      self.all_periods.but(period_ids=period_ids), self.scope,
                                      REFERENCE_SCOPE)
        group = REGIONAL_GROUP if self.regional else self.organization.municipality_id
        return {"region": found.region(), "type": found.of_type(self.organization.type.value),
                "group": found.of_group(group), "changed": found.changed}

    @cached_property
    def trend_references(self) -> dict[str, pd.DataFrame]:
        return self._references([self.metric], self.filters.period_ids)

    @cached_property
    def key_references(self) -> dict[str, pd.DataFrame]:
        return self._references(self.key_metrics, (self.period.id,) if self.period else ())

    def chart_trend(self) -> Chart:
        code = self.metric.code
        frame = by_period(self.filters.chronological, self.own, {code: "organization"})
        levels = self.trend_references
        for name in ("group", "type", "region"):
            values = levels[name]
            frame = frame.merge(values[["period_id", code]].rename(columns={code: name}),
                                on="period_id", how="left")
        series = [("organization", self.organization.short_name), ("group", self.group_label),
                  ("type", _("%(type)s: the region", type=self.organization.type.label)),
                  ("region", _("Region"))]
        title = self.over_periods()
        figure = figures.lines(frame, title=title, axis_title=axis_title(self.metric),
                               style=self.style, x="period", series=series,
                               dashes={"group": "dot", "type": "dashdot", "region": "dash"})
        columns = [Column("period", self.period_word, "text"),
                   Column("school_year", _("School year"), "text"),
                   *[Column(key, name, "number", self.metric.precision) for key, name in series]]
        return Chart("trend", title, self.metric.unit_caption, figure, columns, frame,
                     period_range(self.filters.chronological),
                     latest(last_changed(self.own), self.trend_references["changed"]),
                     _("References are computed from the sums of the accepted reports of the "
                       "organizations they cover and hidden when fewer than %(n)d organizations "
                       "reported or when they would give one organization's value away.",
                       n=MIN_GROUP))

    def chart_key(self) -> Chart:
        period_id = self.period.id if self.period else None
        percent = [m for m in self.key_metrics if m.unit == "percent"]
        levels = self.key_references
        rows = []
        for metric in percent:
            rows.append({
                "indicator": metric.label,
                "organization": value_at(self.own, metric.code, "period_id", period_id),
                "group": value_at(levels["group"], metric.code, "period_id", period_id),
                "region": value_at(levels["region"], metric.code, "period_id", period_id),
            })
        frame = pd.DataFrame(rows, columns=["indicator", "organization", "group", "region"])
        series = [("organization", self.organization.short_name), ("group", self.group_label),
                  ("region", _("Region"))]
        style = Style(self.numbers.plotly_separators, 1, percent_suffix(), _("no data"))
        title = _("Key indicators, %(period)s", period=self.period_label)
        figure = figures.grouped_bars(frame, title=title, axis_title="%", style=style,
                                      category="indicator", series=series, range_max=100)
        columns = [Column("indicator", _("Indicator"), "text"),
                   *[Column(key, name, "number", 1) for key, name in series]]
        return Chart("key", title, "%", figure, columns, frame, self.period_label,
                     latest(last_changed(self.own), self.key_references["changed"]))

    @cached_property
    def distribution(self) -> pd.Series:
        """The chosen indicator of every organization of the region this period (accepted
        reports), without names or ids: only the values, for the histogram."""
        if self.period is None:
            return pd.Series([], dtype=float)
        return disclosure.distribution(self.metric, self.filters.catalogue,
                                       self.all_periods.but(period_ids=(self.period.id,)),
                                       self.scope, REFERENCE_SCOPE)

    def chart_position(self) -> Chart:
        code = self.metric.code
        values = self.distribution
        own = value_at(self.own, code, "period_id", self.period.id if self.period else None)
        frame = _bins(values, self.metric)
        marker = self.reference(self.organization.short_name, own) if own is not None else None
        title = _("%(indicator)s: where the organization stands in the region, %(period)s",
                  indicator=self.metric.label, period=self.period_label)
        figure = figures.histogram(frame, title=title, axis_title=axis_title(self.metric),
                                   count_title=_("organizations"), style=self.style,
                                   marker=marker)
        decimals = self.metric.precision
        columns = [Column("start", _("From"), "number", decimals),
                   Column("end", _("To"), "number", decimals),
                   Column("count", _("Organizations"), "integer")]
        note = ""
        if own is not None and len(values):
            below = round(float((values < own).mean() * 100), 1)
            note = _("%(share)s of the organizations of the region have a lower value.",
                     share=self.numbers.format(below, 1) + percent_suffix())
        return Chart("position", title, self.metric.unit_caption, figure, columns, frame,
                     self.period_label, self.key_references["changed"], note)


def _bins(values: pd.Series, metric: Metric) -> pd.DataFrame:
    """Value intervals with counts: at most 20 intervals of a round width."""
    if values.empty:
        return pd.DataFrame({"start": [], "end": [], "count": []})
    low, high = float(values.min()), float(values.max())
    if metric.unit == "percent":
        low, high = min(low, 0.0), max(high, 100.0) if high > 50 else high
    span = high - low
    width = _nice_width(span / 20 if span > 0 else 1.0)
    start = np.floor(low / width) * width
    edges = np.arange(start, high + width, width)
    if len(edges) < 2:
        edges = np.array([start, start + width])
    counts, edges = np.histogram(values, bins=edges)
    precision = max(metric.precision, 0 if width >= 1 else 2)
    return pd.DataFrame({"start": np.round(edges[:-1], precision),
                         "end": np.round(edges[1:], precision), "count": counts})


def _nice_width(raw: float) -> float:
    magnitude = 10 ** np.floor(np.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)
