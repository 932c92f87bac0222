"""The presence check: organizations × document kinds, roadmaps and overdue events.

A fixed number of queries whatever the number of organizations: the organizations, their
current documents, their roadmaps of the school year, and their overdue events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.extensions import db
from portal.roadmaps import schoolyear
from portal.roadmaps.models import Roadmap, RoadmapEvent
from portal.roadmaps.queries import overdue_counts
from tenants.models import Municipality, Organization


@dataclass(frozen=True)
class Cell:
    """One document of one organization: present (with its date) or missing."""

    present: bool
    day: date | None = None
    stale: bool = False  # the roadmap is not updated for the current school year


@dataclass
class Row:
    """One organization of the matrix."""

    organization: Organization
    cells: dict[DocumentKind, Cell]
    roadmap_id: int | None = None  # its roadmap of the current school year
    events: int = 0
    overdue: int = 0

    @property
    def complete(self) -> bool:
        return all(c.present and not c.stale for c in self.cells.values())

    @property
    def missing(self) -> int:
        return sum(not c.present for c in self.cells.values())


@dataclass
class Matrix:
    """The whole check with the totals of each column."""

    school_year: int
    today: date
    rows: list[Row] = field(default_factory=list)

    @property
    def present_counts(self) -> dict[DocumentKind, int]:
        counts = Counter(k for r in self.rows for k, c in r.cells.items() if c.present)
        return {kind: counts[kind] for kind in DocumentKind}

    @property
    def with_roadmap(self) -> int:
        return sum(r.roadmap_id is not None for r in self.rows)

    @property
    def behind(self) -> list[Row]:
        """Organizations with overdue events, most overdue first."""
        return sorted((r for r in self.rows if r.overdue), key=lambda r: -r.overdue)

    @property
    def complete(self) -> int:
        return sum(r.complete for r in self.rows)


def presence_matrix(organizations: sa.Select, today: date) -> Matrix:
    """Build the matrix for the organizations selected by ``organizations`` (already scoped)."""
    school_year = schoolyear.school_year_of(today)
    matrix = Matrix(school_year, today)
    orgs = list(db.session.scalars(organizations.order_by(Organization.short_name)))
    if not orgs:
        return matrix
    ids = organizations.with_only_columns(Organization.id).order_by(None)
    documents = db.session.execute(
        sa.select(Document.organization_id, Document.kind, DocumentVersion.order_date,
                  DocumentVersion.uploaded_at)
        .join(DocumentVersion, sa.and_(DocumentVersion.document_id == Document.id,
                                       DocumentVersion.number == Document.current_number))
        .where(Document.organization_id.in_(ids))).all()
    roadmaps = {org_id: (roadmap_id, events) for org_id, roadmap_id, events in db.session.execute(
        sa.select(Roadmap.organization_id, Roadmap.id, sa.func.count(RoadmapEvent.id))
        .outerjoin(RoadmapEvent, RoadmapEvent.roadmap_id == Roadmap.id)
        .where(Roadmap.organization_id.in_(ids), Roadmap.school_year == school_year)
        .group_by(Roadmap.organization_id, Roadmap.id))}
    overdue = dict(db.session.execute(overdue_counts(ids, school_year, today)).all())
    cells: dict[int, dict[DocumentKind, Cell]] = {
        o.id: {kind: Cell(False) for kind in DocumentKind} for o in orgs}
    for org_id, kind, order_date, uploaded_at in documents:
        stale = kind is DocumentKind.ROADMAP and org_id not in roadmaps
        cells[org_id][kind] = Cell(True, order_date or uploaded_at.date(), stale)
    for org in orgs:
        roadmap_id, events = roadmaps.get(org.id, (None, 0))
        matrix.rows.append(Row(org, cells[org.id], roadmap_id, events, overdue.get(org.id, 0)))
    return matrix


@dataclass(frozen=True)
class MunicipalitySummary:
    """The presence check of one municipality in a line of the regional page."""

    municipality: Municipality
    organizations: int
    complete: int
    without_roadmap: int
    behind: int


def summarize(matrix: Matrix, municipalities: list[Municipality]) -> list[MunicipalitySummary]:
    """Per-municipality totals from a matrix of the whole region (no extra queries)."""
    rows_of: dict[int, list[Row]] = {m.id: [] for m in municipalities}
    for row in matrix.rows:
        rows_of.setdefault(row.organization.municipality_id, []).append(row)
    return [MunicipalitySummary(
        m, len(rows_of[m.id]), sum(r.complete for r in rows_of[m.id]),
        sum(r.roadmap_id is None for r in rows_of[m.id]),
        sum(bool(r.overdue) for r in rows_of[m.id])) for m in municipalities]
