"""Uploaded files: the type is read from the structure, files live under generated names.

Files are kept in a folder outside any static folder (``DOCUMENTS_PATH``, default
``<instance>/documents``) and are only ever served by the scoped download view.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.database import Refusal
from portal.documents.archives import identify_archive
from portal.documents.content import ContentRejected
from portal.documents.content import identify as identify_content
from portal.extensions import db
from portal.files import private_folder, write_private

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILENAME_LENGTH = 200
# Letters and digits of any script, and the punctuation people put in document names.
_FILENAME_OK = re.compile(r"^[\w .,()\[\]«»№+'-]+$")


class UploadError(Refusal):
    """The upload cannot be accepted; the message says why, in the user's language."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.field = field  # the form field the problem belongs to


@dataclass(frozen=True)
class FileType:
    """A file type the register accepts."""

    extension: str
    mimetype: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "DOCX")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "XLSX")
ODT = FileType("odt", "application/vnd.oasis.opendocument.text", "ODT")
JPEG = FileType("jpg", "image/jpeg", "JPEG")
PNG = FileType("png", "image/png", "PNG")
ACCEPTED = (PDF, DOCX, ODT, XLSX, JPEG, PNG)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, ready to be stored."""

    data: bytes
    filename: str
    type: FileType

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def documents_folder() -> Path:
    """Where the files live: ``DOCUMENTS_PATH`` or ``PORTAL_DOCUMENTS_PATH``, else the instance."""
    configured = (current_app.config.get("DOCUMENTS_PATH")
                  or os.environ.get("PORTAL_DOCUMENTS_PATH"))
    return Path(configured) if configured else Path(current_app.instance_path) / "documents"


def read_limited(stream: BinaryIO, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read at most ``limit`` bytes; a longer stream is refused without reading it all."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    return data


def clean_filename(name: str | None) -> str:
    """The user's file name if it is a plain name; path parts and odd characters are refused."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise UploadError(_("The file has no name."))
    if "/" in name or "\\" in name or name.startswith(".") or ":" in name:
        raise UploadError(_("The file name must not contain folders or start with a dot."))
    if len(name) > MAX_FILENAME_LENGTH or not _FILENAME_OK.match(name):
        raise UploadError(_("The file name contains characters that are not allowed. Use letters, "
                            "digits, spaces and . , - ( ) № only."))
    return name


BY_KIND = {"pdf": PDF, "docx": DOCX, "xlsx": XLSX, "odt": ODT, "jpeg": JPEG, "png": PNG}


def identify(data: bytes) -> FileType | None:
    """The accepted type ``data`` really is, judged by its structure; None if none.

    Raises :class:`UploadError` when the file starts like an accepted type but is not one
    (an HTML page behind ``%PDF-``, a macro-enabled document, an unsafe archive).
    """
    try:
        kind = identify_archive(data) if data.startswith(b"PK\x03\x04") else identify_content(data)
    except ContentRejected as problem:
        raise UploadError(str(problem)) from problem
    return BY_KIND.get(kind) if kind else None


def detect_type(data: bytes) -> FileType | None:
    """The accepted type ``data`` is, or None when it is none or its structure is refused."""
    try:
        return identify(data)
    except UploadError:
        return None


def check_upload(stream: BinaryIO, filename: str | None) -> CheckedFile:
    """Apply every check to an uploaded file: name, size, emptiness and real content type."""
    name = clean_filename(filename)
    data = read_limited(stream)
    if not data:
        raise UploadError(_("The file is empty."))
    file_type = identify(data)
    if file_type is None:
        raise UploadError(_("The content of the file is not PDF, DOCX, ODT, XLSX, JPEG or PNG "
                            "(whatever its name says)."))
    return CheckedFile(data, name, file_type)


def store(checked: CheckedFile, organization_id: int) -> str:
    """Write the file under a generated name; return that name, relative to the folder."""
    relative = f"{organization_id}/{uuid.uuid4().hex}.{checked.type.extension}"
    target = documents_folder() / relative
    private_folder(documents_folder())
    private_folder(target.parent)
    partial = target.with_suffix(".part")
    write_private(partial, checked.data)
    os.replace(partial, target)  # readers never see half a file
    return relative


def path_of(storage_name: str) -> Path | None:
    """The absolute path of a stored file, or None if it is missing or outside the folder."""
    folder = documents_folder().resolve()
    path = (folder / storage_name).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def discard(storage_name: str) -> None:
    """Remove a stored file whose database row was not written (a failed request)."""
    path = path_of(storage_name)
    if path is not None:
        path.unlink(missing_ok=True)


# A stored file is not part of the transaction that references it: a file stored by a
# transaction that rolls back is deleted at the rollback; one replaced or removed by a
# transaction only once it has committed (until then the old row still points at it).
_ON_COMMIT = "stored_files_discarded_on_commit"
_ON_ROLLBACK = "stored_files_discarded_on_rollback"


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for name in session.info.pop(_ON_COMMIT, []):
        discard(name)
    session.info.pop(_ON_ROLLBACK, None)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    for name in session.info.pop(_ON_ROLLBACK, []):
        discard(name)
    session.info.pop(_ON_COMMIT, None)


def discard_on_commit(storage_name: str | None) -> None:
    """Delete the stored file once the current transaction commits (its row replaced)."""
    if storage_name:
        db.session.info.setdefault(_ON_COMMIT, []).append(storage_name)


def discard_on_rollback(storage_name: str | None) -> None:
    """Delete the file just stored if the current transaction rolls back (no row kept)."""
    if storage_name:
        db.session.info.setdefault(_ON_ROLLBACK, []).append(storage_name)
