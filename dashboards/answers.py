"""Yes/no and evidence items on the regional and municipal dashboards (issue 11 §8).

Such an item is not summed or averaged: the dashboard shows the share of the counted
organizations that answered yes, and names the organizations (never persons) that answered
no. Only organizations of the viewer's scope are counted; a share of fewer than
:data:`dashboards.disclosure.MIN_GROUP` organizations is hidden, as every other value is
(:func:`dashboards.disclosure.too_small`), while the list of who answered no stays: each of
them is an organization the viewer may open anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from dashboards.disclosure import too_small
from dashboards.queries import Selection, organization_filter
from portal.catalogue.definition import PRESENCE_KINDS
from portal.catalogue.models import Indicator
from portal.extensions import db
from portal.reports.models import Report, ReportValue
from tenants.models import Organization
from tenants.scoping import Scope, scoped_select


@dataclass
class Answers:
    """How the counted organizations answered one yes/no or evidence item."""

    item: Indicator
    answered: int = 0
    yes: int = 0
    said_no: list[str] = field(default_factory=list)  # organizations' short names

    @property
    def share(self) -> float | None:
        """Percent answering yes among those that answered; None when too few answered."""
        if not self.answered or too_small(self.answered, 0):
            return None
        return round(100.0 * self.yes / self.answered, 1)

    @property
    def hidden(self) -> bool:
        """Whether the share is withheld for the minimum group."""
        return self.answered > 0 and too_small(self.answered, 0)


def yes_no_items(version_id: int | None) -> list[Indicator]:
    """The yes/no and evidence items in use in a form version, in form order."""
    if version_id is None:
        return []
    return list(db.session.scalars(
        scoped_select(Indicator).where(Indicator.form_version_id == version_id,
                                       Indicator.retired_at.is_(None),
                                       Indicator.kind.in_(sorted(PRESENCE_KINDS)))
        .order_by(Indicator.position, Indicator.id)))


def answers(version_id: int | None, selection: Selection, scope: Scope) -> list[Answers]:
    """Each yes/no and evidence item of the version with the answers of the counted reports
    of ``selection`` (its periods and states, the organizations of the viewer's scope)."""
    items = yes_no_items(version_id)
    if not items or not selection.period_ids:
        return []
    found = {i.id: Answers(i) for i in items}
    rows = db.session.execute(
        sa.select(ReportValue.indicator_id, ReportValue.value, Organization.short_name)
        .join(Report, Report.id == ReportValue.report_id)
        .join(Organization, Organization.id == Report.organization_id)
        .where(ReportValue.indicator_id.in_(sorted(found)), ReportValue.value.is_not(None),
               Report.period_id.in_(selection.period_ids), Report.state.in_(selection.states),
               *organization_filter(selection, scope))
        .order_by(Organization.short_name, Organization.id))
    for indicator_id, value, name in rows:
        entry = found[indicator_id]
        entry.answered += 1
        if value == 1:
            entry.yes += 1
        else:
            entry.said_no.append(name)
    return list(found.values())
