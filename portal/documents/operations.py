"""Writes of the documents register. They flush; the request commits.

Everything is validated before anything is written, so a refused upload leaves neither a
row nor a file behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import BinaryIO
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import clock
from portal.clock import utcnow
from portal.database import begin_writing
from portal.documents import storage
from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.documents.storage import UploadError
from portal.extensions import db
from portal.textcheck import too_long_for_columns
from tenants.models import Organization

MAX_URL_LENGTH = 2000


@dataclass
class Upload:
    """What the curator sent for one document; every part but the kind is optional."""

    kind: DocumentKind
    order_number: str | None = None
    order_date: date | None = None
    url: str | None = None
    stream: BinaryIO | None = None
    filename: str | None = None


def url_problem(url: str) -> str | None:
    """Why ``url`` is no http(s) link with a host (javascript:, data:…), or None if it is one.

    Says so without raising: a report value keeps an invalid link as its draft's error.
    """
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return _("The link is not a valid web address.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unbalanced [ in the host
        return _("The link is not a valid web address.")
    if parts.scheme.lower() not in ("http", "https") or not host:
        return _("Only web links that start with http:// or https:// are accepted.")
    return None


def clean_url(url: str | None) -> str | None:
    """An http(s) link with a host, or None; any other scheme (javascript:, data:) is refused."""
    url = (url or "").strip()
    if not url:
        return None
    problem = url_problem(url)
    if problem:
        raise UploadError(problem, "url")
    return url


def check(upload: Upload, today: date) -> tuple[storage.CheckedFile | None, str | None]:
    """Validate an upload completely; raise :class:`UploadError` with the first problem.

    ``today``: the day in the organization's region (an order cannot be dated later).
    """
    problem = too_long_for_columns({_("Number of the approving order"): (
        DocumentVersion.order_number, (upload.order_number or "").strip())})
    if problem:
        raise UploadError(problem, "order_number")
    url = clean_url(upload.url)
    checked = None
    if upload.stream is not None and (upload.filename or "").strip() != "":
        checked = storage.check_upload(upload.stream, upload.filename)
    if checked is None and url is None:
        raise UploadError(_("Attach a file or give a link."))
    if upload.order_date and upload.order_date > today:
        raise UploadError(_("The date of the order cannot be in the future."), "order_date")
    return checked, url


def add_version(organization: Organization, upload: Upload, uploaded_by_id: int | None,
                ) -> DocumentVersion:
    """Record a new version of a document; the previous ones stay in its history."""
    checked, url = check(upload, clock.today(organization.municipality.region))
    begin_writing()  # the file is read and checked: the writes follow, briefly
    document = db.session.scalar(sa.select(Document).where(
        Document.organization_id == organization.id, Document.kind == upload.kind))
    if document is None:
        document = Document(organization_id=organization.id, kind=upload.kind, current_number=0)
        db.session.add(document)
    document.current_number += 1
    document.updated_at = utcnow()
    version = DocumentVersion(
        document=document, organization_id=organization.id, number=document.current_number,
        order_number=(upload.order_number or "").strip() or None, order_date=upload.order_date,
        url=url, uploaded_by_id=uploaded_by_id,
    )
    if checked is not None:
        version.storage_name = storage.store(checked, organization.id)
        version.filename = checked.filename
        version.content_type = checked.type.mimetype
        version.size = len(checked.data)
        version.sha256 = checked.sha256
    db.session.add(version)
    try:
        db.session.flush()
    except Exception:
        if version.storage_name:
            storage.discard(version.storage_name)
        raise
    return version
