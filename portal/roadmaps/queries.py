"""Reads of roadmaps and their execution; the scope hook limits every one to the scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.reports.models import Period, Report
from portal.roadmaps.models import (
    CLOSED_STATUSES,
    EventExecution,
    ExecutionStatus,
    Roadmap,
    RoadmapEvent,
)
from tenants.models import Organization


@dataclass(frozen=True)
class NumberedEvent:
    """An event with its number in the roadmap (numbers run through all stages)."""

    number: int
    event: RoadmapEvent


def roadmaps_of(organization: Organization) -> list[tuple[Roadmap, int]]:
    """The organization's roadmaps, newest school year first, with their event counts."""
    count = (sa.select(sa.func.count(RoadmapEvent.id))
             .where(RoadmapEvent.roadmap_id == Roadmap.id).scalar_subquery())
    stmt = (sa.select(Roadmap).add_columns(count)
            .where(Roadmap.organization_id == organization.id)
            .order_by(Roadmap.school_year.desc()))
    return [(roadmap, n) for roadmap, n in db.session.execute(stmt).all()]


def roadmap_for(organization_id: int, school_year: int) -> Roadmap | None:
    """The roadmap of an organization for a school year, if the user may see it."""
    return db.session.scalars(sa.select(Roadmap).where(
        Roadmap.organization_id == organization_id, Roadmap.school_year == school_year)
        .options(selectinload(Roadmap.events))).first()


def numbered(events: list[RoadmapEvent]) -> list[NumberedEvent]:
    """Events in order (stage, position) with their running numbers."""
    ordered = sorted(events, key=lambda e: (e.stage, e.position, e.id))
    return [NumberedEvent(i, event) for i, event in enumerate(ordered, start=1)]


def by_stage(items: list) -> list[tuple[int, list]]:
    """Group numbered events (or rows with an ``event``) by stage, stages in order."""
    groups: dict[int, list] = {}
    for item in items:
        groups.setdefault(item.event.stage, []).append(item)
    return sorted(groups.items())


def period_order():
    """Newest period first: the execution reported last is the one in force."""
    return (Period.starts_on.desc(), Period.id.desc())


def overdue_counts(organization_ids: sa.Select, school_year: int, on: date) -> sa.Select:
    """SQL: ``(organization_id, count)`` of events of the school year's roadmaps whose
    deadline passed before ``on`` and whose latest reported status is not a closing one
    (an event never reported is planned).

    The latest status comes from a window over the organizations' executions joined once,
    not from a subquery per event: the plan stays linear in the number of events even
    before the planner has statistics (a freshly loaded database).
    """
    ranked = (sa.select(EventExecution.event_id, EventExecution.status,
                        sa.func.row_number().over(partition_by=EventExecution.event_id,
                                                  order_by=period_order()).label("rank"))
              .join(Report, Report.id == EventExecution.report_id)
              .join(Period, Period.id == Report.period_id)
              .where(EventExecution.organization_id.in_(organization_ids))
              .subquery("ranked"))
    status = sa.func.coalesce(ranked.c.status, ExecutionStatus.PLANNED.value)
    return (sa.select(RoadmapEvent.organization_id, sa.func.count())
            .join(Roadmap, Roadmap.id == RoadmapEvent.roadmap_id)
            .outerjoin(ranked, sa.and_(ranked.c.event_id == RoadmapEvent.id, ranked.c.rank == 1))
            .where(RoadmapEvent.organization_id.in_(organization_ids),
                   Roadmap.school_year == school_year, RoadmapEvent.due_on < on,
                   status.not_in([s.value for s in CLOSED_STATUSES]))
            .group_by(RoadmapEvent.organization_id))


def latest_executions(event_ids: list[int], before: Period | None = None,
                      ) -> dict[int, EventExecution]:
    """The latest reported execution of each event (optionally only in periods before one)."""
    if not event_ids:
        return {}
    stmt = (sa.select(EventExecution).join(EventExecution.report).join(Report.period)
            .where(EventExecution.event_id.in_(event_ids)).order_by(*period_order()))
    if before is not None:
        stmt = stmt.where(Period.starts_on < before.starts_on)
    latest: dict[int, EventExecution] = {}
    for execution in db.session.scalars(stmt):
        latest.setdefault(execution.event_id, execution)
    return latest


def reports_for(roadmap: Roadmap) -> list[Report]:
    """The organization's quarterly reports of the roadmap's school year, newest first."""
    stmt = (sa.select(Report).join(Report.period)
            .where(Report.organization_id == roadmap.organization_id,
                   Period.school_year == roadmap.school_year)
            .order_by(*period_order()))
    return list(db.session.scalars(stmt))
