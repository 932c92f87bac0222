"""Changes to the register: participants, consent withdrawal, pairs, the access log.

Operations validate first, then flush; they never commit (portal/database.py). The caller
has loaded the organization, participant or pair through the scope (PERSONAL_DATA) and
checked EDIT where it writes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from flask_babel import gettext as _

from portal.clock import utcnow
from portal.extensions import db
from portal.mentoring import consent
from portal.mentoring.models import (
    AccessKind,
    Initiator,
    MenteeCategory,
    MentoringForm,
    MentoringPair,
    MentoringType,
    PairMember,
    PairStatus,
    Participant,
    ParticipantRole,
    PersonalDataAccess,
    Qualification,
    Side,
)
from portal.refusals import Refusal
from portal.textcheck import too_long_for_columns
from tenants.models import Organization


class MentoringError(Refusal):
    """A refused change to the register; the message is for the user."""


@dataclass
class ParticipantData:
    """What the curator types about one person."""

    full_name: str
    position: str = ""
    education: str = ""
    experience_years: int | None = None
    qualification: Qualification | None = None
    role: ParticipantRole = ParticipantRole.MENTEE
    mentee_category: MenteeCategory | None = None
    consent_on: date | None = None


def _check_participant(data: ParticipantData) -> None:
    if not data.full_name.strip():
        raise MentoringError(_("Enter the full name."))
    problem = too_long_for_columns({
        _("Full name"): (Participant.full_name, data.full_name),
        _("Position"): (Participant.position, data.position),
        _("Education"): (Participant.education, data.education)})
    if problem:
        raise MentoringError(problem)
    if data.experience_years is not None and not 0 <= data.experience_years <= 80:
        raise MentoringError(_("Pedagogical experience is a number of years from 0 to 80."))
    if data.mentee_category is not None and data.role is ParticipantRole.MENTOR:
        raise MentoringError(_("A mentee category is only for mentees."))


def _apply(participant: Participant, data: ParticipantData) -> None:
    for item in fields(data):
        setattr(participant, item.name, getattr(data, item.name))
    participant.full_name = data.full_name.strip()
    participant.updated_at = utcnow()


def create_participant(organization: Organization, data: ParticipantData) -> Participant:
    """Add a person to the organization's register."""
    _check_participant(data)
    participant = Participant(organization=organization)
    _apply(participant, data)
    db.session.add(participant)
    if not organization.keeps_register:
        organization.keeps_register = True  # the report form fills its counts from now on
    db.session.flush()
    return participant


def update_participant(participant: Participant, data: ParticipantData) -> None:
    """Change a person's data; an anonymized person cannot be filled in again."""
    if participant.anonymized_at is not None:
        raise MentoringError(_("The person withdrew consent; their data has been removed."))
    _check_participant(data)
    _apply(participant, data)
    db.session.flush()


def withdraw_consent(participant: Participant, withdrawn_on: date) -> None:
    """Record the withdrawal of consent and anonymize the person (152-FZ).

    The name and every person-level field are cleared, and the signed consent file is
    removed from the store; the role, mentee category and pair memberships stay, so the
    counts already reported stay the same.
    """
    if participant.anonymized_at is not None:
        raise MentoringError(_("The person withdrew consent; their data has been removed."))
    if participant.consent_on is not None and withdrawn_on < participant.consent_on:
        raise MentoringError(_("Consent cannot be withdrawn before it was given."))
    consent.remove(participant)
    participant.full_name = ""
    participant.position = participant.education = ""
    participant.experience_years = None
    participant.qualification = None
    participant.consent_withdrawn_on = withdrawn_on
    participant.anonymized_at = participant.updated_at = utcnow()
    db.session.flush()


@dataclass
class PairData:
    """A pair or group as the curator enters it."""

    mentors: list[Participant]
    mentees: list[Participant]
    form: MentoringForm
    type: MentoringType
    starts_on: date
    planned_end_on: date | None = None
    order_number: str = ""
    order_date: date | None = None
    status: PairStatus = PairStatus.ACTIVE
    ended_on: date | None = None
    ended_by: Initiator | None = None
    end_reason: str | None = None


def _check_people(organization: Organization, data: PairData) -> None:
    if not data.mentors or not data.mentees:
        raise MentoringError(_("A pair or group needs at least one mentor and one mentee."))
    if {p.id for p in data.mentors} & {p.id for p in data.mentees}:
        raise MentoringError(_("One person cannot be both mentor and mentee of one pair."))
    for person in data.mentors + data.mentees:
        if person.organization_id != organization.id:
            raise MentoringError(_("Only people of the organization's register can be chosen."))
    if any(not p.is_mentor for p in data.mentors) or any(not p.is_mentee for p in data.mentees):
        raise MentoringError(_("Mentors must be registered as mentors, mentees as mentees."))


def _check_pair(organization: Organization, data: PairData) -> None:
    _check_people(organization, data)
    if data.planned_end_on is not None and data.planned_end_on < data.starts_on:
        raise MentoringError(_("The planned end cannot come before the start."))
    problem = too_long_for_columns({
        _("Order number"): (MentoringPair.order_number, data.order_number),
        _("Reason"): (MentoringPair.end_reason, data.end_reason)})
    if problem:
        raise MentoringError(problem)
    if data.status is PairStatus.ACTIVE:
        data.ended_on, data.ended_by, data.end_reason = None, None, None
        return
    if data.ended_on is None or data.ended_on < data.starts_on:
        raise MentoringError(_("Enter the end date, not before the start."))
    if data.status is PairStatus.ENDED_EARLY and not (data.ended_by and
                                                       (data.end_reason or "").strip()):
        raise MentoringError(_("An early end needs who initiated it and the reason."))
    if data.status is PairStatus.COMPLETED:
        data.ended_by, data.end_reason = None, None


def _apply_pair(pair: MentoringPair, data: PairData) -> None:
    for item in fields(data):
        if item.name not in ("mentors", "mentees"):
            setattr(pair, item.name, getattr(data, item.name))
    wanted = {(p.id, Side.MENTOR) for p in data.mentors} | {
        (p.id, Side.MENTEE) for p in data.mentees}
    pair.members = [m for m in pair.members if (m.participant_id, m.side) in wanted]
    kept = {(m.participant_id, m.side) for m in pair.members}
    db.session.flush()  # removed members go first: a person may change sides
    for side, people in ((Side.MENTOR, data.mentors), (Side.MENTEE, data.mentees)):
        pair.members += [PairMember(organization_id=pair.organization_id, participant=p,
                                    side=side) for p in people if (p.id, side) not in kept]
    pair.updated_at = utcnow()


def create_pair(organization: Organization, data: PairData) -> MentoringPair:
    """Form a pair or group of the organization's register."""
    _check_pair(organization, data)
    pair = MentoringPair(organization=organization)
    db.session.add(pair)
    _apply_pair(pair, data)
    db.session.flush()
    return pair


def update_pair(pair: MentoringPair, data: PairData) -> None:
    """Change a pair or group: its people, dates, order, status."""
    _check_pair(pair.organization, data)
    _apply_pair(pair, data)
    db.session.flush()


def record_access(organization: Organization, user_id: int | None, kind: AccessKind,
                  subject_id: int | None = None) -> None:
    """Log that ``user_id`` was shown person-level data of ``organization``."""
    db.session.add(PersonalDataAccess(organization_id=organization.id, user_id=user_id,
                                      kind=kind, subject_id=subject_id))
    db.session.flush()
