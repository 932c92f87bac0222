"""Monitoring in numbers, for the report prefill: means and counts, never a person's row.

The monitoring models are personal-data models (the hook gives the external contour no row
of them), so these are Core statements on the tables, tagged ``monitoring.counts``
(:data:`tenants.opt_out.CORE_STATEMENTS`): aggregates over one organization the request
already loaded through the scope (VIEW). Every mean carries its number of respondents; a
mean of fewer than :data:`MIN_RESPONDENTS` is not shown outside the organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.mentoring.models import Side
from portal.monitoring.definitions import Stage
from portal.monitoring.models import Answer, AnswerSet, MonitoringRecord
from tenants.models import Organization
from tenants.scoping import core_statement

MIN_RESPONDENTS = 3  # fewer answers than this would let the outside read one person's
_SETS, _ANSWERS, _RECORDS = AnswerSet.__table__, Answer.__table__, MonitoringRecord.__table__


@dataclass(frozen=True)
class Mean:
    """A mean of answers and how many respondents gave them."""

    value: float | None
    respondents: int

    @property
    def outside(self) -> float | None:
        """The mean as the external contour may see it: None under MIN_RESPONDENTS."""
        return self.value if self.respondents >= MIN_RESPONDENTS else None


@dataclass(frozen=True)
class MonitoringCounts:
    """What monitoring gives the organization's report (catalogue codes in report_values)."""

    satisfaction_mentors: Mean
    satisfaction_mentees: Mean
    planning_mentors: int  # teachers whose latest answer: plan to become a mentor
    planning_mentees: int  # ... a mentee
    planning_respondents: int  # teachers who answered the planning questions at all
    pairs_with_stage1: int  # pairs and groups with a stage-1 record (in the period, if given)

    def report_values(self) -> dict[str, float | int | None]:
        """Values by indicator code; None where too few respondents to show outside."""
        few = self.planning_respondents < MIN_RESPONDENTS
        return {"satisfaction_mentors": self.satisfaction_mentors.outside,
                "satisfaction_mentees": self.satisfaction_mentees.outside,
                "planning_mentors": None if few else self.planning_mentors,
                "planning_mentees": None if few else self.planning_mentees}


def _run(stmt) -> list[tuple]:
    return db.session.execute(core_statement(stmt, "monitoring.counts")).all()


def _satisfaction(organization: Organization) -> dict[str, Mean]:
    stmt = (sa.select(_SETS.c.side, sa.func.avg(_ANSWERS.c.value), sa.func.count())
            .select_from(_SETS.join(_ANSWERS, _ANSWERS.c.answer_set_id == _SETS.c.id))
            .where(_SETS.c.organization_id == organization.id,
                   _SETS.c.stage == Stage.AFTER.value, _ANSWERS.c.question == "satisfaction")
            .group_by(_SETS.c.side))
    return {side: Mean(float(mean), n) for side, mean, n in _run(stmt)}


def _planning(organization: Organization) -> tuple[dict[str, int], int]:
    """Teachers planning to become mentors / mentees by their latest answer, and how many
    teachers answered (after if given, else before; a teacher in two pairs counts once)."""
    later = _SETS.alias("later")
    latest = sa.or_(_SETS.c.stage == Stage.AFTER.value, ~sa.exists().where(
        later.c.pair_id == _SETS.c.pair_id, later.c.participant_id == _SETS.c.participant_id,
        later.c.stage == Stage.AFTER.value))
    base = (sa.select(_ANSWERS.c.question,
                      sa.func.count(sa.distinct(_SETS.c.participant_id)).filter(
                          _ANSWERS.c.value == 1),
                      sa.func.count(sa.distinct(_SETS.c.participant_id)))
            .select_from(_SETS.join(_ANSWERS, _ANSWERS.c.answer_set_id == _SETS.c.id))
            .where(_SETS.c.organization_id == organization.id, latest,
                   _ANSWERS.c.question.in_(("plans_mentor", "plans_mentee")))
            .group_by(_ANSWERS.c.question))
    rows = _run(base)
    return {question: yes for question, yes, _n in rows}, max((n for *_r, n in rows), default=0)


def _pairs_with_records(organization: Organization, period: tuple[date, date] | None) -> int:
    stmt = (sa.select(sa.func.count(sa.distinct(_RECORDS.c.pair_id)))
            .where(_RECORDS.c.organization_id == organization.id))
    if period is not None:  # records whose period overlaps the report's
        stmt = stmt.where(_RECORDS.c.starts_on <= period[1], _RECORDS.c.ends_on >= period[0])
    return _run(stmt)[0][0]


def monitoring_counts(organization: Organization,
                      period: tuple[date, date] | None = None) -> MonitoringCounts:
    """Satisfaction means (with respondents), planning counts and pairs with stage 1 of
    ``organization``; stage-1 records counted within ``period`` (first, last day) if given."""
    satisfaction = _satisfaction(organization)
    planning, respondents = _planning(organization)
    none = Mean(None, 0)
    return MonitoringCounts(
        satisfaction_mentors=satisfaction.get(Side.MENTOR.value, none),
        satisfaction_mentees=satisfaction.get(Side.MENTEE.value, none),
        planning_mentors=planning.get("plans_mentor", 0),
        planning_mentees=planning.get("plans_mentee", 0),
        planning_respondents=respondents,
        pairs_with_stage1=_pairs_with_records(organization, period))
