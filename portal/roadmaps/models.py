"""Roadmaps: one per organization and school year, events grouped by the 7 stages."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.reports.models import Report
from portal.roadmaps import schoolyear
from tenants.models import Organization, _enum
from tenants.scoping import url_argument

# The 7 stages of the mentoring cycle (DOMAIN.md §4, seed 001).
STAGES = {
    1: _l("Preparing the conditions for launching the mentoring programme"),
    2: _l("Forming the base of mentees"),
    3: _l("Forming the base of mentors"),
    4: _l("Selecting and training mentors"),
    5: _l("Forming mentoring pairs and groups"),
    6: _l("Organising the work of mentoring pairs and groups"),
    7: _l("Completing the mentoring programme"),
}


class Roadmap(db.Model):
    """The roadmap of one organization for one school year."""

    __tablename__ = "roadmaps"
    __table_args__ = (sa.UniqueConstraint("organization_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    school_year: Mapped[int]  # the year it starts in: 2025 is 2025/2026
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    events: Mapped[list[RoadmapEvent]] = relationship(
        back_populates="roadmap", order_by=lambda: [RoadmapEvent.stage, RoadmapEvent.position],
        cascade="all, delete-orphan",
    )

    @property
    def label(self) -> str:
        return schoolyear.year_label(self.school_year)

    def __repr__(self) -> str:
        return f"<Roadmap {self.school_year} org={self.organization_id}>"


class RoadmapEvent(db.Model):
    """One event (мероприятие) of a roadmap; its number is its place in the ordered list."""

    __tablename__ = "roadmap_events"
    __table_args__ = (
        sa.CheckConstraint("stage BETWEEN 1 AND 7", name="stage_range"),
        sa.Index("ix_roadmap_events_organization_due", "organization_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(sa.ForeignKey("roadmaps.id", ondelete="CASCADE"),
                                            index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    stage: Mapped[int]
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(1000))
    starts_on: Mapped[date | None]  # first day of the starting month of a range
    due_on: Mapped[date]  # a month is stored as its last day
    due_is_month: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    deadline_note: Mapped[str | None] = mapped_column(sa.String(255))
    responsible: Mapped[str] = mapped_column(sa.String(500), default="")
    planned_result: Mapped[str | None] = mapped_column(sa.Text)

    roadmap: Mapped[Roadmap] = relationship(back_populates="events")

    @property
    def stage_label(self) -> str:
        return str(STAGES[self.stage])

    @property
    def deadline_text(self) -> str:
        """The deadline as the printed report shows it: ``сентябрь–октябрь 2025, note``."""
        end = schoolyear.display(self.due_on, self.due_is_month)
        if self.starts_on and self.due_is_month:
            start = schoolyear.display(self.starts_on, True)
            if self.starts_on.year == self.due_on.year:
                start = start.rsplit(" ", 1)[0]
            end = f"{start} – {end}"
        return f"{end}, {self.deadline_note}" if self.deadline_note else end

    def __repr__(self) -> str:
        return f"<RoadmapEvent {self.stage}.{self.position} roadmap={self.roadmap_id}>"


class ExecutionStatus(StrEnum):
    """What a curator reports about an event; "overdue" is computed, never typed."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE = "not_done"  # with a reason
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(EXECUTION_STATUS_LABELS[self])


EXECUTION_STATUS_LABELS = {
    ExecutionStatus.PLANNED: _l("planned"),
    ExecutionStatus.IN_PROGRESS: _l("in progress"),
    ExecutionStatus.DONE: _l("done"),
    ExecutionStatus.NOT_DONE: _l("not done"),
    ExecutionStatus.CANCELLED: _l("cancelled"),
}
# Statuses that close an event: it can no longer be overdue, and cancelled ones are not due.
CLOSED_STATUSES = (ExecutionStatus.DONE, ExecutionStatus.CANCELLED)


class EventExecution(db.Model):
    """The execution of one event as reported in one quarterly report.

    Keyed by the report, so the execution is submitted, returned and locked with it.
    """

    __tablename__ = "event_executions"
    __table_args__ = (sa.UniqueConstraint("report_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadmap_events.id", ondelete="CASCADE"), index=True)
    status: Mapped[ExecutionStatus] = mapped_column(_enum(ExecutionStatus, "execution_status"))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    evidence_order: Mapped[str | None] = mapped_column(sa.String(255))
    evidence_url: Mapped[str | None] = mapped_column(sa.String(2000))
    evidence_document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    report: Mapped[Report] = relationship()
    event: Mapped[RoadmapEvent] = relationship()

    def __repr__(self) -> str:
        return f"<EventExecution report={self.report_id} event={self.event_id} {self.status}>"


url_argument("roadmap_id", "roadmap", Roadmap, parents=("organization",))
url_argument("event_id", "event", RoadmapEvent, parents=("roadmap",))
