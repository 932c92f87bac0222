"""The home page shows each role its own area of responsibility."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from tenants import queries
from tenants.models import OrganizationType
from tenants.scoping import current_scope
from portal.admin.queries import registry_totals


def index():
    """One section per role the user holds."""
    scope = current_scope()
    municipal = [m for m in queries.visible_municipalities() if m.id in scope.municipality_ids]
    regions = [r for r in queries.visible_regions() if r.id in scope.region_ids]
    return render_template(
        "home/index.html",
        user=current_user,
        own_organizations=queries.own_organizations(),
        municipal=[(m, queries.organizations_in(m)) for m in municipal],
        regions=[(r, queries.municipality_counts(r)) for r in regions],
        totals=registry_totals() if scope.is_admin else None,
        types=list(OrganizationType),
    )
