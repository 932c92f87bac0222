"""The register of mentoring documents: one entry per organization and kind, with versions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from tenants.models import Organization, _enum
from tenants.scoping import url_argument

if TYPE_CHECKING:
    from portal.auth.models import User


class DocumentKind(StrEnum):
    """The documents a municipal coordinator checks (DOMAIN.md §3), in the order of the list."""

    IMPLEMENTATION_ORDER = "implementation_order"
    REGULATION = "regulation"
    ROADMAP = "roadmap"
    CURATOR_ORDER = "curator_order"
    PAIRS_ORDER = "pairs_order"
    PROGRAMMES = "programmes"
    WEBSITE = "website"
    ANNUAL_REPORT = "annual_report"

    @property
    def label(self) -> str:
        return str(DOCUMENT_KIND_LABELS[self])

    @property
    def short_label(self) -> str:
        return str(DOCUMENT_KIND_SHORT_LABELS[self])


DOCUMENT_KIND_LABELS = {
    DocumentKind.IMPLEMENTATION_ORDER: _l("Order on implementing the target model of mentoring"),
    DocumentKind.REGULATION: _l("Regulation on the mentoring system"),
    DocumentKind.ROADMAP: _l("Roadmap of implementing the target model"),
    DocumentKind.CURATOR_ORDER: _l("Order appointing the curator"),
    DocumentKind.PAIRS_ORDER: _l("Orders assigning mentoring pairs and groups"),
    DocumentKind.PROGRAMMES: _l("Personalised mentoring programmes"),
    DocumentKind.WEBSITE: _l("The «Mentoring» section of the website"),
    DocumentKind.ANNUAL_REPORT: _l("Annual analytical report of the curator"),
}
# Column headers of the presence matrix: the full names do not fit.
DOCUMENT_KIND_SHORT_LABELS = {
    DocumentKind.IMPLEMENTATION_ORDER: _l("Implementation order"),
    DocumentKind.REGULATION: _l("Regulation"),
    DocumentKind.ROADMAP: _l("Roadmap"),
    DocumentKind.CURATOR_ORDER: _l("Curator order"),
    DocumentKind.PAIRS_ORDER: _l("Pairs orders"),
    DocumentKind.PROGRAMMES: _l("Programmes"),
    DocumentKind.WEBSITE: _l("Website section"),
    DocumentKind.ANNUAL_REPORT: _l("Annual report"),
}


class Document(db.Model):
    """An organization's entry for one kind of document; present once it has a version."""

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("organization_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "document_kind"))
    # The number of the current version; versions are never rewritten, only added.
    current_number: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number.desc()",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> DocumentVersion | None:
        """The version in force (the latest one)."""
        return next((v for v in self.versions if v.number == self.current_number), None)

    def __repr__(self) -> str:
        return f"<Document {self.kind} org={self.organization_id}>"


class DocumentVersion(db.Model):
    """One upload of a document: the file and/or link with its approving order."""

    __tablename__ = "document_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    number: Mapped[int]
    order_number: Mapped[str | None] = mapped_column(sa.String(100))
    order_date: Mapped[date | None]
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    # The file on disk: a generated name relative to the documents folder, never the user's.
    storage_name: Mapped[str | None] = mapped_column(sa.String(255))
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def has_file(self) -> bool:
        return self.storage_name is not None

    def __repr__(self) -> str:
        return f"<DocumentVersion {self.document_id}#{self.number}>"


url_argument("document_id", "document", Document, parents=("organization",))
url_argument("version_id", "version", DocumentVersion, parents=("document",))
