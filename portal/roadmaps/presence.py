"""The presence check: organizations × the region's checklist, roadmaps and overdue events.

The checklist (:mod:`portal.roadmaps.checklist`) is the region's document kinds and the
presence items of its forms. A fixed number of queries whatever the number of
organizations: the checklist, the organizations, their current documents, their answers to
the presence items, their roadmaps of the school year, and their overdue events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.documents.models import Document, DocumentKind, DocumentVersion
from portal.extensions import db
from portal.reports.models import Report, ReportValue
from portal.roadmaps import checklist, schoolyear
from portal.roadmaps.checklist import Column
from portal.roadmaps.models import Roadmap, RoadmapEvent
from portal.roadmaps.queries import overdue_counts
from tenants.models import Municipality, Organization, Region


@dataclass(frozen=True)
class Cell:
    """One document of one organization: present (with its date) or missing."""

    present: bool
    day: date | None = None
    stale: bool = False  # the roadmap is not updated for the current school year
    applies: bool = True  # an item the organization's type is not asked: not counted


@dataclass
class Row:
    """One organization of the matrix."""

    organization: Organization
    cells: dict[str, Cell]  # by column key
    roadmap_id: int | None = None  # its roadmap of the current school year
    events: int = 0
    overdue: int = 0

    @property
    def complete(self) -> bool:
        return all(c.present and not c.stale for c in self.cells.values() if c.applies)

    @property
    def missing(self) -> int:
        return sum(not c.present for c in self.cells.values() if c.applies)


@dataclass
class Matrix:
    """The whole check with the totals of each column."""

    school_year: int
    today: date
    rows: list[Row] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)

    @property
    def present_counts(self) -> dict[str, int]:
        counts = Counter(k for r in self.rows for k, c in r.cells.items() if c.present)
        return {column.key: counts[column.key] for column in self.columns}

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


def presence_matrix(organizations: sa.Select, today: date,
                    region: Region | None = None) -> Matrix:
    """Build the matrix for the organizations selected by ``organizations`` (already scoped),
    with the columns of ``region``'s checklist (None: the eight document kinds)."""
    school_year = schoolyear.school_year_of(today)
    matrix = Matrix(school_year, today, columns=checklist.columns(region, today))
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
    cells: dict[int, dict[str, Cell]] = {
        o.id: {c.key: Cell(False, applies=c.applies(o.type)) for c in matrix.columns}
        for o in orgs}
    for org_id, kind, order_date, uploaded_at in documents:
        stale = kind is DocumentKind.ROADMAP and org_id not in roadmaps
        if kind.value in cells[org_id]:
            cells[org_id][kind.value] = Cell(True, order_date or uploaded_at.date(), stale)
    for org_id, key in _answered(ids, matrix.columns):
        if cells[org_id][key].applies:
            cells[org_id][key] = Cell(True)
    for org in orgs:
        roadmap_id, events = roadmaps.get(org.id, (None, 0))
        matrix.rows.append(Row(org, cells[org.id], roadmap_id, events, overdue.get(org.id, 0)))
    return matrix


def _answered(ids: sa.Select, columns: list[Column]) -> list[tuple[int, str]]:
    """(organization id, column key) of the presence items answered present (one query)."""
    items = [c for c in columns if c.indicator is not None]
    if not items:
        return []
    pairs = sa.or_(*(sa.and_(Report.period_id == c.period.id,
                             ReportValue.indicator_id == c.indicator.id) for c in items))
    rows = db.session.execute(
        sa.select(Report.organization_id, ReportValue.indicator_id)
        .join(ReportValue, ReportValue.report_id == Report.id)
        .where(Report.organization_id.in_(ids), pairs, ReportValue.value == 1))
    return [(org_id, f"item:{indicator_id}") for org_id, indicator_id in rows]


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
