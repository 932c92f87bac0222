"""Reads of the indicator catalogue (public to every user)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.catalogue.models import Indicator, ValidationRule
from portal.extensions import db
from portal.memo import MEMO_SOURCES, memoized
from tenants.models import OrganizationType

MEMO_SOURCES.update({Indicator, ValidationRule})


def indicators_for(org_type: OrganizationType, include_retired: bool = False) -> list[Indicator]:
    """The catalogue rows an organization of this type reports, in form order (read once per
    request; the list is the caller's own)."""
    return list(memoized(("indicators", org_type, include_retired),
                         lambda: _indicators_for(org_type, include_retired)))


def _indicators_for(org_type: OrganizationType, include_retired: bool) -> list[Indicator]:
    stmt = sa.select(Indicator).order_by(Indicator.position, Indicator.id)
    if not include_retired:
        stmt = stmt.where(Indicator.retired_at.is_(None))
    return [i for i in db.session.scalars(stmt) if i.applies(org_type)]


def all_indicators() -> list[Indicator]:
    return list(db.session.scalars(sa.select(Indicator).order_by(Indicator.position)))


def active_rules() -> list[ValidationRule]:
    """The active validation rules (read once per request)."""
    return list(memoized("rules", lambda: list(db.session.scalars(
        sa.select(ValidationRule).where(ValidationRule.active).order_by(ValidationRule.id)))))


def all_rules() -> list[ValidationRule]:
    """Every validation rule, active or not, in the order the engine runs them."""
    return list(db.session.scalars(sa.select(ValidationRule).order_by(ValidationRule.id)))
