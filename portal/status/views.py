"""Who reported: the municipal status page and its regional counterpart."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from portal import rules
from portal.clock import utcnow
from portal.reports import head_confirmation
from portal.reports import queries as report_queries
from portal.reports.forms import CommentForm
from portal.reports.models import Period, ReportState
from portal.status import queries
from tenants.models import Municipality, OrganizationType, Region

STATUS_FILTERS = ["not_started", "draft", "awaiting_head", "submitted", "late", "accepted",
                  "returned"]


def _org_type() -> OrganizationType | None:
    try:
        return OrganizationType(request.args.get("type", ""))
    except ValueError:
        return None


def _render(template: str, period: Period, reporting: rules.Reporting, rows, all_rows=None,
            **context):
    now = utcnow()
    wanted = request.args.get("status", "")
    shown = [r for r in rows if not wanted or r.status(reporting, now) == wanted]
    waiting = [r for r in (rows if all_rows is None else all_rows)
               if r.state is ReportState.AWAITING_HEAD]
    return render_template(
        template, period=period, rows=shown, summary=queries.summarize(rows, reporting),
        reviewable=queries.reviewable_ids(shown), reporting=reporting,
        now=now, types=list(OrganizationType), selected_type=_org_type(),
        statuses=STATUS_FILTERS, selected_status=wanted, comment_form=CommentForm(),
        periods=report_queries.periods_of(period.region_id), awaiting_head=len(waiting),
        without_head=head_confirmation.without_head(r.organization.id for r in waiting),
        **context)


def municipal_status(municipality: Municipality, period: Period):
    """Every expected organization of the municipality with the state of its report."""
    reporting = rules.reporting(period)
    rows = queries.status_rows(period, municipality=municipality, org_type=_org_type(),
                               reporting=reporting)
    ids = {"municipality_id": municipality.id, "period_id": period.id}
    links = [{"url": url_for("report_files.municipal_export", **ids),
              "label": _("Export all reports to XLSX")}]
    if queries.reviewable_ids(rows):
        links = [{"url": url_for("report_files.bulk_upload", **ids),
                  "label": _("Upload a municipal file")},
                 {"url": url_for("report_files.bulk_template", **ids),
                  "label": _("Municipal XLSX template")}] + links
    return _render("status/status.html", period, reporting, rows, municipality=municipality,
                   file_links=links)


def regional_status(region: Region, period: Period):
    """Completeness per municipality and the regionally subordinate organizations."""
    reporting = rules.reporting(period)
    all_rows = queries.status_rows(period, org_type=_org_type(), reporting=reporting)
    by_municipality: dict[int, list] = {}
    for row in all_rows:
        if row.organization.subordination.value == "municipal":
            by_municipality.setdefault(row.organization.municipality_id, []).append(row)
    summaries = [(rows[0].organization.municipality, queries.summarize(rows, reporting))
                 for rows in by_municipality.values()]
    regional_rows = [r for r in all_rows if r.organization.subordination.value == "regional"]
    return _render("status/status_region.html", period, reporting, regional_rows,
                   all_rows=all_rows, region=region, municipal_summaries=summaries,
                   total=queries.summarize(all_rows, reporting))
