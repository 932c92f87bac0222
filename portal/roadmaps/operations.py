"""Writes of roadmaps. They validate everything first, then flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import utcnow
from portal.database import Refusal
from portal.extensions import db
from portal.roadmaps import schoolyear
from portal.roadmaps.models import STAGES, Roadmap, RoadmapEvent
from portal.roadmaps.schoolyear import Deadline, DeadlineError
from portal.roadmaps.template import STANDARD_EVENTS
from tenants.models import Organization

# Longest texts an event takes, by form field (the columns' sizes).
LIMITS = {"title": 1000, "responsible": 500, "note": 255, "planned_result": 5000}


class RoadmapError(Refusal):
    """A refused change to a roadmap; the message is for the user."""


@dataclass
class EventData:
    """A checked event, ready to be written."""

    stage: int
    title: str
    due_on: date
    due_is_month: bool
    starts_on: date | None = None
    deadline_note: str | None = None
    responsible: str = ""
    planned_result: str | None = None


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def check_event(school_year: int, *, stage: object, title: object, deadline: object,
                start: object = None, note: object = None, responsible: object = None,
                planned_result: object = None) -> tuple[EventData | None, dict[str, str]]:
    """Validate one event's fields; return the data or the problems by field name."""
    problems: dict[str, str] = {}
    stage_number = _stage(stage)
    if stage_number is None:
        problems["stage"] = _("The stage must be a number from 1 to 7.")
    title_text = _text(title)
    if not title_text:
        problems["title"] = _("The event needs a title.")
    due, starts = _check_deadlines(school_year, deadline, start, problems)
    texts = {"title": title_text, "responsible": _text(responsible), "note": _text(note),
             "planned_result": str(planned_result or "").strip()}
    for name, limit in LIMITS.items():
        if len(texts[name]) > limit and name not in problems:
            problems[name] = _("The text is longer than %(n)d characters.", n=limit)
    if problems:
        return None, problems
    return EventData(
        stage=stage_number, title=title_text, due_on=due.day, due_is_month=due.is_month,
        starts_on=starts.day.replace(day=1) if starts else None,
        deadline_note=texts["note"] or None, responsible=texts["responsible"],
        planned_result=texts["planned_result"] or None,
    ), {}


def _check_deadlines(school_year: int, deadline: object, start: object,
                     problems: dict[str, str]) -> tuple[Deadline | None, Deadline | None]:
    """Parse the deadline and the optional start; both must lie in the school year."""
    due = starts = None
    try:
        due = schoolyear.parse_deadline(deadline)
        schoolyear.check_in_year(due, school_year, _text(deadline))
    except DeadlineError as problem:
        problems["deadline"] = str(problem)
    if not _text(start):
        return due, None
    try:
        starts = schoolyear.parse_deadline(start)
        schoolyear.check_in_year(starts, school_year, _text(start))
        if not starts.is_month:
            raise DeadlineError(_("The start is a month, such as 09.2025."))
        if due and starts.day > due.day:
            raise DeadlineError(_("The start is after the deadline."))
    except DeadlineError as problem:
        problems["start"] = str(problem)
    return due, starts


