"""The internal contour: the register of mentoring participants and their pairs and groups.

Person-level data (152-FZ, DOMAIN.md §10): every model here is declared
``personal_data_model``, so the scope hook lets only the organization's curator and head
read its rows; the external contour sees counts (:mod:`portal.mentoring.counts`).
Programmes, monitoring and report prefill attach to :class:`MentoringPair` by ``pair_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalogue.standard import FORMS, TYPES
from portal.clock import utcnow
from portal.extensions import db
from tenants.models import Organization, _enum
from tenants.scoping import Action, personal_data_model, url_argument


class LabelledEnum(StrEnum):
    """An enum whose members have a translated label in the class's ``LABELS``."""

    @property
    def label(self) -> str:
        return str(LABELS[type(self)][self])


class ParticipantRole(LabelledEnum):
    """Role in mentoring; a teacher may be a mentor and, over time, a mentee."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class MenteeCategory(LabelledEnum):
    """Mentee categories of seed 003 (DOMAIN.md §5); keys match the report's indicators."""

    YOUNG = "young"  # mentees_young
    NEW_TECHNOLOGY = "new_technology"  # mentees_new_technology
    NEW_IN_TEAM = "new_in_team"  # mentees_new_in_team
    NON_PEDAGOGICAL = "non_pedagogical"  # mentees_non_pedagogical


class Qualification(LabelledEnum):
    """Qualification category of a pedagogical worker."""

    NONE = "none"
    CONFORMITY = "conformity"
    FIRST = "first"
    HIGHEST = "highest"
    METHODIST = "methodist"
    MENTOR = "mentor"


# Forms and types: the keys of the catalogue's pairs_by_form.* and pairs_by_type.* items.
MentoringForm = LabelledEnum("MentoringForm", {key.upper(): key for key, _ru, _en in FORMS})
MentoringType = LabelledEnum("MentoringType", {key.upper(): key for key, _ru, _en in TYPES})


class PairStatus(LabelledEnum):
    """A pair or group works, or ended: in full, or early at someone's initiative."""

    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


class Initiator(LabelledEnum):
    """Who ended a pair early (seed 004: the mentor or the mentee; or the organization)."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    ORGANIZATION = "organization"


class Side(LabelledEnum):
    """A participant's side in one pair or group."""

    MENTOR = "mentor"
    MENTEE = "mentee"


class AccessKind(LabelledEnum):
    """What a person-level page showed, for the access log."""

    REGISTER = "register"
    PARTICIPANT = "participant"
    PAIRS = "pairs"
    PAIR = "pair"
    CONSENT_FILE = "consent_file"  # a download of the signed consent
    EXPORT = "register_export"  # the register as an XLSX file
    MONITORING = "monitoring"  # stage-1 records and stage-2 answers (portal/monitoring)
    PROGRAMMES = "programmes"  # portal/programmes: the list, a programme, its print and DOCX
    PROGRAMME = "programme"
    PROGRAMME_PRINT = "programme_print"
    PROGRAMME_DOCX = "programme_docx"
    PROGRAMME_EVIDENCE = "programme_evidence"


LABELS: dict[type, dict] = {
    ParticipantRole: {ParticipantRole.MENTOR: _l("mentor"), ParticipantRole.MENTEE: _l("mentee"),
                      ParticipantRole.BOTH: _l("mentor and mentee")},
    MenteeCategory: {
        MenteeCategory.YOUNG: _l("young specialist new to the profession"),
        MenteeCategory.NEW_TECHNOLOGY: _l("experienced teacher mastering a new technology"),
        MenteeCategory.NEW_IN_TEAM: _l("teacher new to the team"),
        MenteeCategory.NON_PEDAGOGICAL: _l("teacher with non-pedagogical education"),
    },
    Qualification: {
        Qualification.NONE: _l("no category"),
        Qualification.CONFORMITY: _l("conformity with the position held"),
        Qualification.FIRST: _l("first category"),
        Qualification.HIGHEST: _l("highest category"),
        Qualification.METHODIST: _l("teacher-methodologist"),
        Qualification.MENTOR: _l("teacher-mentor"),
    },
    MentoringForm: dict(zip(MentoringForm, [
        _l("teacher – teacher"), _l("head of organization – teacher"),
        _l("employer – student of a pedagogical university or college"),
        _l("university or college lecturer – young teacher"), _l("social partner – teacher"),
        _l("student – student"), _l("teacher – student")], strict=True)),
    MentoringType: dict(zip(MentoringType, [
        _l("virtual (remote)"), _l("in a group"), _l("short-term or goal-setting"),
        _l("reverse"), _l("situational"), _l("speed"), _l("traditional (one to one)")],
        strict=True)),
    PairStatus: {PairStatus.ACTIVE: _l("active"), PairStatus.COMPLETED: _l("completed in full"),
                 PairStatus.ENDED_EARLY: _l("ended early")},
    Initiator: {Initiator.MENTOR: _l("the mentor"), Initiator.MENTEE: _l("the mentee"),
                Initiator.ORGANIZATION: _l("the organization")},
    Side: {Side.MENTOR: _l("mentor"), Side.MENTEE: _l("mentee")},
    AccessKind: {AccessKind.REGISTER: _l("register of participants"),
                 AccessKind.PARTICIPANT: _l("participant"),
                 AccessKind.PAIRS: _l("pairs and groups"), AccessKind.PAIR: _l("pair or group"),
                 AccessKind.CONSENT_FILE: _l("signed consent (file)"),
                 AccessKind.EXPORT: _l("register exported to XLSX"),
                 AccessKind.MONITORING: _l("monitoring of pairs and groups"),
                 AccessKind.PROGRAMMES: _l("mentoring programmes"),
                 AccessKind.PROGRAMME: _l("mentoring programme"),
                 AccessKind.PROGRAMME_PRINT: _l("mentoring programme, print page"),
                 AccessKind.PROGRAMME_DOCX: _l("mentoring programme, DOCX"),
                 AccessKind.PROGRAMME_EVIDENCE: _l("evidence of a programme event")},
}


