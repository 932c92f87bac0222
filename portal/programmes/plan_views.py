"""Request handlers of a programme's plan table, its extensions and its end.

The forms sit on the programme's page; a refusal flashes its message and returns there
(every operation validates before it changes anything). The plan row form has its own page.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.database import reads_first
from portal.documents import storage
from portal.downloads import file_response
from portal.mentoring.models import AccessKind
from portal.programmes import forms, operations
from portal.programmes.models import (
    Direction,
    EarlyEndInitiator,
    PlanEvent,
    Programme,
    ProgrammeStatus,
)
from portal.programmes.operations import PlanEventData
from portal.programmes.views import logged, saved_form, submitted
from tenants.scoping import Action, require


def _event_data(form: forms.PlanEventForm) -> PlanEventData:
    return PlanEventData(direction=Direction(form.direction.data), title=form.title.data or "",
                         dates=form.dates.data or "", methods=form.methods.data or "",
                         expected_result=form.expected_result.data or "")


def _event_form(programme: Programme, event: PlanEvent | None):
    """Show or save a plan row; ``event`` None appends one."""
    form = forms.PlanEventForm(obj=event)
    if request.method == "POST":
        require(Action.EDIT, programme.organization)

        def save() -> PlanEvent:
            if event is None:
                return operations.add_event(programme, _event_data(form))
            operations.update_event(event, _event_data(form))
            return event

        if saved_form(form, form.title, save, _("The event has been saved.")) is not None:
            return redirect(url_for("programmes.programme", programme_id=programme.id))
    return render_template("programmes/event_form.html", organization=programme.organization,
                           programme=programme, event=event, form=form,
                           ), 422 if form.errors else 200


@logged(AccessKind.PROGRAMME)
def event_new(programme: Programme):
    """Append a row to the plan table."""
    require(Action.EDIT, programme.organization)
    return _event_form(programme, None)


@logged(AccessKind.PROGRAMME)
def event_edit(plan_event: PlanEvent):
    """Change a row of the plan table."""
    require(Action.EDIT, plan_event.programme.organization)
    return _event_form(plan_event.programme, plan_event)


@logged(AccessKind.PROGRAMME)
def event_delete(plan_event: PlanEvent):
    """Remove a plan row not yet done."""
    programme = plan_event.programme
    require(Action.EDIT, programme.organization)
    expired = _("The form has expired or was not sent by this portal. Reload the page and "
                "try again.")
    return submitted(forms.DeleteForm(), expired,
                     lambda: operations.delete_event(plan_event),
                     _("The event has been removed."), programme)


@reads_first  # the evidence file is read and checked before anything is written
@logged(AccessKind.PROGRAMME)
def event_done(plan_event: PlanEvent):
    """Mark a plan event done with its evidence (a link and/or a file)."""
    programme = plan_event.programme
    require(Action.EDIT, programme.organization)
    form = forms.DoneForm()

    def work():
        sent = form.evidence_file.data
        operations.mark_done(plan_event, form.done_on.data, form.evidence_url.data,
                             sent.stream if sent else None, sent.filename if sent else None)

    return submitted(form, _("Enter the date the event was done."), work,
                     _("The event has been marked done."), programme)


@logged(AccessKind.PROGRAMME_EVIDENCE)
def evidence(plan_event: PlanEvent):
    """The evidence file of a done event."""
    name = plan_event.evidence_storage_name
    path = storage.path_of(name) if name else None
    if path is None:
        abort(404)
    filename = f"{Path(plan_event.evidence_filename or 'evidence').stem}{path.suffix}"
    return file_response(path, filename, plan_event.evidence_content_type)


@logged(AccessKind.PROGRAMME)
def extend(programme: Programme):
    """Extend the programme with a reason; the earlier ends stay in its history."""
    require(Action.EDIT, programme.organization)
    form = forms.ExtendForm()
    return submitted(form, _("Enter the new end and the reason."),
                     lambda: operations.extend(programme, form.new_end_on.data,
                                               form.reason.data, current_user.id),
                     _("The programme has been extended."), programme)


@logged(AccessKind.PROGRAMME)
def finish(programme: Programme):
    """End the programme: implemented in full, or early at the mentor's or mentee's will."""
    require(Action.EDIT, programme.organization)
    form = forms.FinishForm()
    return submitted(form, _("Enter how and when the programme ended."),
                     lambda: operations.finish(
                         programme, ProgrammeStatus(form.status.data), form.ended_on.data,
                         EarlyEndInitiator(form.ended_by.data) if form.ended_by.data else None,
                         form.reason.data),
                     _("The programme has been ended."), programme)
