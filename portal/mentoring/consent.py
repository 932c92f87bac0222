"""The signed consent to personal-data processing, as a file of the documents store.

The file gets every check a document gets (:func:`portal.documents.storage.check_upload`:
name, size, real content type by structure) and lives in the same folder under a generated
name, but its row is a :class:`~portal.mentoring.models.ConsentFile`, a person-level model:
it never appears in the documents register, the presence check or anything else the
external contour reads.

A file on disk is not part of the transaction, so its removal waits for the commit: a
replaced or withdrawn consent's file is deleted only once the request's changes are
committed (a failed request keeps the old file, still referenced), and a file stored by a
request that rolls back is deleted at the rollback. Should the process die between the
commit and the deletion, the file is left without any row naming it: no route reaches it.
"""

from __future__ import annotations

from typing import BinaryIO

from flask_babel import gettext as _

from portal.clock import utcnow
from portal.documents import storage
from portal.extensions import db
from portal.mentoring.models import ConsentFile, Participant


def check(stream: BinaryIO, filename: str | None) -> storage.CheckedFile:
    """Every check of the documents store, and a document or image rather than a
    spreadsheet; raises :class:`storage.UploadError`."""
    checked = storage.check_upload(stream, filename)
    if checked.type is storage.XLSX:
        raise storage.UploadError(_("A signed consent is a document or a scan: PDF, DOCX, ODT, "
                                    "JPEG or PNG."))
    return checked


def attach(participant: Participant, checked: storage.CheckedFile,
           uploaded_by_id: int | None) -> ConsentFile:
    """Store ``checked`` as the participant's signed consent, replacing the previous one.

    The caller has checked EDIT and begun writing (the file was read and checked first).
    """
    if participant.anonymized_at is not None:
        raise storage.UploadError(
            _("The person withdrew consent; their data has been removed."))
    name = storage.store(checked, participant.organization_id)
    storage.discard_on_rollback(name)
    record = participant.consent_file
    if record is None:
        record = ConsentFile(organization_id=participant.organization_id,
                             participant=participant)
        db.session.add(record)
    else:
        storage.discard_on_commit(record.storage_name)
    record.storage_name, record.filename = name, checked.filename
    record.content_type, record.size = checked.type.mimetype, len(checked.data)
    record.sha256, record.uploaded_by_id = checked.sha256, uploaded_by_id
    record.uploaded_at = utcnow()
    db.session.flush()
    return record


def remove(participant: Participant) -> None:
    """Forget the participant's consent file (a withdrawal): the row now, the file at commit."""
    record = participant.consent_file
    if record is None:
        return
    storage.discard_on_commit(record.storage_name)
    participant.consent_file = None
    db.session.delete(record)
    db.session.flush()
