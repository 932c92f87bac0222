"""Reads of the documents register; the scope hook limits every one to the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.extensions import db
from tenants.models import Organization


@dataclass(frozen=True)
class RegisterEntry:
    """One line of an organization's register: the kind and its document, if any."""

    kind: DocumentKind
    document: Document | None

    @property
    def current(self) -> DocumentVersion | None:
        return self.document.current if self.document else None


def register(organization: Organization) -> list[RegisterEntry]:
    """Every kind of document with the organization's entry for it (two queries)."""
    documents = db.session.scalars(
        sa.select(Document).where(Document.organization_id == organization.id)
        .options(selectinload(Document.versions).joinedload(DocumentVersion.uploaded_by))
    ).all()
    by_kind = {d.kind: d for d in documents}
    return [RegisterEntry(kind, by_kind.get(kind)) for kind in DocumentKind]


def present_documents(organization: Organization) -> list[Document]:
    """The organization's documents that have a version, for choosing evidence."""
    stmt = (sa.select(Document)
            .where(Document.organization_id == organization.id, Document.current_number > 0)
            .order_by(Document.kind))
    return list(db.session.scalars(stmt))


def versions_of(document: Document) -> list[DocumentVersion]:
    """A document's history, newest first, with the uploaders."""
    stmt = (sa.select(DocumentVersion).where(DocumentVersion.document_id == document.id)
            .options(joinedload(DocumentVersion.uploaded_by))
            .order_by(DocumentVersion.number.desc()))
    return list(db.session.scalars(stmt))
