"""Changes to programmes: the note and term, the plan table, extensions, the end, evidence.

Operations validate first, then flush; they never commit (portal/database.py). The caller
has loaded the pair, programme or plan event through the scope (PERSONAL_DATA) and checked
EDIT. Seed 004: a programme runs from 3 months to 1 year and may be extended; it ends when
implemented in full, or early at the initiative of the mentor and (or) the mentee.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _

from portal.clock import utcnow
from portal.database import begin_writing
from portal.documents import storage
from portal.documents.operations import clean_url
from portal.documents.storage import UploadError
from portal.extensions import db
from portal.mentoring.models import MentoringPair, PairStatus
from portal.programmes.models import (
    Direction,
    EarlyEndInitiator,
    PlanEvent,
    Programme,
    ProgrammeExtension,
    ProgrammeStatus,
)
from portal.refusals import Refusal
from portal.textcheck import too_long_for_columns

MIN_MONTHS, MAX_MONTHS = 3, 12


class ProgrammeError(Refusal):
    """A refused change to a programme; the message is for the user."""


@dataclass
class ProgrammeData:
    """The explanatory note and the term, as the curator writes them."""

    starts_on: date
    ends_on: date
    problem: str = ""
    goal: str = ""
    tasks: str = ""
    content: str = ""
    planned_results: str = ""


@dataclass
class PlanEventData:
    """One row of the plan table."""

    direction: Direction
    title: str
    dates: str
    methods: str = ""
    expected_result: str = ""


def check_term(starts_on: date, ends_on: date) -> None:
    """Seed 004: from 3 months to 1 year, the last day included (1 Sept – 30 Nov is 3)."""
    after_last_day = ends_on + timedelta(days=1)
    if after_last_day < starts_on + relativedelta(months=MIN_MONTHS):
        raise ProgrammeError(_("A programme runs at least 3 months."))
    if after_last_day > starts_on + relativedelta(months=MAX_MONTHS):
        raise ProgrammeError(_("A programme runs at most 1 year; a longer one is extended "
                               "with a reason once it runs."))


def _check_active(programme: Programme) -> None:
    if programme.status is not ProgrammeStatus.ACTIVE:
        raise ProgrammeError(_("The programme has ended; it can no longer be changed."))


def _check_note(pair: MentoringPair, data: ProgrammeData) -> None:
    if not data.goal.strip():
        raise ProgrammeError(_("Enter the goal of the programme."))
    if data.starts_on < pair.starts_on:
        raise ProgrammeError(_("The programme cannot start before its pair or group."))
    check_term(data.starts_on, data.ends_on)


def _apply(programme: Programme, data: ProgrammeData) -> None:
    for item in fields(data):
        value = getattr(data, item.name)
        setattr(programme, item.name, value.strip() if isinstance(value, str) else value)
    programme.updated_at = utcnow()


def create_programme(pair: MentoringPair, data: ProgrammeData) -> Programme:
    """Write the programme of an active pair or group (one programme per pair)."""
    if pair.status is not PairStatus.ACTIVE:
        raise ProgrammeError(_("The pair or group has ended; a programme is for an active one."))
    if db.session.scalar(sa.select(Programme.id).where(Programme.pair_id == pair.id)):
        raise ProgrammeError(_("The pair or group already has a programme."))
    _check_note(pair, data)
    programme = Programme(organization_id=pair.organization_id, pair=pair)
    _apply(programme, data)
    db.session.add(programme)
    db.session.flush()
    return programme


def update_programme(programme: Programme, data: ProgrammeData) -> None:
    """Change the note and the term; once extended, the term changes only by extensions."""
    _check_active(programme)
    if programme.extensions and (data.starts_on, data.ends_on) != (
            programme.starts_on, programme.ends_on):
        raise ProgrammeError(_("The programme has been extended: its term changes only by "
                               "another extension."))
    if not programme.extensions:
        _check_note(programme.pair, data)
    elif not data.goal.strip():
        raise ProgrammeError(_("Enter the goal of the programme."))
    _apply(programme, data)
    db.session.flush()


def extend(programme: Programme, new_end_on: date | None, reason: str,
           user_id: int | None) -> ProgrammeExtension:
    """Extend a running programme to ``new_end_on``; the previous end stays in the history."""
    _check_active(programme)
    reason = (reason or "").strip()
    if not reason:
        raise ProgrammeError(_("An extension needs its reason."))
    if new_end_on is None or new_end_on <= programme.ends_on:
        raise ProgrammeError(_("The new end must come after the current end."))
    problem = too_long_for_columns({_("Reason"): (ProgrammeExtension.reason, reason)})
    if problem:
        raise ProgrammeError(problem)
    extension = ProgrammeExtension(
        organization_id=programme.organization_id, previous_end_on=programme.ends_on,
        new_end_on=new_end_on, reason=reason, recorded_by_id=user_id)
    programme.extensions.append(extension)
    programme.ends_on, programme.updated_at = new_end_on, utcnow()
    db.session.flush()
    return extension


def finish(programme: Programme, status: ProgrammeStatus, ended_on: date | None,
           ended_by: EarlyEndInitiator | None = None, reason: str | None = None) -> None:
    """End the programme: implemented in full (every plan event done), or early (who, why)."""
    _check_active(programme)
    if ended_on is None or ended_on < programme.starts_on:
        raise ProgrammeError(_("Enter the end date, not before the start."))
    reason = (reason or "").strip() or None
    if status is ProgrammeStatus.COMPLETED:
        if not programme.events or not all(e.is_done for e in programme.events):
            raise ProgrammeError(_("A programme is implemented in full when every event of its "
                                   "plan is done."))
        ended_by = reason = None
    elif status is ProgrammeStatus.ENDED_EARLY:
        if ended_by is None or reason is None:
            raise ProgrammeError(_("An early end needs who initiated it and the reason."))
        problem = too_long_for_columns({_("Reason"): (Programme.end_reason, reason)})
        if problem:
            raise ProgrammeError(problem)
    else:
        raise ProgrammeError(_("Choose how the programme ended."))
    programme.status, programme.ended_on = status, ended_on
    programme.ended_by, programme.end_reason = ended_by, reason
    programme.updated_at = utcnow()
    db.session.flush()


def _check_event(data: PlanEventData) -> None:
    if not data.title.strip() or not data.dates.strip():
        raise ProgrammeError(_("Enter the event and its dates."))
    problem = too_long_for_columns({
        _("Event"): (PlanEvent.title, data.title), _("Dates"): (PlanEvent.dates, data.dates),
        _("Forms and methods of the mentor's work"): (PlanEvent.methods, data.methods),
        _("Expected result"): (PlanEvent.expected_result, data.expected_result)})
    if problem:
        raise ProgrammeError(problem)


def _apply_event(event: PlanEvent, data: PlanEventData) -> None:
    for item in fields(data):
        value = getattr(data, item.name)
        setattr(event, item.name, value.strip() if isinstance(value, str) else value)


def add_event(programme: Programme, data: PlanEventData) -> PlanEvent:
    """Append a row to the plan table (the next № п/п)."""
    _check_active(programme)
    _check_event(data)
    event = PlanEvent(organization_id=programme.organization_id,
                      number=max((e.number for e in programme.events), default=0) + 1)
    _apply_event(event, data)
    programme.events.append(event)
    programme.updated_at = utcnow()
    db.session.flush()
    return event


def update_event(event: PlanEvent, data: PlanEventData) -> None:
    """Change a row of the plan table."""
    _check_active(event.programme)
    _check_event(data)
    _apply_event(event, data)
    event.programme.updated_at = utcnow()
    db.session.flush()


def delete_event(event: PlanEvent) -> None:
    """Remove a row not yet done; the rows after it move up (№ п/п stays consecutive)."""
    programme = event.programme
    _check_active(programme)
    if event.is_done:
        raise ProgrammeError(_("A done event stays in the plan."))
    programme.events.remove(event)
    for number, other in enumerate(programme.events, start=1):
        other.number = number
    programme.updated_at = utcnow()
    db.session.flush()


def mark_done(event: PlanEvent, done_on: date | None, url: str | None,
              stream: BinaryIO | None = None, filename: str | None = None) -> None:
    """Mark a plan event done with its evidence: a link and/or a file.

    The file passes every content check of the documents store and is stored there. Marking
    again replaces the date and link; a new file replaces the earlier one (which stays on
    disk, unreferenced, like the documents store's versions).
    """
    _check_active(event.programme)
    if done_on is None or done_on < event.programme.starts_on:
        raise ProgrammeError(_("Enter the date the event was done, not before the start."))
    try:
        url = clean_url(url)
        checked = (storage.check_upload(stream, filename)
                   if stream is not None and (filename or "").strip() else None)
    except UploadError as problem:
        raise ProgrammeError(str(problem)) from problem
    if checked is None and url is None:
        raise ProgrammeError(_("Attach a file or give a link."))
    begin_writing()  # the file is read and checked: the writes follow, briefly
    event.done_on, event.evidence_url = done_on, url
    if checked is not None:
        event.evidence_storage_name = storage.store(checked, event.organization_id)
        event.evidence_filename = checked.filename
        event.evidence_content_type = checked.type.mimetype
        event.evidence_sha256 = checked.sha256
    try:
        db.session.flush()
    except Exception:
        if checked is not None:
            storage.discard(event.evidence_storage_name)
        raise
