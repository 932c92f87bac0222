"""Personalised programmes for the isolation walk (tests/test_isolation.py).

Each organization's pair (tests/isolation_mentoring.py) gets a programme with one plan
event; MARKERS gives the text of each object that must never appear outside its
organization.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.programmes import operations
from portal.programmes.models import Direction, PlanEvent, Programme
from tests.isolation_mentoring import _pair


def _programme(factory, org):
    found = db.session.scalars(sa.select(Programme).filter_by(organization_id=org.id)).first()
    if found:
        return found
    programme = operations.create_programme(_pair(factory, org), operations.ProgrammeData(
        starts_on=date(2025, 9, 15), ends_on=date(2026, 5, 31),
        goal=f"ISOGOAL-{org.id}", problem=f"ISODEFICIT-{org.id}"))
    operations.add_event(programme, operations.PlanEventData(
        direction=Direction.METHODICAL, title=f"ISOEVENT-{org.id}", dates="октябрь"))
    return programme


def _plan_event(factory, org):
    return _programme(factory, org).events[0]


BUILDERS = {"programme_id": _programme, "plan_event_id": _plan_event}
MARKERS = {Programme: lambda programme: programme.goal, PlanEvent: lambda event: event.title}
