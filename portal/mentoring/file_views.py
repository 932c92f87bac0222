"""Files of the register: the signed consent of a person, the XLSX template, import, export.

Every route here is of the internal contour: PERSONAL_DATA on the organization (403 for the
external contour; participant ids are loaded with it, 404), EDIT where it writes. A download
that shows people - a consent file, the export - is recorded in the access log.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.database import begin_writing, reads_first
from portal.documents import storage
from portal.documents.storage import UploadError
from portal.downloads import file_response, xlsx_response
from portal.mentoring import consent, forms, operations, queries, register_file
from portal.mentoring.models import AccessKind, Participant
from portal.mentoring.register_file import ImportProblems
from tenants.models import Organization
from tenants.scoping import Action, require

MAX_REGISTER_BYTES = 10 * 1024 * 1024


@reads_first  # the file is read and checked before anything is written
def consent_upload(participant: Participant):
    """Attach the signed consent to a person, or replace it (the curator)."""
    require(Action.EDIT, participant.organization)
    form = forms.ConsentFileForm()
    back = redirect(url_for("mentoring.participant_edit", participant_id=participant.id))
    sent = form.file.data if form.validate_on_submit() else None
    try:
        if not sent or not sent.filename:
            raise UploadError(_("Choose a file."))
        checked = consent.check(sent.stream, sent.filename)
        begin_writing()  # the file is read and checked: the writes follow, briefly
        consent.attach(participant, checked, current_user.id)
    except UploadError as problem:
        flash(str(problem), "danger")  # refused before anything was written
    else:
        flash(_("The signed consent has been saved."), "success")
    return back


def consent_download(participant: Participant):
    """The signed consent file (curator and head); the download is recorded."""
    organization = require(Action.PERSONAL_DATA, participant.organization)
    record = participant.consent_file
    path = storage.path_of(record.storage_name) if record else None
    if path is None:
        abort(404)
    name = f"{Path(record.filename).stem}{path.suffix}"
    begin_writing()  # a download of person-level data writes its access log entry
    operations.record_access(organization, current_user.id, AccessKind.CONSENT_FILE,
                             participant.id)
    return file_response(path, name, record.content_type)


def register_template(organization: Organization):
    """The empty register as an XLSX file to fill in (no personal data in it)."""
    require(Action.PERSONAL_DATA, organization)
    return xlsx_response(register_file.template(), _("register-template.xlsx"))


def register_export(organization: Organization):
    """The register with its names as XLSX (curator and head); the export is recorded."""
    require(Action.PERSONAL_DATA, organization)
    people = queries.participants_of(organization)
    begin_writing()  # an export of person-level data writes its access log entry
    operations.record_access(organization, current_user.id, AccessKind.EXPORT)
    return xlsx_response(register_file.export(people),
                         _("register-%(code)s.xlsx", code=organization.code))


@reads_first  # the file is read and checked before anything is written
def register_import(organization: Organization):
    """Add the people of an XLSX file to the register: every line checked, all or nothing."""
    require(Action.PERSONAL_DATA, organization)
    require(Action.EDIT, organization)
    form = forms.RegisterImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        sent = form.file.data
        try:
            if not sent or not sent.filename:
                raise ImportProblems([_("Choose a file.")])
            data = storage.read_limited(sent.stream, MAX_REGISTER_BYTES)
            people = register_file.parse_register(
                data, sent.filename, queries.participants_of(organization),
                clock.today(organization.municipality.region))
            begin_writing()  # the file is read and checked: the writes follow, briefly
            for person in people:
                operations.create_participant(organization, person)
        except ImportProblems as refused:
            problems = refused.problems
        except (UploadError, operations.MentoringError) as refused:
            problems = [str(refused)]
        else:
            flash(_("%(n)d people have been added to the register.", n=len(people)), "success")
            return redirect(url_for("mentoring.participants", org_id=organization.id))
    # A refused file answers 422, so the request rolls back whatever was written.
    status = 422 if problems or form.errors else 200
    return render_template("mentoring/register_import.html", organization=organization,
                           form=form, problems=problems, columns=register_file.COLUMNS,
                           max_people=register_file.MAX_PEOPLE), status
