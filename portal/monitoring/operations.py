"""Changes to monitoring: a stage-1 record of a period, a participant's stage-2 answers.

Operations validate first, then flush; they never commit (portal/database.py). The caller
has loaded the pair (and record, participant) through the scope with PERSONAL_DATA and
checked EDIT. Monitoring of a pair is changed only while the pair works: once it has ended
(in full or early) its records and answers are the programme's final account.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import utcnow
from portal.extensions import db
from portal.mentoring.models import MentoringPair, PairStatus, Participant
from portal.monitoring.definitions import (
    CRITERION,
    MAX_COUNT,
    QUESTION,
    CriterionKind,
    Stage,
    Trend,
    questions_for,
)
from portal.monitoring.models import Answer, AnswerSet, CriterionValue, MonitoringRecord
from portal.refusals import Refusal
from portal.textcheck import too_long_for_columns


class MonitoringError(Refusal):
    """A refused change to monitoring; ``key`` names the criterion or question it is about."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass
class Entry:
    """What the curator typed for one stage-1 criterion: a number, a text, or both."""

    number: float | None = None
    text: str | None = None

    @property
    def is_blank(self) -> bool:
        return self.number is None and not (self.text or "").strip()


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a calendar quarter."""
    if not 1 <= quarter <= 4:
        raise MonitoringError(_("A quarter is a number from 1 to 4."))
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def check_open(pair: MentoringPair) -> None:
    """Refuse a change to the monitoring of a pair that has ended."""
    if pair.status is not PairStatus.ACTIVE:
        raise MonitoringError(_("The pair or group has ended: its monitoring can no longer "
                                "be changed."))


def _check_number(key: str, kind: CriterionKind, number: float) -> None:
    if kind is CriterionKind.COUNT and (number != int(number) or not 0 <= number <= MAX_COUNT):
        raise MonitoringError(_("A count is a whole number from 0 to %(max)d.", max=MAX_COUNT),
                              key)
    if kind is CriterionKind.PERCENT and not 0 <= number <= 100:
        raise MonitoringError(_("A share is a percentage from 0 to 100."), key)
    if kind is CriterionKind.TREND and number not in [int(t.value) for t in Trend]:
        raise MonitoringError(_("Choose whether it rose, fell or did not change."), key)


def _check_entry(key: str, entry: Entry) -> None:
    """Validate one criterion's value by the criterion's kind."""
    criterion = CRITERION.get(key)
    if criterion is None:
        raise MonitoringError(_("There is no such criterion."), key)
    problem = too_long_for_columns({criterion.wording: (CriterionValue.text, entry.text or "")})
    if problem:
        raise MonitoringError(problem, key)
    if criterion.kind is CriterionKind.TEXT:
        if entry.number is not None:
            raise MonitoringError(_("This criterion is described in words."), key)
        return
    if entry.number is None or not math.isfinite(entry.number):
        raise MonitoringError(_("Enter the number, or leave the criterion empty."), key)
    _check_number(key, criterion.kind, entry.number)


def _check_period(pair: MentoringPair, starts_on: date, ends_on: date,
                  record: MonitoringRecord | None) -> None:
    if ends_on < starts_on:
        raise MonitoringError(_("The period cannot end before it starts."))
    if ends_on < pair.starts_on:
        raise MonitoringError(_("The period ends before the pair or group started."))
    clash = sa.select(MonitoringRecord.id).where(
        MonitoringRecord.pair_id == pair.id, MonitoringRecord.starts_on == starts_on,
        MonitoringRecord.ends_on == ends_on)
    if record is not None:
        clash = clash.where(MonitoringRecord.id != record.id)
    if db.session.scalar(clash) is not None:
        raise MonitoringError(_("This period is already recorded for the pair or group."))


def save_record(pair: MentoringPair, starts_on: date, ends_on: date,
                entries: dict[str, Entry],
                record: MonitoringRecord | None = None) -> MonitoringRecord:
    """Record stage 1 of ``pair`` for a period (a new record, or ``record`` changed).

    Blank criteria are not recorded; at least one must be. Each value is validated by its
    criterion's kind: a count is a whole number from 0, a share a percentage, a dynamics
    rose / unchanged / fell.
    """
    check_open(pair)
    _check_period(pair, starts_on, ends_on, record)
    filled = {key: entry for key, entry in entries.items() if not entry.is_blank}
    for key, entry in filled.items():
        _check_entry(key, entry)
    if not filled:
        raise MonitoringError(_("Record at least one criterion."))
    if record is None:
        record = MonitoringRecord(organization_id=pair.organization_id, pair=pair)
        db.session.add(record)
    record.starts_on, record.ends_on, record.updated_at = starts_on, ends_on, utcnow()
    record.values.clear()
    db.session.flush()  # the old values go first: the new ones reuse their keys
    record.values += [CriterionValue(
        organization_id=pair.organization_id, criterion=key, number=entry.number,
        text=(entry.text or "").strip() or None) for key, entry in filled.items()]
    db.session.flush()
    return record


def side_in(pair: MentoringPair, participant: Participant):
    """The participant's side in ``pair``; refuses someone who is not in it."""
    for member in pair.members:
        if member.participant_id == participant.id:
            return member.side
    raise MonitoringError(_("The person is not a participant of this pair or group."))


def _check_answers(side, stage: Stage, answers: dict[str, int]) -> None:
    wanted = {q.key for q in questions_for(side, stage)}
    for key in answers.keys() - wanted:
        raise MonitoringError(_("This question is not asked here."), key)
    for key in sorted(wanted):
        value, question = answers.get(key), QUESTION[key]
        if value is None:
            raise MonitoringError(_("Answer every question."), key)
        if not question.low <= value <= question.high:
            raise MonitoringError(_("The answer is a point from %(low)d to %(high)d.",
                                    low=question.low, high=question.high), key)


def save_answers(pair: MentoringPair, participant: Participant, stage: Stage,
                 answered_on: date, answers: dict[str, int]) -> AnswerSet:
    """Record (or replace) the participant's questionnaire of ``pair`` at ``stage``.

    One answer set per participant, pair and stage; every question of the participant's
    side and stage is answered, each on its scale.
    """
    check_open(pair)
    side = side_in(pair, participant)
    if participant.anonymized_at is not None:
        raise MonitoringError(_("The person withdrew consent; their data has been removed."))
    _check_answers(side, stage, answers)
    answer_set = db.session.scalars(sa.select(AnswerSet).filter_by(
        pair_id=pair.id, participant_id=participant.id, stage=stage)).first()
    if answer_set is None:
        answer_set = AnswerSet(organization_id=pair.organization_id, pair=pair,
                               participant=participant, stage=stage)
        db.session.add(answer_set)
    answer_set.side, answer_set.answered_on, answer_set.updated_at = side, answered_on, utcnow()
    answer_set.answers.clear()
    db.session.flush()  # the old answers go first: the new ones reuse their keys
    answer_set.answers += [Answer(organization_id=pair.organization_id, question=key,
                                 value=value) for key, value in sorted(answers.items())]
    db.session.flush()
    return answer_set