def _stage(value: object) -> int | None:
    """A stage given as 1–7, ``"3"``, ``"Этап 3"`` or its full label."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value) if float(value).is_integer() else None
    else:
        text = _text(value).lower()
        labels = {str(label).lower(): n for n, label in STAGES.items()}
        digits = "".join(ch for ch in text.split(".")[0] if ch.isdigit())
        number = labels.get(text) or (int(digits) if digits and len(digits) == 1 else None)
    return number if number in STAGES else None


def create_roadmap(organization: Organization, school_year: int, user_id: int | None,
                   events: list[EventData] | None = None, from_template: bool = False) -> Roadmap:
    """A new roadmap for a school year: empty, from the standard template, or from ``events``."""
    exists = db.session.scalar(sa.select(Roadmap.id).where(
        Roadmap.organization_id == organization.id, Roadmap.school_year == school_year))
    if exists is not None:
        raise RoadmapError(_("A roadmap for %(year)s already exists.",
                             year=schoolyear.year_label(school_year)))
    roadmap = Roadmap(organization_id=organization.id, school_year=school_year,
                      created_by_id=user_id)
    db.session.add(roadmap)
    if from_template:
        events = [EventData(stage=t.stage, title=t.title, due_on=t.due_on(school_year),
                            due_is_month=t.due_day is None, starts_on=t.starts_on(school_year),
                            deadline_note=t.note, responsible=t.responsible,
                            planned_result=t.planned_result or None)
                  for t in STANDARD_EVENTS]
    positions: dict[int, int] = {}
    for data in events or []:
        positions[data.stage] = positions.get(data.stage, 0) + 1
        _new_event(roadmap, organization.id, data, positions[data.stage])
    db.session.flush()
    return roadmap


def _new_event(roadmap: Roadmap, organization_id: int, data: EventData,
               position: int) -> RoadmapEvent:
    event = RoadmapEvent(roadmap=roadmap, organization_id=organization_id, position=position,
                         stage=data.stage, title=data.title, due_on=data.due_on,
                         due_is_month=data.due_is_month)
    _assign(event, data)
    db.session.add(event)  # setting the back-reference does not add it to the session
    return event


def _assign(event: RoadmapEvent, data: EventData) -> None:
    for name in ("title", "due_on", "due_is_month", "starts_on", "deadline_note", "responsible",
                 "planned_result"):
        setattr(event, name, getattr(data, name))


def _touch(roadmap: Roadmap) -> None:
    roadmap.updated_at = utcnow()


def add_event(roadmap: Roadmap, data: EventData) -> RoadmapEvent:
    """Append an event at the end of its stage."""
    last = max((e.position for e in roadmap.events if e.stage == data.stage), default=0)
    event = _new_event(roadmap, roadmap.organization_id, data, last + 1)
    _touch(roadmap)
    db.session.flush()
    return event


def update_event(event: RoadmapEvent, data: EventData) -> None:
    """Change an event; moving it to another stage puts it at the end of that stage."""
    if data.stage != event.stage:
        others = [e.position for e in event.roadmap.events if e.stage == data.stage]
        event.stage, event.position = data.stage, max(others, default=0) + 1
    _assign(event, data)
    _touch(event.roadmap)
    db.session.flush()


def move_event(event: RoadmapEvent, step: int) -> None:
    """Swap an event with its neighbour in the same stage (``step`` is -1 or +1)."""
    siblings = sorted((e for e in event.roadmap.events if e.stage == event.stage),
                      key=lambda e: e.position)
    index = siblings.index(event) + step
    if 0 <= index < len(siblings):
        other = siblings[index]
        event.position, other.position = other.position, event.position
        _touch(event.roadmap)
        db.session.flush()


def delete_event(event: RoadmapEvent) -> None:
    """Remove an event that has no execution records (those are cancelled instead)."""
    if has_execution([event.id]):
        raise RoadmapError(_("The event already has execution records; mark it cancelled "
                             "in the quarterly report instead."))
    roadmap = event.roadmap
    roadmap.events.remove(event)
    _touch(roadmap)
    db.session.flush()


def delete_roadmap(roadmap: Roadmap) -> None:
    """Remove a roadmap nobody has reported on yet."""
    if has_execution([e.id for e in roadmap.events]):
        raise RoadmapError(_("The roadmap already has execution records and cannot be deleted."))
    db.session.delete(roadmap)
    db.session.flush()


def has_execution(event_ids: list[int]) -> bool:
    """Whether any quarterly report recorded the execution of these events."""
    from portal.roadmaps.models import EventExecution

    if not event_ids:
        return False
    return db.session.scalar(sa.select(sa.literal(1)).where(
        EventExecution.event_id.in_(event_ids)).limit(1)) is not None
