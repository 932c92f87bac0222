"""Counts of programmes for reports and the external contour: numbers only, never a row.

Programmes are personal-data models (the hook gives the external contour no row of them),
so the counts are a Core statement on the table tagged ``mentoring.counts``
(:data:`tenants.opt_out.CORE_STATEMENTS`): GROUP BY over one organization that the request
already loaded through the scope (VIEW).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.programmes.models import Programme, ProgrammeStatus
from tenants.models import Organization
from tenants.scoping import core_statement

_PROGRAMMES = Programme.__table__


@dataclass(frozen=True)
class ProgrammeCounts:
    """Programmes of one organization by status (issue 12 item 5: the report's prefill)."""

    active: int = 0
    completed: int = 0
    ended_early: int = 0

    @property
    def total(self) -> int:
        return self.active + self.completed + self.ended_early


def programme_counts(organization: Organization, ended_from: date | None = None,
                     ended_to: date | None = None) -> ProgrammeCounts:
    """How many of ``organization``'s programmes run, were implemented in full, ended early.

    ``ended_from``/``ended_to`` (a report's period, both days included) count only the
    programmes that ended within it; the running ones are counted whatever the bounds.
    """
    columns = _PROGRAMMES.c
    ended = sa.true()
    if ended_from is not None:
        ended = sa.and_(ended, columns.ended_on >= ended_from)
    if ended_to is not None:
        ended = sa.and_(ended, columns.ended_on <= ended_to)
    stmt = (sa.select(columns.status, sa.func.count()).select_from(_PROGRAMMES)
            .where(columns.organization_id == organization.id,
                   sa.or_(columns.status == ProgrammeStatus.ACTIVE.value, ended))
            .group_by(columns.status))
    rows = db.session.execute(core_statement(stmt, "mentoring.counts")).all()
    return ProgrammeCounts(**{ProgrammeStatus(status).value: n for status, n in rows})
