"""What monitoring asks, as data: the stage-1 criteria and the stage-2 questions.

Wording follows seeds 000 (§5) and 004 (§8): stage 1 assesses the process of the
personalised programme, stage 2 its influence on all participants, measured before the
programme and after it. Values and answers refer to these definitions by ``key``; adding a
criterion or a question is a line here, not a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.mentoring.models import LABELS, LabelledEnum, Side


class CriterionKind(StrEnum):
    """How a stage-1 criterion is recorded, and so how its value is validated."""

    TEXT = "text"  # a description
    COUNT = "count"  # a whole number from 0, with a description
    PERCENT = "percent"  # 0–100
    TREND = "trend"  # fell / unchanged / rose, with a comment


class Trend(LabelledEnum):
    """The direction of a dynamics criterion over the period."""

    FELL = "-1"
    SAME = "0"
    ROSE = "1"


class Stage(LabelledEnum):
    """When a stage-2 questionnaire is answered: at the start or at the end of the programme."""

    BEFORE = "before"
    AFTER = "after"


LABELS[Trend] = {Trend.FELL: _l("fell"), Trend.SAME: _l("did not change"),
                 Trend.ROSE: _l("rose")}
LABELS[Stage] = {Stage.BEFORE: _l("before the programme"), Stage.AFTER: _l("after the programme")}


@dataclass(frozen=True)
class Criterion:
    """One criterion of stage 1 (the process of the programme)."""

    key: str
    kind: CriterionKind
    wording: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("results_risks", CriterionKind.TEXT,
              _l("Results of the personalised programme and the risks that come with it")),
    Criterion("joint_projects", CriterionKind.COUNT,
              _l("Educational and cultural projects carried out together with the mentee")),
    Criterion("students_passed", CriterionKind.PERCENT,
              _l("Share of the mentee's students who passed intermediate assessment or an "
                 "independent assessment of the quality of education, %")),
    Criterion("performance_dynamics", CriterionKind.TREND,
              _l("Dynamics of the students' academic performance")),
    Criterion("contest_dynamics", CriterionKind.TREND,
              _l("Dynamics of the students' participation in contests and olympiads")),
    Criterion("social_activity", CriterionKind.TEXT,
              _l("Social and professional activity of the mentee")),
)
CRITERION = {criterion.key: criterion for criterion in CRITERIA}
MAX_COUNT = 10_000  # joint projects of one pair in one period: anything above is a typo


@dataclass(frozen=True)
class Question:
    """One question of the stage-2 questionnaire: a scale from ``low`` to ``high``."""

    key: str
    wording: str
    low: int
    high: int
    sides: frozenset[Side]
    stages: frozenset[Stage] = frozenset(Stage)

    @property
    def is_yes_no(self) -> bool:
        """A 0–1 scale: no or yes."""
        return (self.low, self.high) == (0, 1)


BOTH_SIDES = frozenset(Side)
MENTEE = frozenset({Side.MENTEE})
QUESTIONS: tuple[Question, ...] = (
    Question("results", _l("My educational and professional results"), 1, 10, BOTH_SIDES),
    Question("motivation", _l("My motivation and awareness in self-development and "
                              "professional self-education"), 1, 10, MENTEE),
    Question("innovation", _l("My involvement in the organization's innovation activity"),
             1, 10, MENTEE),
    Question("adaptation", _l("The quality and pace of my adaptation at the new place of work"),
             1, 10, MENTEE),
    Question("plans_mentor", _l("I plan to become a mentor in the near future"), 0, 1,
             BOTH_SIDES),
    Question("plans_mentee", _l("I plan to become a mentee in the near future"), 0, 1,
             BOTH_SIDES),
    Question("satisfaction", _l("My satisfaction with taking part in the mentoring programme"),
             1, 10, BOTH_SIDES, frozenset({Stage.AFTER})),
)
QUESTION = {question.key: question for question in QUESTIONS}


def questions_for(side: Side, stage: Stage) -> list[Question]:
    """The questions a participant on ``side`` answers at ``stage``."""
    return [q for q in QUESTIONS if side in q.sides and stage in q.stages]
