"""Person-level objects of the mentoring register for the isolation walk (tests/test_isolation.py).

Each organization gets a mentor and a mentee with a distinctive name and a pair of them; the
mentee's signed consent is a PDF named after them and holding their name, so a leaked
download shows it. MARKERS gives the text of each object that must never appear outside its
organization.
"""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring import consent, operations
from portal.mentoring.models import (
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    Participant,
    ParticipantRole,
)
from tests import document_files


def _person(org, role: ParticipantRole) -> Participant:
    name = f"ISOPERSON-{role.value}-{org.id}"
    found = db.session.scalars(sa.select(Participant).filter_by(full_name=name)).first()
    return found or operations.create_participant(org, operations.ParticipantData(
        full_name=name, position="учитель", role=role, consent_on=date(2025, 9, 1),
        mentee_category=MenteeCategory.YOUNG if role is ParticipantRole.MENTEE else None))


def _participant(factory, org):
    person = _person(org, ParticipantRole.MENTEE)
    if person.consent_file is None:
        signed = document_files.pdf(person.full_name)
        consent.attach(person, consent.check(io.BytesIO(signed), f"{person.full_name}.pdf"),
                       None)
    return person


def _pair(factory, org):
    found = db.session.scalars(sa.select(MentoringPair).filter_by(organization_id=org.id)).first()
    return found or operations.create_pair(org, operations.PairData(
        mentors=[_person(org, ParticipantRole.MENTOR)], mentees=[_participant(factory, org)],
        form=MentoringForm.TEACHER_TEACHER, type=MentoringType.TRADITIONAL,
        starts_on=date(2025, 9, 15), order_number="ISOORDER-1"))


BUILDERS = {"participant_id": _participant, "pair_id": _pair}
MARKERS = {Participant: lambda person: person.full_name}
