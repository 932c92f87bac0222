"""Plausible monitoring for the demo pairs: stage-1 records and stage-2 questionnaires.

Every demo pair gets a stage-1 record of its first period (each full quarter since its
start, or its start to the end of last month) and a questionnaire "before" of each
participant; short programmes and every fourth pair also have the answers "after", a little
better than before (deterministic per pair). No name appears in any text.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring.models import MentoringPair, MentoringType, PairStatus, Side
from portal.monitoring import operations
from portal.monitoring.definitions import Stage, questions_for
from tenants.models import Municipality, Organization, Region

RESULTS = ["Программа реализуется по плану: проведены взаимопосещения уроков и разбор "
           "конспектов. Риск — высокая учебная нагрузка наставляемого.",
           "Наставляемый освоил технологию формирующего оценивания; риск — болезни и "
           "замены в расписании переносят совместные занятия.",
           "Мероприятия плана выполнены частично; риск — нехватка времени у наставника."]
PROJECTS = ["открытое занятие для родителей", "квест ко Дню науки", "школьный фестиваль "
            "чтения", "совместный мастер-класс на методическом объединении"]
ACTIVITY = ["Выступил(а) на заседании методического объединения.",
            "Участвует в работе творческой группы по функциональной грамотности.",
            "Подготовил(а) публикацию на сайте организации."]
SHORT = {MentoringType.SHORT_TERM, MentoringType.SPEED, MentoringType.SITUATIONAL}


def _periods(start: date, today: date) -> list[tuple[date, date]]:
    """The full quarters from ``start`` to ``today``; or start to the end of last month."""
    periods, year, quarter = [], start.year, (start.month - 1) // 3 + 1
    while True:
        first, last = operations.quarter_dates(year, quarter)
        if last >= today:
            break
        if first >= start:
            periods.append((first, last))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    month_end = today.replace(day=1) - timedelta(days=1)
    return periods or ([(start, month_end)] if month_end > start else [])


def _record(pair: MentoringPair, period: tuple[date, date], rng: random.Random) -> None:
    entries = {
        "results_risks": operations.Entry(text=rng.choice(RESULTS)),
        "joint_projects": operations.Entry(number=rng.randint(0, 3),
                                           text=rng.choice(PROJECTS)),
        "students_passed": operations.Entry(number=float(rng.randint(70, 100))),
        "performance_dynamics": operations.Entry(number=rng.choice((0, 1, 1))),
        "contest_dynamics": operations.Entry(number=rng.choice((0, 0, 1, -1))),
        "social_activity": operations.Entry(text=rng.choice(ACTIVITY))}
    operations.save_record(pair, *period, entries)


def _answers(side: Side, stage: Stage, rng: random.Random, before: dict | None) -> dict:
    answers = {}
    for question in questions_for(side, stage):
        if question.is_yes_no:
            wanted = question.key == ("plans_mentor" if side is Side.MENTEE else "plans_mentee")
            chance = (0.4 if stage is Stage.AFTER else 0.15) if wanted else 0.3
            answers[question.key] = int(rng.random() < chance)
        elif question.key == "satisfaction":
            answers[question.key] = rng.randint(7, 10)
        else:
            low = rng.randint(3, 6) if side is Side.MENTEE else rng.randint(6, 8)
            base = before[question.key] if before else low
            answers[question.key] = min(question.high, base + (rng.randint(0, 3) if before
                                                               else 0))
    return answers


def _questionnaires(pair: MentoringPair, today: date, rng: random.Random, after: bool) -> None:
    for member in pair.members:
        before = _answers(member.side, Stage.BEFORE, rng, None)
        operations.save_answers(pair, member.participant, Stage.BEFORE,
                                pair.starts_on + timedelta(days=5), before)
        if after:
            operations.save_answers(pair, member.participant, Stage.AFTER,
                                    today - timedelta(days=3),
                                    _answers(member.side, Stage.AFTER, rng, before))


def load_monitoring(region: Region, today: date) -> None:
    """Monitoring of every active demo pair of the region (flushes only)."""
    pairs = db.session.scalars(
        sa.select(MentoringPair).join(Organization).join(Municipality)
        .where(Municipality.region_id == region.id, MentoringPair.status == PairStatus.ACTIVE)
        .order_by(MentoringPair.id))
    for index, pair in enumerate(pairs):
        rng = random.Random(f"monitoring-{pair.id}")
        for period in _periods(pair.starts_on, today):
            _record(pair, period, rng)
        if pair.starts_on < today:
            _questionnaires(pair, today, rng, pair.type in SHORT or index % 4 == 0)
    db.session.flush()
