"""Execution of a roadmap in a quarterly report: which events are due, what was done.

Rows are keyed by (report, event), so submitting, returning or accepting the quarterly
report does the same to the execution; it can be changed only while the report is editable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import clock, rules
from portal.clock import utcnow
from portal.database import Refusal
from portal.documents.models import Document
from portal.documents.operations import clean_url
from portal.documents.storage import UploadError
from portal.extensions import db
from portal.reports.models import Report, ReportState
from portal.reports.operations import audit
from portal.roadmaps import queries
from portal.roadmaps.models import (
    CLOSED_STATUSES,
    EventExecution,
    ExecutionStatus,
    Roadmap,
    RoadmapEvent,
)

NOTE_MAX, ORDER_MAX = 5000, 255


class ExecutionError(Refusal):
    """The report cannot take execution changes now; the message is for the user."""


@dataclass
class ExecutionRow:
    """One due event on the report's execution form."""

    number: int
    event: RoadmapEvent
    execution: EventExecution | None  # recorded in this report
    previous: EventExecution | None  # the latest one before this report
    reached: date  # execution is reported up to the end of the quarter, or today if sooner
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> EventExecution | None:
        """What to show: this report's record, else the last one (carried forward)."""
        return self.execution or self.previous

    @property
    def status(self) -> ExecutionStatus:
        return self.shown.status if self.shown else ExecutionStatus.PLANNED

    @property
    def is_due(self) -> bool:
        """The deadline is reached."""
        return self.event.due_on <= self.reached

    @property
    def counts_as_due(self) -> bool:
        """Counted in the execution rate (portal/rules.py)."""
        return rules.event_due(self.status, self.event.due_on, self.reached)

    @property
    def counts_as_done(self) -> bool:
        return rules.event_done(self.status, self.event.due_on, self.reached)

    @property
    def is_overdue(self) -> bool:
        """Computed, never typed: the deadline is reached and the event is not done."""
        return self.is_due and self.status not in CLOSED_STATUSES


@dataclass(frozen=True)
class Rate:
    """Execution rate = done / due (cancelled events are not due)."""

    done: int
    due: int

    @property
    def percent(self) -> float | None:
        return rules.execution_rate(self.done, self.due)


def editable(report: Report) -> bool:
    """Whether the execution may change: the report is a draft or returned, as for its values.

    A draft of a closed period is frozen, exactly like the report's own values.
    """
    return report.editable and (report.period.is_open or report.state is not ReportState.DRAFT)


def roadmap_of(report: Report) -> Roadmap | None:
    """The roadmap of the school year the report's quarter belongs to."""
    return queries.roadmap_for(report.organization_id, report.period.school_year)


def rows_for(report: Report, roadmap: Roadmap | None) -> list[ExecutionRow]:
    """Every event begun or due by the end of the quarter, with what was reported.

    In a quarter still under way an event counts as due only once its deadline is reached.
    """
    if roadmap is None:
        return []
    end = report.period.ends_on
    events = [n for n in queries.numbered(roadmap.events)
              if n.event.due_on <= end or (n.event.starts_on and n.event.starts_on <= end)]
    ids = [n.event.id for n in events]
    current = {e.event_id: e for e in db.session.scalars(
        sa.select(EventExecution).where(EventExecution.report_id == report.id,
                                            EventExecution.event_id.in_(ids)))}
    previous = queries.latest_executions(ids, before=report.period)
    reached = rules.execution_reached(report.period, clock.today(report.period.region))
    return [ExecutionRow(n.number, n.event, current.get(n.event.id), previous.get(n.event.id),
                         reached) for n in events]


def rate(rows: list[ExecutionRow]) -> Rate:
    """Execution rate of the rows."""
    return Rate(sum(r.counts_as_done for r in rows), sum(r.counts_as_due for r in rows))


@dataclass
class _Checked:
    status: ExecutionStatus
    note: str
    reason: str | None
    evidence_order: str | None
    evidence_url: str | None
    evidence_document_id: int | None


def _check_row(row: ExecutionRow, form: Mapping[str, Any], documents: dict[int, Document],
               ) -> _Checked | None:
    """Read and validate one event's fields; problems go into ``row.problems``."""
    key = row.event.id
    try:
        status = ExecutionStatus(form.get(f"status-{key}", ""))
    except ValueError:
        row.problems["status"] = _("Choose a status.")
        status = ExecutionStatus.PLANNED
    note = str(form.get(f"note-{key}", "")).strip()
    reason = str(form.get(f"reason-{key}", "")).strip() or None
    order = str(form.get(f"evidence_order-{key}", "")).strip() or None
    if status is ExecutionStatus.NOT_DONE and not reason:
        row.problems["reason"] = _("Give the reason why the event was not done.")
    if len(note) > NOTE_MAX or (reason and len(reason) > NOTE_MAX):
        row.problems["note"] = _("The text is longer than %(n)d characters.", n=NOTE_MAX)
    if order and len(order) > ORDER_MAX:
        row.problems["evidence_order"] = _("The text is longer than %(n)d characters.",
                                           n=ORDER_MAX)
    try:
        url = clean_url(form.get(f"evidence_url-{key}"))
    except UploadError as problem:
        row.problems["evidence_url"] = str(problem)
        url = None
    document_id = _document_choice(form.get(f"evidence_document-{key}"), documents, row)
    if row.problems:
        return None
    return _Checked(status, note, reason if status is ExecutionStatus.NOT_DONE else None,
                    order, url, document_id)


def _document_choice(value: Any, documents: dict[int, Document], row: ExecutionRow) -> int | None:
    if value in (None, ""):
        return None
    try:
        document_id = int(value)
    except (TypeError, ValueError):
        document_id = -1
    if document_id not in documents:  # only the organization's own register counts
        row.problems["evidence_document"] = _("Choose a document of the organization's register.")
        return None
    return document_id


def save(report: Report, rows: list[ExecutionRow], form: Mapping[str, Any],
         documents: dict[int, Document], user: Any) -> bool:
    """Validate every row, then write them all; False (nothing written) if any is wrong."""
    if not editable(report):
        raise ExecutionError(_("The report is %(state)s and cannot be changed.",
                               state=report.state.label))
    checked = [(row, _check_row(row, form, documents)) for row in rows]
    if any(row.problems for row, _data in checked):
        return False
    for row, data in checked:
        _write(report, row, data, user)
    db.session.flush()
    return True


def _write(report: Report, row: ExecutionRow, data: _Checked, user: Any) -> None:
    execution = row.execution
    old = execution.status.value if execution else None
    if execution is None:
        execution = EventExecution(report_id=report.id, event_id=row.event.id,
                                   organization_id=report.organization_id, status=data.status)
        db.session.add(execution)
        row.execution = execution
    changed = (old != data.status.value or execution.note != data.note
               or execution.reason != data.reason
               or execution.evidence_order != data.evidence_order
               or execution.evidence_url != data.evidence_url
               or execution.evidence_document_id != data.evidence_document_id)
    if not changed:
        return
    for name, value in vars(data).items():
        setattr(execution, name, value)
    execution.updated_at, execution.updated_by_id = utcnow(), getattr(user, "id", None)
    audit(report.organization_id, report, user, "form", "execution", f"event:{row.event.id}",
          old, data.status.value, data.note[:500])
