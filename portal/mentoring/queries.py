"""Reads of the register, each limited to PERSONAL_DATA explicitly (the hook does it too)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.mentoring.models import (
    MentoringPair,
    PairMember,
    Participant,
    PersonalDataAccess,
)
from tenants.models import Organization
from tenants.scoping import Action, scoped_select

ACCESS_LOG_ROWS = 500  # the newest entries shown


def participants_of(organization: Organization) -> list[Participant]:
    """The organization's register: named people by name, anonymized ones after them."""
    stmt = (scoped_select(Participant, Action.PERSONAL_DATA)
            .where(Participant.organization_id == organization.id)
            .options(selectinload(Participant.consent_file))
            .order_by(Participant.anonymized_at.is_not(None), Participant.full_name,
                      Participant.id))
    return list(db.session.scalars(stmt))


def pairs_of(organization: Organization) -> list[MentoringPair]:
    """The organization's pairs and groups, newest start first, with their people."""
    stmt = (scoped_select(MentoringPair, Action.PERSONAL_DATA)
            .where(MentoringPair.organization_id == organization.id)
            .options(selectinload(MentoringPair.members).selectinload(PairMember.participant))
            .order_by(MentoringPair.starts_on.desc(), MentoringPair.id.desc()))
    return list(db.session.scalars(stmt))


def pairs_of_participant(participant: Participant) -> list[MentoringPair]:
    """The pairs and groups a person belongs to."""
    stmt = (scoped_select(MentoringPair, Action.PERSONAL_DATA)
            .where(MentoringPair.id.in_(sa.select(PairMember.pair_id).where(
                PairMember.participant_id == participant.id)))
            .order_by(MentoringPair.starts_on.desc()))
    return list(db.session.scalars(stmt))


def access_log(organization: Organization) -> list[PersonalDataAccess]:
    """The newest views of the organization's person-level data."""
    stmt = (scoped_select(PersonalDataAccess, Action.PERSONAL_DATA)
            .where(PersonalDataAccess.organization_id == organization.id)
            .options(selectinload(PersonalDataAccess.user))
            .order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id.desc())
            .limit(ACCESS_LOG_ROWS))
    return list(db.session.scalars(stmt))
