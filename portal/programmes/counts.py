"""Counts of programmes for reports and the external contour: numbers only, never a row.

Programmes are personal-data models (the hook gives the external contour no row of them),
so the counts are a Core statement on the table tagged ``mentoring.counts``
(:data:`tenants.opt_out.CORE_STATEMENTS`): GROUP BY over one organization that the request
already loaded through the scope (VIEW).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def programme_counts(organization: Organization) -> ProgrammeCounts:
    """How many of ``organization``'s programmes run, were implemented in full, ended early."""
    stmt = (sa.select(_PROGRAMMES.c.status, sa.func.count()).select_from(_PROGRAMMES)
            .where(_PROGRAMMES.c.organization_id == organization.id)
            .group_by(_PROGRAMMES.c.status))
    rows = db.session.execute(core_statement(stmt, "mentoring.counts")).all()
    return ProgrammeCounts(**{ProgrammeStatus(status).value: n for status, n in rows})
