"""Request handlers of roadmaps and their events: load from the URL, check, act."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.database import begin_writing, reads_first
from portal.documents.storage import UploadError, read_limited
from portal.downloads import xlsx_response
from portal.roadmaps import forms, operations, queries, schoolyear, xlsx
from portal.roadmaps.models import STAGES, Roadmap, RoadmapEvent
from portal.roadmaps.operations import RoadmapError
from tenants.models import Organization
from tenants.scoping import Action, allows, require


def _current_year(organization: Organization) -> int:
    """The school year under way in the organization's region."""
    return schoolyear.school_year_of(clock.today(organization.municipality.region))


def _year_forms(organization: Organization) -> tuple[forms.CreateForm, forms.ImportForm]:
    create, upload = forms.CreateForm(prefix="create"), forms.ImportForm(prefix="import")
    choices = forms.year_choices(_current_year(organization))
    create.school_year.choices = upload.school_year.choices = choices
    if request.method == "GET":
        create.school_year.data = upload.school_year.data = choices[1].value
    return create, upload


def _index(organization: Organization, create, upload, status: int = 200):
    return render_template(
        "roadmaps/index.html", organization=organization,
        roadmaps=queries.roadmaps_of(organization), can_edit=allows(Action.EDIT, organization),
        create_form=create, import_form=upload,
        current_year=_current_year(organization),
    ), status


def index(organization: Organization):
    """The organization's roadmaps by school year; the curator creates or imports one."""
    create, upload = _year_forms(organization)
    return _index(organization, create, upload)


def create(organization: Organization):
    """Create a roadmap for a school year, from the standard template or empty."""
    require(Action.EDIT, organization)
    create_form, upload = _year_forms(organization)
    if create_form.validate_on_submit():
        try:
            roadmap = operations.create_roadmap(
                organization, create_form.school_year.data, current_user.id,
                from_template=create_form.source.data == "template")
        except RoadmapError as problem:
            create_form.school_year.errors.append(str(problem))
        else:
            flash(_("The roadmap for %(year)s has been created.", year=roadmap.label), "success")
            return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    return _index(organization, create_form, upload, 422)


@reads_first
def import_roadmap(organization: Organization):
    """Create a roadmap from a spreadsheet: every line checked, all or nothing."""
    require(Action.EDIT, organization)
    create_form, form = _year_forms(organization)
    if form.validate_on_submit():
        sent = form.file.data
        try:
            if not sent or not sent.filename:
                raise xlsx.ImportProblems([_("Choose a file.")])
            data = read_limited(sent.stream)
            events = xlsx.parse_roadmap(data, sent.filename, form.school_year.data)
            begin_writing()  # the file is read: the writes follow, briefly
            roadmap = operations.create_roadmap(organization, form.school_year.data,
                                                current_user.id, events=events)
        except xlsx.ImportProblems as problems:
            form.file.errors.extend(problems.problems)
        except (UploadError, RoadmapError) as problem:
            form.file.errors.append(str(problem))
        else:
            flash(_("%(n)d events have been imported.", n=len(events)), "success")
            return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    return _index(organization, create_form, form, 422)


def show(roadmap: Roadmap):
    """A roadmap: its events grouped by stage, with editing for the curator."""
    organization = roadmap.organization
    return render_template(
        "roadmaps/show.html", roadmap=roadmap, organization=organization,
        stages=queries.by_stage(queries.numbered(roadmap.events)), stage_labels=STAGES,
        can_edit=allows(Action.EDIT, organization), action_form=forms.ActionForm(),
        reports=queries.reports_for(roadmap),
    )


def export(roadmap: Roadmap):
    """The roadmap as an XLSX file in the import format."""
    data = xlsx.export_roadmap([(n.number, n.event) for n in queries.numbered(roadmap.events)])
    return xlsx_response(data, f"roadmap-{roadmap.organization.code}-{roadmap.school_year}.xlsx")


def delete(roadmap: Roadmap):
    """Delete a roadmap nobody has reported on."""
    require(Action.EDIT, roadmap.organization)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.delete_roadmap(roadmap)
    except RoadmapError as problem:
        flash(str(problem), "danger")
        return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    flash(_("The roadmap has been deleted."), "success")
    return redirect(url_for("roadmaps.index", org_id=roadmap.organization_id))


def _event_form(roadmap: Roadmap, event: RoadmapEvent | None):
    """Show and save the event form; a refused form answers 422 and writes nothing."""
    require(Action.EDIT, roadmap.organization)
    form = forms.EventForm(obj=event)
    form.stage.choices = forms.stage_choices()
    if request.method == "GET" and event is not None:
        form.deadline.data = schoolyear.as_text(event.due_on, event.due_is_month)
        form.start.data = schoolyear.as_text(event.starts_on, True) if event.starts_on else ""
        form.note.data = event.deadline_note
    if form.validate_on_submit():
        data, problems = operations.check_event(
            roadmap.school_year, stage=form.stage.data, title=form.title.data,
            deadline=form.deadline.data, start=form.start.data, note=form.note.data,
            responsible=form.responsible.data, planned_result=form.planned_result.data)
        for name, problem in problems.items():
            getattr(form, name).errors.append(problem)
        if data is not None:
            if event is None:
                operations.add_event(roadmap, data)
            else:
                operations.update_event(event, data)
            flash(_("The event has been saved."), "success")
            return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    status = 422 if request.method == "POST" else 200
    return render_template("roadmaps/event_form.html", form=form, roadmap=roadmap,
                           event=event), status


def event_new(roadmap: Roadmap):
    return _event_form(roadmap, None)


def event_edit(event: RoadmapEvent):
    return _event_form(event.roadmap, event)


def event_delete(event: RoadmapEvent):
    """Remove an event that has no execution records."""
    roadmap = event.roadmap
    require(Action.EDIT, roadmap.organization)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.delete_event(event)
    except RoadmapError as problem:
        flash(str(problem), "danger")
    else:
        flash(_("The event has been removed."), "success")
    return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))


def event_move(event: RoadmapEvent):
    """Move an event one place up or down within its stage."""
    require(Action.EDIT, event.roadmap.organization)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    operations.move_event(event, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("roadmaps.show", roadmap_id=event.roadmap_id,
                            _anchor=f"event-{event.id}"))
