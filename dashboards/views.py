"""Views of the dashboards: load the scoped objects, read the filters, build the charts.

Every view follows the same flow: the tenant object arrives already resolved through the
scope (404 outside it), the filters are parsed, a dashboard object computes its charts.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

import plotly
from flask import abort, make_response, redirect, render_template, request, url_for

from dashboards import exports
from dashboards.institution import InstitutionView
from dashboards.municipal import MunicipalDashboard
from dashboards.pages import Dashboard, parse_filters
from dashboards.queries import Selection
from dashboards.regional import RegionalDashboard
from portal.auth.gate import public
from portal.extensions import db
from tenants import queries as tenant_queries
from tenants.models import Municipality, Organization, OrganizationType, Region
from tenants.scoping import current_scope, scoped_select

PLOTLY_URL = f"/dashboards/vendor/plotly-{plotly.__version__}.min.js"


def index():
    """The dashboards the user may open; straight to it when there is only one."""
    scope = current_scope()
    regions = list(db.session.scalars(scoped_select(Region).order_by(Region.name)))
    municipalities = [m for m in tenant_queries.visible_municipalities()
                      if m.id in scope.municipality_ids]
    organizations = tenant_queries.own_organizations()
    links = ([url_for(".regional", region_id=r.id) for r in regions]
             + [url_for(".municipal", municipality_id=m.id) for m in municipalities]
             + [url_for(".institution", org_id=o.id) for o in organizations])
    if len(links) == 1:
        return redirect(links[0])
    return render_template("dashboards/index.html", regions=regions,
                           municipalities=municipalities, organizations=organizations)


def _render(template: str, page: Dashboard, **context):
    charts = page.charts() if page.period is not None else []
    return render_template(template, page=page, filters=page.filters, charts=charts,
                           types=list(OrganizationType), **context)


def _export(page: Dashboard, basename: str):
    if page.period is None:
        abort(404)
    chart = page.chart(request.args.get("chart", ""))
    if chart is None:
        abort(404)
    return exports.response(chart, request.args.get("format", "csv"),
                            f"{basename}-{chart.key}-{page.period.file_tag}", page.numbers,
                            page.filters.counted_note)


def regional_page(region: Region) -> RegionalDashboard:
    scope = current_scope()
    filters = parse_filters(region.id, scope, Selection(region.id, ()))
    return RegionalDashboard(region, filters, scope)


def regional(region: Region):
    """The regional centre's dashboard."""
    return _render("dashboards/regional.html", regional_page(region), region=region)


def regional_export(region: Region):
    return _export(regional_page(region), f"region-{region.code}")


def municipal_page(municipality: Municipality) -> MunicipalDashboard:
    scope = current_scope()
    filters = parse_filters(municipality.region_id, scope,
                            Selection(municipality.region_id, (),
                                      municipality_id=municipality.id))
    return MunicipalDashboard(municipality, filters, scope)


def municipal(municipality: Municipality):
    """A municipality's dashboard: its municipally subordinate organizations."""
    page = municipal_page(municipality)
    return _render("dashboards/municipal.html", page, municipality=municipality)


def municipal_export(municipality: Municipality):
    return _export(municipal_page(municipality), f"municipality-{municipality.code}")


def institution_page(organization: Organization) -> InstitutionView:
    scope = current_scope()
    region_id = organization.municipality.region_id
    filters = parse_filters(region_id, scope,
                            Selection(region_id, (), organization_ids=(organization.id,)))
    return InstitutionView(organization, filters, scope)


def institution(organization: Organization):
    """An organization against its municipality and the region."""
    page = institution_page(organization)
    return _render("dashboards/institution.html", page, organization=organization)


def institution_export(organization: Organization):
    return _export(institution_page(organization), f"organization-{organization.code}")


@lru_cache(maxsize=1)
def _plotly_bundle() -> tuple[bytes, bytes]:
    from plotly.offline import get_plotlyjs

    body = get_plotlyjs().encode("utf-8")
    return body, gzip.compress(body, compresslevel=6, mtime=0)


@public
def plotly_js():
    """plotly.js from the installed plotly package: the URL carries the version, so the
    browser may keep it for a year; gzip-compressed when the browser accepts it."""
    body, compressed = _plotly_bundle()
    use_gzip = "gzip" in request.accept_encodings
    response = make_response(compressed if use_gzip else body)
    response.mimetype = "text/javascript"
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.set_etag(f"plotly-{plotly.__version__}-{'gz' if use_gzip else 'id'}")
    return response.make_conditional(request)
