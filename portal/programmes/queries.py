"""Reads of programmes, each limited to PERSONAL_DATA explicitly (the hook does it too)."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.mentoring.models import MentoringPair, PairMember
from portal.programmes.models import Programme
from tenants.models import Organization
from tenants.scoping import Action, scoped_select


def programmes_of(organization: Organization) -> list[Programme]:
    """The organization's programmes with their pairs' people, newest start first."""
    stmt = (scoped_select(Programme, Action.PERSONAL_DATA)
            .where(Programme.organization_id == organization.id)
            .options(selectinload(Programme.pair).selectinload(MentoringPair.members)
                     .selectinload(PairMember.participant), selectinload(Programme.events))
            .order_by(Programme.starts_on.desc(), Programme.id.desc()))
    return list(db.session.scalars(stmt))


def programme_of_pair(pair: MentoringPair) -> Programme | None:
    """The programme of a pair or group, if it has one."""
    stmt = (scoped_select(Programme, Action.PERSONAL_DATA)
            .where(Programme.pair_id == pair.id))
    return db.session.scalars(stmt).first()

