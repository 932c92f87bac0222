"""Request handlers of the presence check (municipal and regional coordinators)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from portal import clock
from portal.admin.forms import ActionForm
from portal.documents.models import DocumentKind
from portal.downloads import xlsx_response
from portal.roadmaps import checklist, presence, schoolyear, xlsx
from tenants import queries as tenant_queries
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination
from tenants.scoping import Action, allows, current_scope, require, scoped_select


def _type_filter() -> OrganizationType | None:
    try:
        return OrganizationType(request.args.get("type", ""))
    except ValueError:
        return None


def day_text() -> Callable[[date], str]:
    """A memoizing date formatter: the matrix repeats a few dates thousands of times."""
    cache: dict[date, str] = {}

    def text(day: date) -> str:
        if day not in cache:
            cache[day] = format_date(day, "short")
        return cache[day]

    return text


def _municipality_orgs(municipality: Municipality, org_type: OrganizationType | None):
    stmt = scoped_select(Organization).where(Organization.municipality_id == municipality.id,
                                             Organization.is_active)
    return stmt.where(Organization.type == org_type) if org_type else stmt


def municipality_presence(municipality: Municipality):
    """Organizations × documents of a municipality, with roadmaps and overdue events."""
    org_type = _type_filter()
    region = municipality.region
    matrix = presence.presence_matrix(_municipality_orgs(municipality, org_type),
                                      clock.today(region), region)
    return render_template(
        "roadmaps/presence.html", matrix=matrix, municipality=municipality,
        columns=matrix.columns, types=list(OrganizationType), selected_type=org_type,
        year_label=schoolyear.year_label(matrix.school_year), day_text=day_text(),
        export_url=url_for("roadmaps.presence_xlsx", municipality_id=municipality.id,
                           type=org_type.value if org_type else None),
    )


def municipality_presence_xlsx(municipality: Municipality):
    """The same matrix as an XLSX file."""
    org_type = _type_filter()
    region = municipality.region
    matrix = presence.presence_matrix(_municipality_orgs(municipality, org_type),
                                      clock.today(region), region)
    title = _("Presence of mentoring documents: %(name)s, %(date)s", name=municipality.name,
              date=matrix.today.strftime("%d.%m.%Y"))
    return xlsx_response(xlsx.export_presence(matrix, title),
                         f"presence-{municipality.code}-{matrix.today.isoformat()}.xlsx")


def region_presence(region: Region):
    """Per-municipality totals, and the matrix of the regionally subordinate organizations."""
    org_type = _type_filter()
    municipalities = [m for m in tenant_queries.visible_municipalities()
                      if m.region_id == region.id]
    in_region = scoped_select(Organization).where(
        Organization.is_active,
        Organization.municipality_id.in_(sa.select(Municipality.id)
                                         .where(Municipality.region_id == region.id)))
    if org_type:
        in_region = in_region.where(Organization.type == org_type)
    everything = presence.presence_matrix(in_region, clock.today(region), region)
    summary = presence.summarize(everything, municipalities)
    regional = presence.Matrix(everything.school_year, everything.today, [
        r for r in everything.rows if r.organization.subordination is Subordination.REGIONAL],
        everything.columns)
    return render_template(
        "roadmaps/presence_region.html", region=region, summary=summary, matrix=regional,
        columns=regional.columns, can_choose=allows(Action.MANAGE, region),
        types=list(OrganizationType), selected_type=org_type,
        year_label=schoolyear.year_label(regional.school_year), day_text=day_text(),
    )


def region_checklist(region: Region):
    """The region's presence checklist: its coordinator chooses the document kinds; the
    items are the presence items of its forms (marked in the form or its definition file)."""
    can_manage = allows(Action.MANAGE, region)
    if request.method == "POST":
        require(Action.MANAGE, region)
        if ActionForm().validate_on_submit():
            checklist.set_document_kinds(region, request.form.getlist("kind"))
            flash(_("The presence checklist has been saved."), "success")
            return redirect(url_for("roadmaps.presence_region", region_id=region.id))
        abort(400)
    today = clock.today(region)
    return render_template(
        "roadmaps/checklist.html", region=region, kinds=list(DocumentKind),
        chosen=set(checklist.document_kinds(region)), items=checklist.presence_items(region, today),
        can_manage=can_manage)


def my_area():
    """Send each user to the presence check (or documents) of their own area."""
    scope = current_scope()
    if scope.is_admin or scope.region_ids:
        region = next(iter(tenant_queries.visible_regions()), None)
        if region is not None:
            return redirect(url_for("roadmaps.presence_region", region_id=region.id))
    if scope.municipality_ids:
        return redirect(url_for("roadmaps.presence", municipality_id=min(scope.municipality_ids)))
    own = tenant_queries.own_organizations()
    if own:
        return redirect(url_for("documents.register", org_id=own[0].id))
    abort(404)

