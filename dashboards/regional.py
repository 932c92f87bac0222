"""The regional dashboard: municipalities and organizations of the whole region compared."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
from flask_babel import gettext as _

from dashboards import answers as yes_no
from dashboards import figures, queries
from dashboards.charts import Chart, Column
from dashboards.figures import Style
from dashboards.metrics import Aggregate
from dashboards.pages import (
    ORG_GRAIN,
    REGIONAL_GROUP_LABEL,
    TOP_N,
    TYPE_ORDER,
    Dashboard,
    Filters,
    axis_title,
    by_period,
    deadline_text,
    last_changed,
    percent_suffix,
    period_range,
    quartiles,
    sorted_with_missing,
    total_value,
    type_label,
    unique_labels,
)
from dashboards.queries import REGIONAL_GROUP, Selection
from portal import rules
from portal.reports.periods import school_year_label
from tenants.models import Region, Subordination
from tenants.scoping import Scope


class RegionalDashboard(Dashboard):
    """The regional centre compares municipalities and organizations of the whole region."""

    export_endpoint = "dashboards.regional_export"
    chart_keys = ("completeness", "municipalities", "organizations", "types", "heatmap",
                  "trend", "school_years")
    without_metric = ("completeness",)
    quarterly_only = ("school_years",)

    def __init__(self, region: Region, filters: Filters, scope: Scope):
        super().__init__(filters, scope)
        self.region = region
        self.url_args = {"region_id": region.id}
        self.selection = Selection(region.id, (self.period.id,) if self.period else (),
                                   filters.states)
        self.key_metrics = filters.catalogue.key()

    # data ----------------------------------------------------------------------------------
    @cached_property
    def names(self) -> dict[int, str]:
        return queries.municipality_names(self.region.id, self.scope)

    @cached_property
    def answers(self) -> list[yes_no.Answers]:
        """The period's yes/no and evidence items: share answering yes, who answered no."""
        version_id = self.period.form_version_id if self.period else None
        return yes_no.answers(version_id, self.selection, self.scope)

    @property
    def counted_reports(self) -> int:
        """How many reports of the period the charts count (0: the page says why it is
        empty)."""
        return int(self.status_groups["counted"].sum())

    @cached_property
    def current(self) -> Aggregate:
        """Partial sums of the chosen and the key metrics per group (each municipality's
        municipally subordinate organizations, and the regionally subordinate ones), grouped
        in SQL; the region's value adds them up."""
        return queries.aggregate([self.metric, *self.key_metrics], self.filters.catalogue,
                                 self.selection, ("group",), self.scope)

    @cached_property
    def organizations(self) -> pd.DataFrame:
        """The chosen indicator of every organization of the region this period."""
        found = queries.aggregate([self.metric], self.filters.catalogue, self.selection,
                                  ORG_GRAIN, self.scope, changed=False)
        return found.values()

    @cached_property
    def groups(self) -> pd.DataFrame:
        """One row per municipality (its municipally subordinate organizations) and one for
        the regionally subordinate organizations; missing ones included, without values."""
        values = self.current.values().set_index("group")
        frame = self.group_frame.join(values, on="group")
        frame["expected"] = self.status_groups["expected"].to_numpy()
        return frame

    @cached_property
    def group_frame(self) -> pd.DataFrame:
        """Every municipality by name, then the regionally subordinate organizations."""
        groups = sorted(self.names.items(), key=lambda item: item[1])
        frame = pd.DataFrame({"group": [g for g, _n in groups] + [REGIONAL_GROUP],
                              "label": [n for _g, n in groups] + [str(REGIONAL_GROUP_LABEL)]})
        frame["kind"] = np.where(frame["group"] == REGIONAL_GROUP, "regional", "municipal")
        return frame

    @cached_property
    def status_groups(self) -> pd.DataFrame:
        if self.period is None:
            found = pd.DataFrame(columns=["group", *queries.STATUS_COLUMNS, "changed"])
        else:
            found = queries.status(self.selection, rules.reporting(self.period), ("group",),
                                   self.scope)
        columns = list(queries.STATUS_COLUMNS)
        frame = self.group_frame.join(found.set_index("group"), on="group")
        frame[columns] = frame[columns].fillna(0).astype(int)
        return frame

    @cached_property
    def trend(self) -> Aggregate:
        return queries.aggregate([self.metric], self.filters.catalogue,
                                 self.selection.but(period_ids=self.filters.period_ids),
                                 ("period_id", "subordination"), self.scope)

    @cached_property
    def region_value(self) -> float | None:
        return total_value(self.current, self.metric.code)

    # charts --------------------------------------------------------------------------------
    def chart_completeness(self) -> Chart:
        frame = self.status_groups.copy()
        total = frame[list(queries.STATUS_COLUMNS)].sum()
        head = pd.DataFrame([{"group": 0, "label": _("Region total"), "kind": "total",
                              **total.to_dict(), "changed": frame["changed"].max()}])
        frame = pd.concat([head, frame[frame["expected"] > 0]], ignore_index=True)
        frame["completeness"] = np.round(rules.completeness(frame["submitted"],
                                                            frame["expected"]), 1)
        frame["timeliness"] = np.round(rules.timeliness(frame["on_time"], frame["expected"]), 1)
        style = Style(self.numbers.plotly_separators, 1, percent_suffix(), _("no data"))
        figure = figures.grouped_bars(
            frame, title=_("Reporting completeness and timeliness, %(period)s",
                           period=self.period_label),
            axis_title=_("Share of expected organizations, %"), style=style, category="label",
            series=[("completeness", _("Completeness")), ("timeliness", _("Timeliness"))],
            range_max=100)
        columns = [Column("label", _("Municipality"), "text"),
                   Column("expected", _("Expected"), "integer"),
                   Column("submitted", _("Submitted"), "integer"),
                   Column("on_time", _("On time"), "integer"),
                   Column("accepted", _("Accepted"), "integer"),
                   Column("completeness", _("Completeness, %"), "number", 1),
                   Column("timeliness", _("Timeliness, %"), "number", 1)]
        return Chart("completeness", figure["layout"]["title"]["text"], "%", figure, columns,
                     frame, self.period_label, last_changed(frame),
                     _("Completeness: organizations that submitted (at least once) of those "
                       "expected (open, or closed only after the deadline); timeliness: "
                       "submitted for the first time by the end of the deadline day "
                       "(%(deadline)s) in the region's time.",
                       deadline=deadline_text(self.period)))

    def chart_municipalities(self) -> Chart:
        frame = self.groups[["group", "label", "kind", self.metric.code,
                             self.metric.code + "__n", "expected", "changed"]].copy()
        frame["expected"] = frame["expected"].fillna(0).astype(int)
        frame = frame.rename(columns={self.metric.code + "__n": "reporting"})
        ordered = sorted_with_missing(frame, self.metric.code)
        title = _("%(indicator)s by municipality, %(period)s", indicator=self.metric.label,
                  period=self.period_label)
        figure = figures.sorted_bars(
            ordered, title=title, axis_title=axis_title(self.metric), style=self.style,
            value=self.metric.code, group="kind",
            group_names={"municipal": _("Municipalities (municipally subordinate "
                                        "organizations)"),
                         "regional": str(REGIONAL_GROUP_LABEL)},
            references=[self.reference(_("Region"), self.region_value)])
        columns = [Column("label", _("Municipality"), "text"), self.value_column(),
                   Column("reporting", _("Organizations reporting"), "integer"),
                   Column("expected", _("Organizations expected"), "integer")]
        ordered = self.with_references(ordered, [(_("Region"), self.region_value)])
        return Chart("municipalities", title, self.metric.unit_caption, figure, columns,
                     ordered, self.period_label, self.current.changed(),
                     _("A municipality's value is computed from the sums of its organizations; "
                       "organizations that did not report are not counted as zero."))

    def chart_organizations(self) -> Chart:
        values = self.organizations
        present = values[values[self.metric.code].notna()].sort_values(
            self.metric.code, ascending=False, kind="stable")
        if len(present) > 2 * TOP_N:
            frame = pd.concat([present.head(TOP_N).assign(rank=_("Top %(n)d", n=TOP_N)),
                               present.tail(TOP_N).assign(rank=_("Bottom %(n)d", n=TOP_N))],
                              ignore_index=True)
        else:
            frame = present.assign(rank=_("All organizations"))
        # Names only for the organizations shown, made unique among them.
        frame["municipality"] = frame["municipality_id"].map(self.names)
        frame["label"] = unique_labels(frame["label"], frame["municipality"],
                                       frame["organization_id"])
        frame["type_label"] = frame["type"].map(type_label)
        title = _("%(indicator)s: organizations at the top and the bottom, %(period)s",
                  indicator=self.metric.label, period=self.period_label)
        figure = figures.sorted_bars(
            frame, title=title, axis_title=axis_title(self.metric), style=self.style,
            value=self.metric.code, group="rank",
            group_names={r: r for r in frame["rank"].unique()},
            references=[self.reference(_("Region"), self.region_value)])
        columns = [Column("label", _("Organization"), "text"),
                   Column("municipality", _("Municipality"), "text"),
                   Column("type_label", _("Type"), "text"), self.value_column(),
                   Column("rank", _("Group"), "text")]
        frame = self.with_references(frame, [(_("Region"), self.region_value)])
        return Chart("organizations", title, self.metric.unit_caption, figure, columns, frame,
                     self.period_label, self.current.changed(),
                     _("%(n)d of %(total)d organizations reported this indicator.",
                       n=len(present), total=int(self.status_groups["expected"].sum())))

    def chart_types(self) -> Chart:
        values = self.organizations
        code = self.metric.code
        rows = []
        for org_type in TYPE_ORDER:
            series = values.loc[values["type"] == org_type.value, code].dropna()
            rows.append({"group": org_type.label, "n": len(series), **quartiles(series)})
        frame = pd.DataFrame(rows)
        for column in ("min", "q1", "median", "q3", "max"):
            # No organization of any type reported: the column holds only None.
            frame[column] = pd.to_numeric(frame[column]).round(self.metric.precision)
        title = _("%(indicator)s: distribution of organizations by type, %(period)s",
                  indicator=self.metric.label, period=self.period_label)
        figure = figures.boxes(frame, title=title, axis_title=axis_title(self.metric),
                               style=self.style)
        decimals = self.metric.precision
        columns = [Column("group", _("Type"), "text"),
                   Column("n", _("Organizations reporting"), "integer"),
                   Column("min", _("Minimum"), "number", decimals),
                   Column("q1", _("Lower quartile"), "number", decimals),
                   Column("median", _("Median"), "number", decimals),
                   Column("q3", _("Upper quartile"), "number", decimals),
                   Column("max", _("Maximum"), "number", decimals)]
        return Chart("types", title, self.metric.unit_caption, figure, columns, frame,
                     self.period_label, self.current.changed(),
                     _("Each box: the middle half of the organizations of the type; the line "
                       "inside: the median; whiskers: the lowest and the highest value."))

    def chart_heatmap(self) -> Chart:
        metrics = self.key_metrics
        frame = self.groups[["group", "label", *[m.code for m in metrics], "changed"]].copy()
        triples, columns = [], [Column("label", _("Municipality"), "text")]
        for metric in metrics:
            values = frame[metric.code]
            low, high = values.min(), values.max()
            span = high - low
            norm = (values - low) / span if span and not pd.isna(span) else values * 0 + 0.5
            frame[metric.code + "__norm"] = norm.round(3)
            frame[metric.code + "__text"] = [
                None if pd.isna(v) else self.numbers.format(v, metric.precision) for v in values]
            triples.append((metric.code + "__norm", metric.code + "__text", metric.label))
            columns.append(Column(metric.code, axis_title(metric), "number", metric.precision))
        for metric in metrics:
            columns.append(Column(metric.code + "__norm",
                                  _("%(label)s: position (0–1)", label=metric.label),
                                  "number", 3))
        title = _("Key indicators by municipality, %(period)s", period=self.period_label)
        figure = figures.heatmap(frame, title=title, style=self.style, row="label",
                                 columns=triples, colorbar_title=_("position"))
        return Chart("heatmap", title, _("position between the lowest (0) and the highest (1)"),
                     figure, columns, frame, self.period_label, self.current.changed(),
                     _("Colour: the position of the value between the lowest (0) and the "
                       "highest (1) municipality in the column, so indicators in different "
                       "units compare; the numbers are the values."))

    @cached_property
    def trend_frame(self) -> pd.DataFrame:
        code = self.metric.code
        region = self.trend.rollup(["period_id"]).values([code])
        frame = by_period(self.filters.chronological, region, {code: "region",
                                                               code + "__n": "reporting"})
        # Each subordination's value is already its row of the (period, subordination) grain.
        by_group = self.trend.values([code])
        found = {(p, str(s)): v for p, s, v in zip(by_group["period_id"].tolist(),
                                                   by_group["subordination"].tolist(),
                                                   by_group[code].tolist())}
        for column, subordination in (("municipal", Subordination.MUNICIPAL),
                                      ("regional", Subordination.REGIONAL)):
            frame[column] = [found.get((p, subordination.value), np.nan)
                             for p in frame["period_id"].tolist()]
        frame["reporting"] = frame["reporting"].fillna(0).astype(int)
        return frame

    def chart_trend(self) -> Chart:
        frame = self.trend_frame
        title = self.over_periods()
        series = [("region", _("Region")),
                  ("municipal", _("Municipally subordinate organizations")),
                  ("regional", str(REGIONAL_GROUP_LABEL))]
        figure = figures.lines(frame, title=title, axis_title=axis_title(self.metric),
                               style=self.style, x="period", series=series,
                               dashes={"municipal": "dot", "regional": "dash"})
        columns = [Column("period", self.period_word, "text"),
                   Column("school_year", _("School year"), "text"),
                   *[Column(key, name, "number", self.metric.precision) for key, name in series],
                   Column("reporting", _("Organizations reporting"), "integer")]
        return Chart("trend", title, self.metric.unit_caption, figure, columns, frame,
                     period_range(self.filters.chronological), self.trend.changed())

    def chart_school_years(self) -> Chart:
        trend = self.trend_frame
        periods = self.filters.chronological
        position = {4: 0, 1: 1, 2: 2, 3: 3}  # a school year runs from Q4 to Q3
        years = sorted({p.school_year for p in periods})
        frame = pd.DataFrame({"quarter": [_("Q%(n)d", n=q) for q in (4, 1, 2, 3)]})
        series = []
        for year in years:
            column = f"sy{year}"
            values = [np.nan] * 4
            for p, value in zip(periods, trend["region"]):
                if p.school_year == year:
                    values[position[p.quarter]] = value
            frame[column] = values
            series.append((column, school_year_label(year)))
        title = _("%(indicator)s by school year", indicator=self.metric.label)
        figure = figures.lines(frame, title=title, axis_title=axis_title(self.metric),
                               style=self.style, x="quarter", series=series,
                               x_title=_("Quarter of the school year"))
        columns = [Column("quarter", _("Quarter"), "text"),
                   *[Column(key, name, "number", self.metric.precision) for key, name in series]]
        return Chart("school_years", title, self.metric.unit_caption, figure, columns, frame,
                     period_range(self.filters.chronological), self.trend.changed(),
                     _("The region's value; a school year runs from the fourth quarter to the "
                       "third quarter of the next year."))


