"""Pages of the hierarchy. Each receives the already scoped object from the URL."""

from __future__ import annotations

from flask import render_template, request

from tenants import queries
from tenants.models import Municipality, Organization, OrganizationType, Region


def _type_filter() -> OrganizationType | None:
    try:
        return OrganizationType(request.args.get("type", ""))
    except ValueError:
        return None


def region(region: Region):
    """A region: its municipalities with counts and its regionally subordinate organizations."""
    return render_template(
        "tenants/region.html",
        region=region,
        counts=queries.municipality_counts(region),
        regional_orgs=queries.regional_subordinate(region),
        types=list(OrganizationType),
    )


def municipality(municipality: Municipality):
    """A municipality: its organizations, filterable by type."""
    org_type = _type_filter()
    return render_template(
        "tenants/municipality.html",
        municipality=municipality,
        organizations=queries.organizations_in(municipality, org_type),
        types=list(OrganizationType),
        selected_type=org_type,
    )


def organization(organization: Organization):
    """An organization's card."""
    return render_template("tenants/organization.html", organization=organization)
