"""The home page shows each role its own area of responsibility."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from portal.admin.queries import registry_totals
from portal.auth.gate import public
from portal.reports import queries as report_queries
from tenants import queries
from tenants.models import OrganizationType
from tenants.scoping import current_scope


def _latest_periods(regions, municipalities) -> dict[int, object]:
    """The newest period of each region the user oversees (for the status links)."""
    region_ids = {r.id for r in regions} | {m.region_id for m in municipalities}
    latest = {}
    for region_id in region_ids:
        periods = report_queries.periods_of(region_id)
        if periods:
            latest[region_id] = periods[0]
    return latest


def index():
    """One section per role the user holds."""
    scope = current_scope()
    municipal = [m for m in queries.visible_municipalities() if m.id in scope.municipality_ids]
    regions = [r for r in queries.visible_regions() if r.id in scope.region_ids]
    own = queries.own_organizations()
    return render_template(
        "home/index.html",
        user=current_user,
        own_organizations=own,
        due=report_queries.due_for(own),
        returned=report_queries.returned_reports(own),
        latest_period=_latest_periods(regions, municipal),
        municipal=[(m, queries.organizations_in(m)) for m in municipal],
        regions=[(r, queries.municipality_counts(r)) for r in regions],
        totals=registry_totals() if scope.is_admin else None,
        types=list(OrganizationType),
    )


@public
def favicon():
    """Browsers ask for /favicon.ico on their own: send them to the icon the pages name."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
