"""The reports a request loaded, kept in step with the rows ``save_values_many`` writes past
the ORM, so that nothing is read twice in the deadline's hot path (see
tests/test_deadline_queries.py).

A report's values change only together with its version (every write of values bumps it), so
values loaded with a report at the version the save has just locked are the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.reports.models import Report, ReportValue

Stored = dict[int, dict[int, tuple[int, str]]]  # (value id, raw) by report and indicator id


def stored_values(reports: Iterable[Report], versions: Mapping[int, int]) -> Stored:
    """(value id, raw) by report id and indicator id: from the loaded values where they are
    current (loaded at the locked version), from one query for the others."""
    found: Stored = {}
    unread = []
    for report in reports:
        loaded = sa.inspect(report).dict
        if "values" in loaded and loaded.get("version") == versions[report.id]:
            found[report.id] = {v.indicator_id: (v.id, v.raw or "") for v in loaded["values"]}
        else:
            unread.append(report.id)
    if unread:
        for value_id, report_id, indicator_id, raw in db.session.execute(
                sa.select(ReportValue.id, ReportValue.report_id, ReportValue.indicator_id,
                          ReportValue.raw).where(ReportValue.report_id.in_(unread))):
            found.setdefault(report_id, {})[indicator_id] = (value_id, raw or "")
    return found


def insert_values(rows: Sequence[dict], reports: Iterable[Report]) -> dict[int, list[ReportValue]]:
    """Insert the new values and return, by report id, those of the ``reports`` whose values
    are loaded (the form's report: one statement with RETURNING keeps them current). The
    others - a municipal file's hundreds of reports - are inserted without building objects
    nobody reads (RETURNING into ORM objects tripled the time of a 12,000-value file)."""
    with_loaded = {r.id for r in reports if "values" in sa.inspect(r).dict}
    kept = [row for row in rows if row["report_id"] in with_loaded]
    rest = [row for row in rows if row["report_id"] not in with_loaded]
    if rest:
        db.session.execute(sa.insert(ReportValue), rest)
    inserted: dict[int, list[ReportValue]] = {}
    if kept:
        for value in db.session.scalars(sa.insert(ReportValue).returning(ReportValue), kept):
            inserted.setdefault(value.report_id, []).append(value)
    return inserted


def written(report: Report, columns: Mapping[str, Any], updated: Mapping[int, dict],
            inserted: Sequence[ReportValue]) -> None:
    """What was written to ``report`` past the ORM, as if it had been loaded so: its
    ``columns`` and, where they were loaded, its values (``updated`` by value id)."""
    for key, value in columns.items():
        set_committed_value(report, key, value)
    loaded = sa.inspect(report).dict.get("values")
    if loaded is None:
        db.session.expire(report, ["values"])
        return
    for value in loaded:
        if value.id in updated:
            set_committed_value(value, "raw", updated[value.id]["new_raw"])
            set_committed_value(value, "value", updated[value.id]["new_value"])
    set_committed_value(report, "values", [*loaded, *inserted])
