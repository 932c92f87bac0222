"""Reads for the administration pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.auth.models import User
from portal.extensions import db
from tenants.models import Municipality, Organization, OrganizationType, Region
from tenants.scoping import scoped_select

PAGE_SIZE = 50


def registry_totals() -> dict[str, int]:
    """How many regions, municipalities, organizations and accounts exist (one query)."""
    counts = [sa.select(sa.func.count()).select_from(model).scalar_subquery()
              for model in (Region, Municipality, Organization, User)]
    row = db.session.execute(sa.select(*counts)).one()
    return dict(zip(("regions", "municipalities", "organizations", "users"), row))


def users_page(search: str = "", page: int = 1):
    """Accounts matching ``search`` in login, name or e-mail, paginated."""
    stmt = scoped_select(User).order_by(User.login)
    if search:
        needle = f"%{search.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.login).like(needle),
                                 sa.func.lower(User.full_name).like(needle),
                                 sa.func.lower(User.email).like(needle)))
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def organizations_page(search: str = "", municipality_id: int | None = None,
                       org_type: OrganizationType | None = None, page: int = 1):
    """Organizations of the registry with filters, paginated."""
    stmt = (scoped_select(Organization).join(Municipality)
            .options(contains_eager(Organization.municipality))
            .order_by(Municipality.name, Organization.name))
    if search:
        needle = f"%{search.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Organization.code).like(needle),
                                 sa.func.lower(Organization.name).like(needle),
                                 sa.func.lower(Organization.short_name).like(needle)))
    if municipality_id:
        stmt = stmt.where(Organization.municipality_id == municipality_id)
    if org_type:
        stmt = stmt.where(Organization.type == org_type)
    return db.paginate(stmt, page=page, per_page=PAGE_SIZE, error_out=False)


def municipality_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        scoped_select(Municipality).join(Region).with_only_columns(
            Municipality.id, Region.name, Municipality.name
        ).order_by(Region.name, Municipality.name)
    ).all()
    return [(mid, f"{region} — {name}") for mid, region, name in rows]
