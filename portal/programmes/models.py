"""Personalised mentoring programmes (ППН, seed 004's appendix) of pairs and groups.

A programme belongs to one pair or group of the register (``pair_id``): its general data
(ФИО, education, experience, position, qualification category) is read from the pair's
participants, never retyped. Every model is person-level data (``personal_data_model``):
the scope hook lets only the organization's curator and head read its rows.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.mentoring.models import MentoringPair, PairStatus
from tenants.models import Organization, _enum
from tenants.scoping import Action, personal_data_model, url_argument


class ProgrammeEnum(StrEnum):
    """An enum whose members have a translated label in :data:`PROGRAMME_LABELS`."""

    @property
    def label(self) -> str:
        return str(PROGRAMME_LABELS[type(self)][self])


# Seed 004 §7.1: a programme runs, is implemented in full, or ends early, like its pair.
ProgrammeStatus = PairStatus

class EarlyEndInitiator(ProgrammeEnum):
    """Seed 004 §7.1: an early end is at the initiative of the mentor and (or) the mentee."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class Direction(ProgrammeEnum):
    """«Направление наставнической деятельности»: the list under seed 004's plan table."""

    SUBJECT = "subject"
    UPBRINGING = "upbringing"
    DOCUMENTATION = "documentation"
    ICT = "ict"
    METHODICAL = "methodical"
    CERTIFICATION = "certification"
    EXTRACURRICULAR = "extracurricular"
    PROJECTS = "projects"
    CONTESTS = "contests"
    TRAINING = "training"


PROGRAMME_LABELS: dict[type, dict] = {
    EarlyEndInitiator: {EarlyEndInitiator.MENTOR: _l("the mentor"),
                        EarlyEndInitiator.MENTEE: _l("the mentee"),
                        EarlyEndInitiator.BOTH: _l("the mentor and the mentee")},
    Direction: {
        Direction.SUBJECT: _l("Subject and professional content"),
        Direction.UPBRINGING: _l("Educational (upbringing) work"),
        Direction.DOCUMENTATION: _l("Work with documentation"),
        Direction.ICT: _l("ICT competences"),
        Direction.METHODICAL: _l("Methodical work"),
        Direction.CERTIFICATION: _l("Certification for a qualification category"),
        Direction.EXTRACURRICULAR: _l("Extracurricular work (subject weeks and others)"),
        Direction.PROJECTS: _l("Project and research activity"),
        Direction.CONTESTS: _l("Participation in contests and research conferences"),
        Direction.TRAINING: _l("Professional development courses"),
    },
}


class Programme(db.Model):
    """The personalised programme of one pair or group: the explanatory note and its term."""

    __tablename__ = "mentoring_programmes"
    __table_args__ = (
        sa.UniqueConstraint("pair_id"),
        sa.CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("mentoring_pairs.id", ondelete="CASCADE"))
    problem: Mapped[str] = mapped_column(sa.Text, default="")  # professional deficits
    goal: Mapped[str] = mapped_column(sa.Text, default="")
    tasks: Mapped[str] = mapped_column(sa.Text, default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    planned_results: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # the current end: the planned one, or the last extension's
    status: Mapped[ProgrammeStatus] = mapped_column(
        _enum(ProgrammeStatus, "programme_status"), default=ProgrammeStatus.ACTIVE)
    ended_on: Mapped[date | None]
    ended_by: Mapped[EarlyEndInitiator | None] = mapped_column(
        _enum(EarlyEndInitiator, "programme_initiator"))
    end_reason: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    pair: Mapped[MentoringPair] = relationship()
    events: Mapped[list[PlanEvent]] = relationship(
        back_populates="programme", cascade="all, delete-orphan",
        order_by="(PlanEvent.number, PlanEvent.id)")
    extensions: Mapped[list[ProgrammeExtension]] = relationship(
        back_populates="programme", cascade="all, delete-orphan",
        order_by="ProgrammeExtension.id")

    def __repr__(self) -> str:
        return f"<Programme {self.id} pair={self.pair_id} {self.status}>"


class ProgrammeExtension(db.Model):
    """One extension of a programme: its reason and the new end (the history is kept)."""

    __tablename__ = "mentoring_programme_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_programmes.id", ondelete="CASCADE"), index=True)
    previous_end_on: Mapped[date]
    new_end_on: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(2000))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    programme: Mapped[Programme] = relationship(back_populates="extensions")
    recorded_by = relationship("User")


class PlanEvent(db.Model):
    """A row of the programme's plan table; marked done with its evidence.

    The evidence file is checked and stored by the documents store
    (:mod:`portal.documents.storage`), but referenced here, not from the documents register:
    that register is visible to the external contour, a programme's evidence is not.
    """

    __tablename__ = "mentoring_plan_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_programmes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # № п/п
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "plan_direction"))
    title: Mapped[str] = mapped_column(sa.String(1000))
    dates: Mapped[str] = mapped_column(sa.String(200))  # «Сроки», as the plan words them
    methods: Mapped[str] = mapped_column(sa.String(2000), default="")
    expected_result: Mapped[str] = mapped_column(sa.String(2000), default="")
    done_on: Mapped[date | None]
    evidence_url: Mapped[str | None] = mapped_column(sa.String(2000))
    evidence_storage_name: Mapped[str | None] = mapped_column(sa.String(255))
    evidence_filename: Mapped[str | None] = mapped_column(sa.String(255))
    evidence_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    programme: Mapped[Programme] = relationship(back_populates="events")

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


for _model in (Programme, ProgrammeExtension, PlanEvent):
    personal_data_model(_model)

# Loaded with PERSONAL_DATA: anyone but the organization's curator and head gets 404.
url_argument("programme_id", "programme", Programme, parents=("pair",),
             action=Action.PERSONAL_DATA)  # the organization: through the pair
url_argument("plan_event_id", "plan_event", PlanEvent, parents=("programme",),
             action=Action.PERSONAL_DATA)
