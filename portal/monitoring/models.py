"""Monitoring rows: stage-1 records of a pair's period, stage-2 answers of its participants.

Person-level data (DOMAIN.md §10): every model is declared ``personal_data_model``, so only
the organization's curator and head read its rows; :mod:`portal.monitoring.counts` gives
the external contour numbers only. Values and answers refer to
:mod:`portal.monitoring.definitions` by key.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.mentoring.models import MentoringPair, PairMember, Participant, Side
from portal.monitoring.definitions import Stage
from tenants.models import _enum
from tenants.scoping import Action, personal_data_model, url_argument


class MonitoringRecord(db.Model):
    """Stage 1 of one pair or group for one reporting period (a quarter or a date range)."""

    __tablename__ = "monitoring_records"
    __table_args__ = (
        sa.UniqueConstraint("pair_id", "starts_on", "ends_on"),
        sa.CheckConstraint("ends_on >= starts_on", name="period_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    pair_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_pairs.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    pair: Mapped[MentoringPair] = relationship()
    values: Mapped[list[CriterionValue]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="CriterionValue.id")

    def value(self, key: str) -> CriterionValue | None:
        """The value recorded for criterion ``key``, if any."""
        return next((v for v in self.values if v.criterion == key), None)


class CriterionValue(db.Model):
    """The value of one stage-1 criterion: a number, a text, or both (by the criterion's kind)."""

    __tablename__ = "monitoring_criterion_values"
    __table_args__ = (sa.UniqueConstraint("record_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("monitoring_records.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(sa.String(40))
    number: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(sa.String(4000))

    record: Mapped[MonitoringRecord] = relationship(back_populates="values")


class AnswerSet(db.Model):
    """One participant's stage-2 questionnaire of one pair, before or after the programme."""

    __tablename__ = "monitoring_answer_sets"
    __table_args__ = (sa.UniqueConstraint("pair_id", "participant_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    pair_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_pairs.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentoring_participants.id"), index=True)
    side: Mapped[Side] = mapped_column(_enum(Side, "answer_side"))  # the side in this pair
    stage: Mapped[Stage] = mapped_column(_enum(Stage, "monitoring_stage"))
    answered_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    pair: Mapped[MentoringPair] = relationship()
    participant: Mapped[Participant] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="answer_set", cascade="all, delete-orphan", order_by="Answer.id")


class Answer(db.Model):
    """One answer of a questionnaire: a point on the question's scale."""

    __tablename__ = "monitoring_answers"
    __table_args__ = (sa.UniqueConstraint("answer_set_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    answer_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("monitoring_answer_sets.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[int]

    answer_set: Mapped[AnswerSet] = relationship(back_populates="answers")


for _model in (MonitoringRecord, CriterionValue, AnswerSet, Answer):
    personal_data_model(_model)

# Loaded with PERSONAL_DATA: anyone but the organization's curator and head gets 404.
url_argument("monitoring_record_id", "record", MonitoringRecord, parents=("pair",),
             action=Action.PERSONAL_DATA)
# A participant's place in one pair: the questionnaires' URLs (one id, the pair above it).
url_argument("pair_member_id", "member", PairMember, parents=("pair",),
             action=Action.PERSONAL_DATA)
