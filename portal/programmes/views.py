"""Request handlers of programmes: the list, writing one, its page, print page and DOCX.

Pair, programme and plan-event ids are loaded with PERSONAL_DATA (tenants/urls.py): anyone
but the organization's curator and head gets 404. Every page that shows a programme, its
print page, DOCX and evidence record the view in the access log (:func:`logged`).
"""

from __future__ import annotations

import functools

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.database import begin_writing
from portal.downloads import NO_STORE, attachment
from portal.mentoring import operations as register
from portal.mentoring.models import AccessKind, MentoringPair, Side
from portal.programmes import forms, layout, operations, printout, queries
from portal.programmes.models import Programme, ProgrammeStatus
from portal.programmes.operations import ProgrammeData, ProgrammeError
from tenants.models import Organization
from tenants.scoping import Action, allows, require


def _subject(kwargs: dict):
    """The URL's object the page is about: the programme, else the pair or organization."""
    if "plan_event" in kwargs:
        return kwargs["plan_event"].programme
    for key in ("programme", "pair", "organization"):
        if key in kwargs:
            return kwargs[key]
    raise LookupError("a programme view without a programme, pair or organization")


def logged(kind: AccessKind):
    """Decorator: the view shows person-level data; each GET is written to the access log.

    Requires PERSONAL_DATA on the organization (403 otherwise; the ids were already loaded
    with it, so a foreign one answered 404 before).
    """

    def decorate(view):
        @functools.wraps(view)
        def run(**kwargs):
            subject = _subject(kwargs)
            organization = subject if isinstance(subject, Organization) else subject.organization
            require(Action.PERSONAL_DATA, organization)
            if request.method == "GET":
                begin_writing()  # a page of person-level data writes its access log entry
                register.record_access(organization, current_user.id, kind,
                                       None if subject is organization else subject.id)
            return view(**kwargs)

        return run

    return decorate


def editable(programme: Programme) -> bool:
    """Whether the user may change the programme now (EDIT, and it still runs)."""
    return (programme.status is ProgrammeStatus.ACTIVE
            and allows(Action.EDIT, programme.organization))


@logged(AccessKind.PROGRAMMES)
def programmes(organization: Organization):
    """The organization's programmes with their pairs' people and progress."""
    return render_template("programmes/list.html", organization=organization,
                           programmes=queries.programmes_of(organization), sides=Side)


def _data(form: forms.ProgrammeForm) -> ProgrammeData:
    return ProgrammeData(
        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        problem=form.problem.data or "", goal=form.goal.data or "",
        tasks=form.tasks.data or "", content=form.content.data or "",
        planned_results=form.planned_results.data or "")


def _note_form(pair: MentoringPair, programme: Programme | None):
    """Show or save the explanatory note and term; ``programme`` None writes a new one."""
    form = forms.ProgrammeForm(obj=programme)
    if request.method == "GET" and programme is None:
        form.starts_on.data, form.ends_on.data = pair.starts_on, pair.planned_end_on
    if request.method == "POST":
        require(Action.EDIT, pair.organization)

        def save() -> Programme:
            if programme is None:
                return operations.create_programme(pair, _data(form))
            operations.update_programme(programme, _data(form))
            return programme

        saved = saved_form(form, form.goal, save, _("The programme has been saved."))
        if saved is not None:
            return redirect(url_for("programmes.programme", programme_id=saved.id))
    return render_template(
        "programmes/note_form.html", organization=pair.organization, pair=pair, form=form,
        programme=programme, columns=layout.general_columns(pair)), 422 if form.errors else 200


@logged(AccessKind.PAIR)
def programme_new(pair: MentoringPair):
    """Write the programme of a pair or group (the curator), or go to the one it has."""
    existing = queries.programme_of_pair(pair)
    if existing is not None:
        return redirect(url_for("programmes.programme", programme_id=existing.id))
    require(Action.EDIT, pair.organization)
    return _note_form(pair, None)


@logged(AccessKind.PROGRAMME)
def programme_edit(programme: Programme):
    """Change the explanatory note and, until it is extended, the term."""
    require(Action.EDIT, programme.organization)
    return _note_form(programme.pair, programme)


@logged(AccessKind.PROGRAMME)
def programme(programme: Programme):
    """The programme in seed 004's layout, with the curator's forms for the plan and term."""
    can_edit = editable(programme)
    return render_template(
        "programmes/programme.html", organization=programme.organization,
        programme=programme, layout=layout, columns=layout.general_columns(programme.pair),
        can_edit=can_edit, event_form=forms.PlanEventForm(), done_form=forms.DoneForm(),
        extend_form=forms.ExtendForm(), finish_form=forms.FinishForm(),
        delete_form=forms.DeleteForm())


@logged(AccessKind.PROGRAMME_PRINT)
def print_page(programme: Programme):
    """The programme as a page to print (seed 004's appendix, print CSS)."""
    response = render_template(
        "programmes/print.html", organization=programme.organization, programme=programme,
        layout=layout, columns=layout.general_columns(programme.pair))
    return response, 200, {"Cache-Control": NO_STORE}


@logged(AccessKind.PROGRAMME_DOCX)
def docx(programme: Programme):
    """The programme as DOCX, never kept by a cache."""
    return attachment(printout.programme_docx(programme), printout.filename(programme),
                      printout.DOCX_MIMETYPE)


def saved_form(form, field, save, message: str):
    """Validate ``form`` and ``save()``: its result, or None with the problem on ``field``."""
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except ProgrammeError as problem:
        field.errors = [*field.errors, str(problem)]
        return None
    flash(message, "success")
    return result


def submitted(form, missing: str, work, done: str, programme: Programme):
    """Run ``work`` if ``form`` validates; back to the programme's page with what happened.

    ``missing``: the message when the form is incomplete. A refusal of ``work`` is flashed
    (and, being a :class:`~portal.refusals.Refusal`, makes the request commit nothing).
    """
    if not form.validate_on_submit():
        flash(missing, "danger")
    else:
        try:
            work()
        except ProgrammeError as problem:
            flash(str(problem), "danger")
        else:
            flash(done, "success")
    return redirect(url_for("programmes.programme", programme_id=programme.id))
