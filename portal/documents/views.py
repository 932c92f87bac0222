"""Request handlers of the documents register: load from the URL, check, act."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.database import reads_first
from portal.documents import operations, queries, storage
from portal.documents.forms import UploadForm
from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.documents.storage import UploadError
from portal.downloads import file_response
from tenants.models import Organization
from tenants.scoping import Action, allows, require


def register(organization: Organization):
    """The organization's documents, one line per kind, with who uploaded what when."""
    return render_template(
        "documents/register.html", organization=organization,
        entries=queries.register(organization),
        can_edit=allows(Action.EDIT, organization),
    )


def _kind_from_args() -> str | None:
    kind = request.args.get("kind", "")
    return kind if kind in DocumentKind.__members__.values() else None


@reads_first  # the file is read and checked before anything is written
def upload(organization: Organization):
    """Upload a document or a new version of it (the curator of the organization)."""
    require(Action.EDIT, organization)
    form = UploadForm()
    if request.method == "GET":
        form.kind.data = _kind_from_args() or form.kind.data
    elif form.validate_on_submit():
        sent = form.file.data
        data = operations.Upload(
            kind=DocumentKind(form.kind.data), order_number=form.order_number.data,
            order_date=form.order_date.data, url=form.url.data,
            stream=sent.stream if sent else None, filename=sent.filename if sent else None,
        )
        try:
            operations.add_version(organization, data, current_user.id)
        except UploadError as problem:
            getattr(form, problem.field).errors.append(str(problem))
        else:
            flash(_("The document has been saved."), "success")
            return redirect(url_for("documents.register", org_id=organization.id))
    # A refused form answers 422, so the request rolls back whatever the checks let through.
    status = 422 if request.method == "POST" else 200
    return render_template("documents/upload.html", organization=organization, form=form), status


def history(document: Document):
    """Every version of a document, newest first."""
    return render_template("documents/history.html", document=document,
                           organization=document.organization,
                           versions=queries.versions_of(document))


def download(version: DocumentVersion):
    """Serve a stored file to a user whose scope covers its organization."""
    path = storage.path_of(version.storage_name) if version.storage_name else None
    if path is None:
        abort(404)
    name = f"{Path(version.filename or 'document').stem}{path.suffix}"
    return file_response(path, name, version.content_type)
