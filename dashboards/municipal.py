"""The municipal dashboard: the municipality's own organizations, the region as a reference."""

from __future__ import annotations

import textwrap
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext as _

from dashboards import answers as yes_no
from dashboards import disclosure, figures, queries
from dashboards.charts import Chart, Column
from dashboards.figures import Style
from dashboards.metrics import Aggregate
from dashboards.pages import (
    MAX_TREND_ORGANIZATIONS,
    NOT_STARTED,
    Dashboard,
    Filters,
    axis_title,
    by_period,
    deadline_text,
    last_changed,
    percent_suffix,
    period_range,
    sorted_with_missing,
    total_value,
    type_label,
    unique_labels,
    value_at,
)
from dashboards.queries import Selection
from portal import clock, rules
from portal.reports.models import STATE_LABELS, ReportState
from tenants.models import Municipality, Organization, Subordination
from tenants.scoping import Scope

# The region's value as the reference line: over organizations the coordinator may not
# see, so only as sums (dashboards.aggregate).
REFERENCE_SCOPE = Scope.system("the region's reference line of the municipal dashboard: sums only")


class MunicipalDashboard(Dashboard):
    """A municipal coordinator compares the municipality's (municipally subordinate)
    organizations; the region appears only as an aggregate reference."""

    export_endpoint = "dashboards.municipal_export"
    chart_keys = ("status", "organizations", "trend", "presence")
    without_metric = ("status", "presence")

    def __init__(self, municipality: Municipality, filters: Filters, scope: Scope):
        super().__init__(filters, scope)
        self.municipality = municipality
        self.url_args = {"municipality_id": municipality.id}
        self.selection = Selection(municipality.region_id,
                                   (self.period.id,) if self.period else (), filters.states,
                                   municipality_id=municipality.id, org_type=filters.org_type)

    @cached_property
    def answers(self) -> list[yes_no.Answers]:
        """The period's yes/no and evidence items: share answering yes, who answered no."""
        version_id = self.period.form_version_id if self.period else None
        return yes_no.answers(version_id, self.selection, self.scope)

    @cached_property
    def current(self) -> Aggregate:
        return queries.aggregate([self.metric], self.filters.catalogue, self.selection,
                                 ("organization_id", "type"), self.scope)

    @cached_property
    def status_orgs(self) -> pd.DataFrame:
        if self.period is None:
            return pd.DataFrame(columns=["organization_id", "type", "label", "state",
                                         *queries.STATUS_COLUMNS, "changed"])
        return queries.status(self.selection, rules.reporting(self.period),
                              ("organization_id", "type"), self.scope)

    @cached_property
    def trend_orgs(self) -> Aggregate:
        return queries.aggregate([self.metric], self.filters.catalogue,
                                 self.selection.but(period_ids=self.filters.period_ids),
                                 ("period_id", "organization_id"), self.scope)

    @cached_property
    def region_reference(self) -> pd.DataFrame:
        """The region's value per period (of the chosen type): an aggregate over
        organizations the coordinator may not see, read with an explicit system scope,
        accepted reports only, as sums, hidden where dashboards.disclosure says so."""
        selection = Selection(self.municipality.region_id, self.filters.period_ids)
        found = disclosure.references([self.metric], self.filters.catalogue, selection,
                                      self.scope, REFERENCE_SCOPE)
        if self.filters.org_type is None:
            return found.region()
        return found.of_type(self.filters.org_type.value)

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Expected, submitted, on time, accepted; completeness and timeliness in %."""
        status = self.status_orgs
        counts = {column: int(status[column].sum()) if not status.empty else 0
                  for column in ("expected", "submitted", "on_time", "accepted", "reports",
                                 "pending", "returned", "draft", "counted")}
        completeness = rules.completeness(counts["submitted"], counts["expected"])
        timeliness = rules.timeliness(counts["on_time"], counts["expected"])
        counts["completeness"] = None if completeness is None else round(completeness, 1)
        counts["timeliness"] = None if timeliness is None else round(timeliness, 1)
        return counts

    @property
    def counted_reports(self) -> int:
        """How many reports of the period the charts count (0: the page says why it is
        empty)."""
        return self.summary["counted"]

    @property
    def type_suffix(self) -> str:
        if self.filters.org_type is None:
            return ""
        return " · " + self.filters.org_type.label

    def chart_status(self) -> Chart:
        status = self.status_orgs
        summary = self.summary
        not_started = summary["expected"] - summary["reports"]
        rows = [(ReportState.ACCEPTED.value, STATE_LABELS[ReportState.ACCEPTED],
                 summary["accepted"], "#2e8b57"),
                ("pending", _("submitted, awaiting review"), summary["pending"], "#1f5fa8"),
                (ReportState.RETURNED.value, STATE_LABELS[ReportState.RETURNED],
                 summary["returned"], "#e07b1a"),
                (ReportState.DRAFT.value, STATE_LABELS[ReportState.DRAFT], summary["draft"],
                 "#9aa5b1"),
                (NOT_STARTED, _("not started"), not_started, "#c0392b")]
        frame = pd.DataFrame([{"status": key, "label": str(label), "count": count}
                              for key, label, count, _c in rows])
        expected = summary["expected"]
        frame["share"] = (frame["count"] / expected * 100).round(1) if expected else np.nan
        title = _("Reports by status, %(period)s", period=self.period_label) + self.type_suffix
        style = Style(self.numbers.plotly_separators, 0, "", _("no data"))
        figure = figures.status_bars(frame, title=title, axis_title=_("organizations"),
                                     style=style, colors=[c for *_r, c in rows])
        columns = [Column("label", _("Status"), "text"),
                   Column("count", _("Organizations"), "integer"),
                   Column("share", _("Share of expected, %"), "number", 1)]
        return Chart("status", title, _("organizations"), figure, columns, frame,
                     self.period_label, last_changed(status),
                     _("Completeness %(c)s; timeliness %(t)s (deadline %(deadline)s).",
                       c=self._percent(summary["completeness"]),
                       t=self._percent(summary["timeliness"]), deadline=deadline_text(self.period)))

    def _percent(self, value: float | None) -> str:
        if value is None:
            return self.numbers.missing
        return self.numbers.format(value, 1) + percent_suffix()

    @cached_property
    def organization_frame(self) -> pd.DataFrame:
        code = self.metric.code
        values = self.current.values()
        status = self.status_orgs[["organization_id", "type", "label", "state"]]
        frame = status.merge(values.drop(columns=["type"]).rename(columns={"label": "name"}),
                             on="organization_id", how="outer")
        frame["label"] = frame["label"].fillna(frame.get("name"))
        frame["type"] = frame["type"].fillna(frame["organization_id"].map(
            dict(zip(values["organization_id"], values["type"]))))
        frame["label"] = unique_labels(frame["label"], frame["type"].map(type_label),
                                       frame["organization_id"])
        frame["type_label"] = frame["type"].map(type_label)
        frame["status"] = frame["state"].map(_state_label).fillna(_("not started"))
        return frame[["organization_id", "label", "type_label", "status", code, "changed"]]

    @property
    def municipal_value(self) -> float | None:
        return total_value(self.current, self.metric.code)

    @property
    def region_value(self) -> float | None:
        if self.period is None:
            return None
        return value_at(self.region_reference, self.metric.code, "period_id", self.period.id)

    def chart_organizations(self) -> Chart:
        frame = sorted_with_missing(self.organization_frame, self.metric.code)
        title = _("%(indicator)s by organization, %(period)s", indicator=self.metric.label,
                  period=self.period_label) + self.type_suffix
        references = [self.reference(_("Municipality"), self.municipal_value),
                      self.reference(_("Region"), self.region_value, "dash")]
        figure = figures.sorted_bars(frame, title=title, axis_title=axis_title(self.metric),
                                     style=self.style, value=self.metric.code,
                                     references=references)
        columns = [Column("label", _("Organization"), "text"),
                   Column("type_label", _("Type"), "text"),
                   Column("status", _("Report"), "text"), self.value_column()]
        frame = self.with_references(frame, [(_("Municipality"), self.municipal_value),
                                             (_("Region"), self.region_value)])
        return Chart("organizations", title, self.metric.unit_caption, figure, columns, frame,
                     self.period_label, self.current.changed(),
                     _("Reference lines: the municipality's value (from the sums of its "
                       "organizations) and the region's. Organizations without a counted "
                       "report are shown as “no data”, not as zero."))

    def trend_choices(self) -> list[tuple[int, str]]:
        if self.metric is None:
            return []
        frame = self.organization_frame.sort_values("label")
        return list(zip(frame["organization_id"].astype(int), frame["label"]))

    def chart_trend(self) -> Chart:
        code = self.metric.code
        trend = self.trend_orgs
        municipality = trend.rollup(["period_id"]).values()
        frame = by_period(self.filters.chronological, municipality, {code: "municipality"})
        frame = frame.merge(self.region_reference[["period_id", code]].rename(
            columns={code: "region"}), on="period_id", how="left")
        series = [("municipality", _("Municipality")), ("region", _("Region"))]
        dashes = {"region": "dash"}
        chosen = [i for i in self.filters.org_ids if i in set(self.organization_frame
                                                               ["organization_id"])]
        if chosen:
            labels = dict(zip(self.organization_frame["organization_id"],
                              self.organization_frame["label"]))
            per_org = trend.values()
            for org_id in chosen:
                column = f"org{org_id}"
                rows = per_org[per_org["organization_id"] == org_id][["period_id", code]]
                frame = frame.merge(rows.rename(columns={code: column}), on="period_id",
                                    how="left")
                series.append((column, labels[org_id]))
        title = self.over_periods() + self.type_suffix
        figure = figures.lines(frame, title=title, axis_title=axis_title(self.metric),
                               style=self.style, x="period", series=series, dashes=dashes)
        columns = [Column("period", self.period_word, "text"),
                   Column("school_year", _("School year"), "text"),
                   *[Column(key, name, "number", self.metric.precision) for key, name in series]]
        return Chart("trend", title, self.metric.unit_caption, figure, columns, frame,
                     period_range(self.filters.chronological), trend.changed(),
                     _("Choose up to %(n)d organizations to compare with the municipality.",
                       n=MAX_TREND_ORGANIZATIONS))


    def chart_presence(self) -> Chart:
        """Documents and roadmaps of the organizations (the presence check of the roadmaps
        package, DOMAIN.md §3): how many organizations have each, this school year."""
        from portal.roadmaps.presence import presence_matrix
        from portal.roadmaps.schoolyear import year_label
        from tenants.scoping import scoped_select

        organizations = scoped_select(Organization, scope=self.scope).where(
            Organization.municipality_id == self.municipality.id,
            Organization.subordination == Subordination.MUNICIPAL, Organization.is_active)
        if self.filters.org_type is not None:
            organizations = organizations.where(Organization.type == self.filters.org_type)
        region = self.municipality.region  # the columns of the region's presence checklist
        matrix = presence_matrix(organizations, clock.today(region), region)
        expected = len(matrix.rows)
        counts = matrix.present_counts
        # A form item's label can be a sentence: shortened as in the matrix's header.
        rows = [(textwrap.shorten(column.short_label, 60, placeholder="…"), counts[column.key])
                for column in matrix.columns]
        rows += [(_("Roadmap of this school year"), matrix.with_roadmap),
                 (_("All documents in place"), matrix.complete),
                 (_("Roadmap events overdue"), len(matrix.behind))]
        frame = pd.DataFrame({"label": [label for label, _n in rows],
                              "count": [count for _label, count in rows]})
        frame["share"] = (frame["count"] / expected * 100).round(1) if expected else np.nan
        year = year_label(matrix.school_year)
        title = _("Documents and roadmaps, school year %(year)s", year=year) + self.type_suffix
        style = Style(self.numbers.plotly_separators, 1, percent_suffix(), _("no data"))
        figure = figures.grouped_bars(frame, title=title, axis_title=_("Share of organizations, %"),
                                      style=style, category="label",
                                      series=[("share", _("Organizations"))], range_max=100)
        columns = [Column("label", _("Document or state"), "text"),
                   Column("count", _("Organizations"), "integer"),
                   Column("share", _("Share of organizations, %"), "number", 1)]
        return Chart("presence", title, "%", figure, columns, frame, year, None,
                     _("Of %(n)d active organizations. Details: the presence check of "
                       "documents and roadmaps.", n=expected), counted=False)

def _state_label(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(STATE_LABELS[ReportState(str(value))])