class Participant(db.Model):
    """One person of the organization's register of mentors and mentees."""

    __tablename__ = "mentoring_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(255))  # "" once anonymized
    position: Mapped[str] = mapped_column(sa.String(255), default="")
    education: Mapped[str] = mapped_column(sa.String(500), default="")
    experience_years: Mapped[int | None]
    qualification: Mapped[Qualification | None] = mapped_column(
        _enum(Qualification, "qualification"))
    role: Mapped[ParticipantRole] = mapped_column(_enum(ParticipantRole, "participant_role"))
    mentee_category: Mapped[MenteeCategory | None] = mapped_column(
        _enum(MenteeCategory, "mentee_category"))
    consent_on: Mapped[date | None]  # the written consent to personal-data processing
    consent_withdrawn_on: Mapped[date | None]
    anonymized_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    consent_file: Mapped[ConsentFile | None] = relationship(back_populates="participant")

    @property
    def display_name(self) -> str:
        """The name, or a neutral label once the person withdrew consent."""
        if self.anonymized_at is not None:
            return str(_l("Anonymized participant no. %(n)d", n=self.id))
        return self.full_name

    @property
    def is_mentor(self) -> bool:
        return self.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)

    @property
    def is_mentee(self) -> bool:
        return self.role in (ParticipantRole.MENTEE, ParticipantRole.BOTH)

    def __repr__(self) -> str:
        return f"<Participant {self.id} org={self.organization_id}>"


class ConsentFile(db.Model):
    """The signed consent of one participant, a file of the documents store.

    Kept apart from the documents register (portal/documents), which the external contour
    reads: the file and its name are person-level data. One per participant; a new upload
    replaces it, and a withdrawal of consent removes it (portal/mentoring/consent.py).
    """

    __tablename__ = "mentoring_consent_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_participants.id"), unique=True)
    # A generated name relative to the documents folder, never the user's.
    storage_name: Mapped[str] = mapped_column(sa.String(255))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="consent_file")


class MentoringPair(db.Model):
    """A mentoring pair or group, fixed by the order «о закреплении»."""

    __tablename__ = "mentoring_pairs"
    __table_args__ = (
        sa.CheckConstraint("planned_end_on IS NULL OR planned_end_on >= starts_on",
                           name="planned_end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    form: Mapped[MentoringForm] = mapped_column(_enum(MentoringForm, "mentoring_form"))
    type: Mapped[MentoringType] = mapped_column(_enum(MentoringType, "mentoring_type"))
    starts_on: Mapped[date]
    planned_end_on: Mapped[date | None]
    order_number: Mapped[str] = mapped_column(sa.String(100), default="")
    order_date: Mapped[date | None]
    status: Mapped[PairStatus] = mapped_column(_enum(PairStatus, "pair_status"),
                                               default=PairStatus.ACTIVE)
    ended_on: Mapped[date | None]
    ended_by: Mapped[Initiator | None] = mapped_column(_enum(Initiator, "pair_initiator"))
    end_reason: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    members: Mapped[list[PairMember]] = relationship(
        back_populates="pair", cascade="all, delete-orphan", order_by="PairMember.id")

    def side(self, side: Side) -> list[Participant]:
        """The participants on one side of the pair."""
        return [m.participant for m in self.members if m.side == side]

    def __repr__(self) -> str:
        return f"<MentoringPair {self.id} org={self.organization_id}>"


class PairMember(db.Model):
    """A participant in a pair or group, as mentor or as mentee."""

    __tablename__ = "mentoring_pair_members"
    __table_args__ = (sa.UniqueConstraint("pair_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("mentoring_pairs.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_participants.id"), index=True)
    side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))

    pair: Mapped[MentoringPair] = relationship(back_populates="members")
    participant: Mapped[Participant] = relationship()


class PersonalDataAccess(db.Model):
    """One view of person-level data: who, when, what (the curator reads this log)."""

    __tablename__ = "personal_data_accesses"
    __table_args__ = (sa.Index("ix_personal_data_accesses_org_at", "organization_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[AccessKind] = mapped_column(_enum(AccessKind, "access_kind"))
    subject_id: Mapped[int | None]  # the participant or pair shown, if one

    user = relationship("User")


for _model in (Participant, ConsentFile, MentoringPair, PairMember, PersonalDataAccess):
    personal_data_model(_model)

# Loaded with PERSONAL_DATA: anyone but the organization's curator and head gets 404.
url_argument("participant_id", "participant", Participant, parents=("organization",),
             action=Action.PERSONAL_DATA)
url_argument("pair_id", "pair", MentoringPair, parents=("organization",),
             action=Action.PERSONAL_DATA)
