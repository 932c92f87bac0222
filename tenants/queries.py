"""Reads of the tenant hierarchy; every one goes through the scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from tenants.models import Municipality, Organization, OrganizationType, Region, Subordination
from tenants.scoping import Scope, current_scope, scoped_select


def organizations_in(municipality: Municipality, org_type: OrganizationType | None = None,
                     scope: Scope | None = None) -> list[Organization]:
    """The organizations of a municipality the user may see, active first, by name."""
    stmt = scoped_select(Organization, scope=scope).where(
        Organization.municipality_id == municipality.id
    )
    if org_type is not None:
        stmt = stmt.where(Organization.type == org_type)
    return list(db.session.scalars(stmt.order_by(Organization.is_active.desc(), Organization.name)))


def own_organizations(scope: Scope | None = None) -> list[Organization]:
    """The organizations where the user is curator or head."""
    scope = scope or current_scope()
    ids = scope.curator_org_ids | scope.head_org_ids
    if not ids:
        return []
    stmt = scoped_select(Organization, scope=scope).where(Organization.id.in_(ids))
    return list(db.session.scalars(stmt.order_by(Organization.name)))


def visible_municipalities(scope: Scope | None = None) -> list[Municipality]:
    """Municipalities the user oversees directly (municipal coordinator) or via the region."""
    stmt = scoped_select(Municipality, scope=scope).order_by(Municipality.name)
    return list(db.session.scalars(stmt))


def visible_regions(scope: Scope | None = None) -> list[Region]:
    return list(db.session.scalars(scoped_select(Region, scope=scope).order_by(Region.name)))


@dataclass(frozen=True)
class MunicipalityCounts:
    """How many active organizations a municipality has, by type and subordination."""

    municipality: Municipality
    total: int
    by_type: dict[OrganizationType, int]
    regional: int


def municipality_counts(region: Region, scope: Scope | None = None) -> list[MunicipalityCounts]:
    """Every visible municipality of ``region`` with organization counts (two queries)."""
    scope = scope or current_scope()
    municipalities = list(db.session.scalars(
        scoped_select(Municipality, scope=scope)
        .where(Municipality.region_id == region.id).order_by(Municipality.name)
    ))
    rows = db.session.execute(
        sa.select(Organization.municipality_id, Organization.type, Organization.subordination,
                  sa.func.count())
        .where(scope.organizations(), Organization.is_active,
               Organization.municipality_id.in_([m.id for m in municipalities]))
        .group_by(Organization.municipality_id, Organization.type, Organization.subordination)
    ).all()
    tallies: dict[int, dict] = {m.id: {"by_type": dict.fromkeys(OrganizationType, 0),
                                       "regional": 0} for m in municipalities}
    for municipality_id, org_type, subordination, count in rows:
        tallies[municipality_id]["by_type"][org_type] += count
        if subordination == Subordination.REGIONAL:
            tallies[municipality_id]["regional"] += count
    return [
        MunicipalityCounts(m, sum(tallies[m.id]["by_type"].values()),
                           tallies[m.id]["by_type"], tallies[m.id]["regional"])
        for m in municipalities
    ]


def regional_subordinate(region: Region, scope: Scope | None = None) -> list[Organization]:
    """Organizations founded by the region (technical colleges), wherever they lie."""
    stmt = (
        scoped_select(Organization, scope=scope)
        .join(Municipality)
        .where(Municipality.region_id == region.id,
               Organization.subordination == Subordination.REGIONAL)
        .order_by(Organization.name)
    )
    return list(db.session.scalars(stmt))
