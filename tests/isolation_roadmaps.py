"""Tenant-owned objects of roadmaps for the isolation walk (tests/test_isolation.py)."""

from __future__ import annotations

from portal.extensions import db
from portal.roadmaps import operations
from portal.roadmaps.models import Roadmap

SCHOOL_YEAR = 2025


def _roadmap(factory, org):
    roadmap = db.session.query(Roadmap).filter_by(organization_id=org.id,
                                                  school_year=SCHOOL_YEAR).first()
    return roadmap or operations.create_roadmap(org, SCHOOL_YEAR, None, from_template=True)


def _event(factory, org):
    return _roadmap(factory, org).events[0]


BUILDERS = {"roadmap_id": _roadmap, "event_id": _event}
