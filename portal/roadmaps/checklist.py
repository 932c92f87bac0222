"""A region's presence checklist (issue 11 §6): which documents and answers make it up.

Its columns are the document kinds of the register the region chose
(``Region.presence_document_kinds``; none chosen yet: all eight, as before regions could
choose) followed by the ``yes_no`` and ``evidence`` items marked ``presence`` in the region's
forms, each answered from the organization's report of the form's latest period opened by
today (so the Krasnoyarsk list, «Наличие Приказа…», «Наличие Положения…», is a checklist of
evidence items).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.catalogue.definition import PRESENCE_KINDS
from portal.catalogue.models import Form, Indicator
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.reports.models import Period
from tenants.models import OrganizationType, Region


@dataclass(frozen=True)
class Column:
    """One column of the presence matrix: a document kind, or an item of a period's form."""

    key: str
    label: str
    short_label: str
    kind: DocumentKind | None = None
    indicator: Indicator | None = None
    period: Period | None = None

    def applies(self, org_type: OrganizationType) -> bool:
        """Whether organizations of this type are asked for it (documents: all of them)."""
        return self.indicator is None or self.indicator.applies(org_type)


def document_kinds(region: Region | None) -> list[DocumentKind]:
    """The document kinds of the region's checklist, in the register's order."""
    chosen = region.presence_document_kinds if region is not None else None
    if chosen is None:
        return list(DocumentKind)
    return [kind for kind in DocumentKind if kind.value in chosen]


def set_document_kinds(region: Region, kinds: list[str]) -> None:
    """Choose the document kinds of the region's checklist; all of them is the default."""
    chosen = [kind.value for kind in DocumentKind if kind.value in kinds]
    region.presence_document_kinds = None if len(chosen) == len(DocumentKind) else chosen
    db.session.flush()


def latest_periods(region: Region, today: date) -> list[Period]:
    """Each form of the region with its latest period opened by ``today`` (one query)."""
    ranked = (sa.select(Period.id, sa.func.row_number().over(
        partition_by=Period.form_id, order_by=(Period.starts_on.desc(), Period.id.desc()))
        .label("rank"))
        .join(Form, Form.id == Period.form_id)
        .where(Form.region_id == region.id, Period.opens_on <= today).subquery())
    return list(db.session.scalars(
        sa.select(Period).join(ranked, ranked.c.id == Period.id).where(ranked.c.rank == 1)
        .order_by(Period.form_id)))


def presence_items(region: Region | None, today: date) -> list[Column]:
    """The presence items of the region's forms as columns, each with its period."""
    if region is None:
        return []
    periods = {p.form_version_id: p for p in latest_periods(region, today)}
    if not periods:
        return []
    items = db.session.scalars(
        sa.select(Indicator).where(Indicator.form_version_id.in_(list(periods)),
                                   Indicator.presence, Indicator.retired_at.is_(None),
                                   Indicator.kind.in_(sorted(PRESENCE_KINDS)))
        .order_by(Indicator.form_version_id, Indicator.position, Indicator.id))
    return [Column(f"item:{i.id}", i.label(), i.label(), indicator=i,
                   period=periods[i.form_version_id]) for i in items]


def columns(region: Region | None, today: date) -> list[Column]:
    """Every column of the region's presence matrix, documents first."""
    return [Column(kind.value, kind.label, kind.short_label, kind=kind)
            for kind in document_kinds(region)] + presence_items(region, today)
