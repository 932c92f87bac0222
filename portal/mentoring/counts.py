"""Counts of the register for the external contour: numbers only, never a person's row.

The register's models are personal-data models (the hook gives the external contour no row
of them), so the counts are Core statements on the tables, tagged ``mentoring.counts``
(:data:`tenants.opt_out.CORE_STATEMENTS`): GROUP BY over one organization that the request
already loaded through the scope (VIEW), returning (key, count) tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring.models import (
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    PairStatus,
    Participant,
    ParticipantRole,
)
from tenants.models import Organization
from tenants.scoping import core_statement

_PARTICIPANTS, _PAIRS = Participant.__table__, MentoringPair.__table__


@dataclass
class RegisterCounts:
    """What the external contour may know of one organization's register."""

    mentors: int = 0
    mentees: int = 0
    by_category: dict[MenteeCategory, int] = field(default_factory=dict)
    pairs: int = 0
    by_form: dict[MentoringForm, int] = field(default_factory=dict)
    by_type: dict[MentoringType, int] = field(default_factory=dict)
    by_status: dict[PairStatus, int] = field(default_factory=dict)


def _grouped(table: sa.Table, organization: Organization, *columns) -> list[tuple]:
    stmt = (sa.select(*columns, sa.func.count()).select_from(table)
            .where(table.c.organization_id == organization.id).group_by(*columns))
    return db.session.execute(core_statement(stmt, "mentoring.counts")).all()


def register_counts(organization: Organization) -> RegisterCounts:
    """Mentors, mentees by category, pairs by form, type and status of ``organization``."""
    counts = RegisterCounts()
    people = _PARTICIPANTS.c
    for role, category, n in _grouped(_PARTICIPANTS, organization, people.role,
                                      people.mentee_category):
        role = ParticipantRole(role)
        if role in (ParticipantRole.MENTOR, ParticipantRole.BOTH):
            counts.mentors += n
        if role in (ParticipantRole.MENTEE, ParticipantRole.BOTH):
            counts.mentees += n
            if category is not None:
                key = MenteeCategory(category)
                counts.by_category[key] = counts.by_category.get(key, 0) + n
    pairs = _PAIRS.c
    for form, kind, status, n in _grouped(_PAIRS, organization, pairs.form, pairs.type,
                                          pairs.status):
        counts.pairs += n
        for target, key in ((counts.by_form, MentoringForm(form)),
                            (counts.by_type, MentoringType(kind)),
                            (counts.by_status, PairStatus(status))):
            target[key] = target.get(key, 0) + n
    return counts


def keeps_register(organization: Organization) -> bool:
    """Whether ``organization`` keeps its register in the portal (anybody was ever entered):
    a column of the organization's row, so the report form on the deadline's hot path asks
    nothing more of an organization that keeps no register here."""
    return organization.keeps_register
