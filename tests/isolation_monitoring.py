"""Monitoring objects for the isolation walk (tests/test_isolation.py).

Each organization's pair (tests/isolation_mentoring.py) gets a stage-1 record whose text is
distinctive, and its mentee a questionnaire before the programme; MARKERS gives the record's
text, which must never appear outside its organization.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.monitoring import operations
from portal.monitoring.definitions import Stage
from portal.monitoring.models import MonitoringRecord
from tests.isolation_mentoring import _pair


def _record(factory, org):
    pair = _pair(factory, org)
    found = db.session.scalars(sa.select(MonitoringRecord).filter_by(pair_id=pair.id)).first()
    if found is not None:
        return found
    record = operations.save_record(pair, date(2025, 10, 1), date(2025, 12, 31), {
        "results_risks": operations.Entry(text=f"ISOMONITOR-{org.id}"),
        "joint_projects": operations.Entry(number=2, text="ISOPROJECTS")})
    mentee = next(m.participant for m in pair.members if m.side.value == "mentee")
    operations.save_answers(pair, mentee, Stage.BEFORE, date(2025, 9, 20), {
        "results": 4, "motivation": 5, "innovation": 3, "adaptation": 4, "plans_mentor": 0,
        "plans_mentee": 1})
    return record


def _member(factory, org):
    return _record(factory, org).pair.members[0]


BUILDERS = {"monitoring_record_id": _record, "pair_member_id": _member}
MARKERS = {MonitoringRecord: lambda record: record.value("results_risks").text}
