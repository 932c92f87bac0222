"""Reads of monitoring, each limited to PERSONAL_DATA explicitly (the hook does it too)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.mentoring.models import MentoringPair
from portal.monitoring.definitions import Stage
from portal.monitoring.models import Answer, AnswerSet, MonitoringRecord
from tenants.models import Organization
from tenants.scoping import Action, Scope, scoped_select

ANSWER_COLUMNS = ("pair_id", "participant_id", "side", "stage", "question", "value")


def records_of(pair: MentoringPair) -> list[MonitoringRecord]:
    """The pair's stage-1 records, oldest period first, with their values."""
    stmt = (scoped_select(MonitoringRecord, Action.PERSONAL_DATA)
            .where(MonitoringRecord.pair_id == pair.id)
            .options(selectinload(MonitoringRecord.values))
            .order_by(MonitoringRecord.starts_on, MonitoringRecord.ends_on))
    return list(db.session.scalars(stmt))


def answer_sets_of(pair: MentoringPair) -> list[AnswerSet]:
    """The pair's stage-2 questionnaires with their answers."""
    stmt = (scoped_select(AnswerSet, Action.PERSONAL_DATA)
            .where(AnswerSet.pair_id == pair.id)
            .options(selectinload(AnswerSet.answers))
            .order_by(AnswerSet.participant_id, AnswerSet.stage))
    return list(db.session.scalars(stmt))


def answer_rows(organization: Organization, pair: MentoringPair | None = None,
                scope: Scope | None = None) -> list[tuple]:
    """Every stage-2 answer of the organization (or of one pair) as ANSWER_COLUMNS tuples
    (within ``scope``, the request's by default)."""
    stmt = (scoped_select(AnswerSet, Action.PERSONAL_DATA, scope)
            .with_only_columns(AnswerSet.pair_id, AnswerSet.participant_id, AnswerSet.side,
                               AnswerSet.stage, Answer.question, Answer.value)
            .join(Answer, Answer.answer_set_id == AnswerSet.id)
            .where(AnswerSet.organization_id == organization.id))
    if pair is not None:
        stmt = stmt.where(AnswerSet.pair_id == pair.id)
    return [tuple(row) for row in db.session.execute(stmt)]


def progress_of(organization: Organization) -> dict[int, dict[str, int]]:
    """Per pair id: its stage-1 records and its before and after questionnaires."""
    progress: dict[int, dict[str, int]] = {}
    records = (scoped_select(MonitoringRecord, Action.PERSONAL_DATA)
               .with_only_columns(MonitoringRecord.pair_id, sa.func.count())
               .where(MonitoringRecord.organization_id == organization.id)
               .group_by(MonitoringRecord.pair_id))
    for pair_id, n in db.session.execute(records):
        progress.setdefault(pair_id, {})["records"] = n
    sets = (scoped_select(AnswerSet, Action.PERSONAL_DATA)
            .with_only_columns(AnswerSet.pair_id, AnswerSet.stage, sa.func.count())
            .where(AnswerSet.organization_id == organization.id)
            .group_by(AnswerSet.pair_id, AnswerSet.stage))
    for pair_id, stage, n in db.session.execute(sets):
        progress.setdefault(pair_id, {})[Stage(stage).value] = n
    return progress
