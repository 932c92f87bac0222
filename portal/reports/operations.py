"""Writes of the reports module: values and the audit log (workflow: workflow; periods:
period_operations).

Every function flushes and never commits; the request (or CLI command) commits once.
Callers pass objects already resolved through the scope and checked for the action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import Indicator
from portal.clock import utcnow
from portal.database import Refusal
from portal.extensions import db
from portal.reports import loaded, notes, prefill, queries, started
from portal.reports.models import (
    EDITABLE_STATES,
    AuditEntry,
    Period,
    Report,
    ReportState,
    ReportValue,
)
from portal.reports.validation import Outcome, check
from portal.reports.values import Parsed, parse_value
from tenants.models import Organization


class ReportError(Refusal):
    """A user-facing refusal (message already translated); nothing was changed."""


class ConflictError(ReportError):
    """Somebody else saved the report since this form was opened."""


class AlreadySubmitted(ReportError):
    """The report is already on its way: a repeated submit (double click) changes nothing."""


class SubmissionBlocked(ReportError):
    """Submission refused by validation; ``outcome`` lists the problems."""

    def __init__(self, outcome: Outcome):
        super().__init__(self.message())
        self.outcome = outcome

    @staticmethod
    def message() -> str:
        """What the user is told when the checks block a submission."""
        return _("The report has errors; correct them before submitting.")


def audit(org_id: int, report: Report | None, user: Any, source: str, action: str,
          field: str = "", old: Any = None, new: Any = None, note: str = "") -> AuditEntry:
    """Record one change (who, when, old → new, from where)."""
    entry = AuditEntry(organization_id=org_id, report=report, user_id=getattr(user, "id", None),
                       source=source, action=action, field=field,
                       old=None if old is None else str(old),
                       new=None if new is None else str(new), note=note)
    db.session.add(entry)
    return entry


def ensure_report(org: Organization, period: Period) -> Report:
    """The organization's report for the period, created as an empty draft if needed."""
    return ensure_reports([org], period)[org.id]


def ensure_reports(orgs: Sequence[Organization], period: Period) -> dict[int, Report]:
    """The organizations' reports for the period by organization id, the missing ones
    created as empty drafts (a query and an INSERT, whatever the number)."""
    found = {r.organization_id: r for r in db.session.scalars(sa.select(Report).where(
        Report.period_id == period.id, Report.organization_id.in_([o.id for o in orgs])))}
    missing = [org.id for org in orgs if org.id not in found]
    if missing:
        found.update(start_reports(missing, period))
    return found


def start_reports(org_ids: Sequence[int], period: Period) -> dict[int, Report]:
    """New empty drafts of organizations that have none, by organization id: one INSERT
    returning them, not one per report (municipal files), their values known to be none."""
    if not period.is_open:
        raise ReportError(_("The period is closed; reports cannot be started."))
    reports = started.insert_drafts(org_ids, period)
    if len(reports) < len(set(org_ids)):  # closed meanwhile, as the INSERT found the period
        raise ReportError(_("The period is closed; reports cannot be started."))
    return {r.organization_id: r for r in reports}


def check_editable(report: Report, expected_version: int | None) -> None:
    """Refuse (nothing changed) a stale ``expected_version`` or a report that may not change."""
    if expected_version is not None and expected_version != report.version:
        raise ConflictError(_conflict())
    _check_state(report.state, report.period.is_open)


def _check_state(state: ReportState, period_is_open: bool) -> None:
    if state not in EDITABLE_STATES:
        raise ReportError(_("The report is %(state)s and cannot be changed.", state=state.label))
    if not period_is_open and state is ReportState.DRAFT:
        raise ReportError(_("The period is closed; reports cannot be started."))


def _conflict() -> str:
    return _("Somebody else saved this report while you were editing it. Your changes were not "
             "saved; reload the page to see the current values.")


def parse_cells(indicators: list[Indicator], cells: Mapping[str, Any]) -> dict[str, Parsed]:
    """Parse the cells given for the report's indicators (unknown codes are ignored; cells
    parsed already, before the write lock, are kept as they are)."""
    return {i.code: cell if isinstance(cell := cells[i.code], Parsed) else parse_value(i, cell)
            for i in indicators if i.code in cells}


def save_values(report: Report, cells: Mapping[str, Any], *, user: Any, source: str,
                expected_version: int | None = None, comment: str | None = None,
                explanations: Mapping[str, str] | None = None,
                validated: bool = True,
                register: prefill.RegisterCheck | None = None) -> Outcome | None:
    """Store typed values (invalid ones too: a draft never loses input) and validate
    (unless ``validated=False``: the caller checks them itself, as a submission does).

    With ``register`` (the form's save) a value that differs from the register's needs its
    reason, else the save is refused; the register's values and the reasons are stored.
    Raises :class:`ConflictError` when ``expected_version`` is stale.
    """
    indicators = catalogue_queries.indicators_for(report, report.organization.type)
    save_values_many([ValuesUpdate(report, parse_cells(indicators, cells), expected_version,
                                   comment, explanations, register)], indicators, user=user,
                     source=source)
    return validate(report, indicators) if validated else None


class CellValue(Protocol):
    """What the write path reads of a value (a :class:`Parsed` one, or a previewed change)."""

    raw: str
    value: Decimal | None


@dataclass
class ValuesUpdate:
    """What one save changes in one report: parsed values by indicator code and, from the
    form, the comment and the explanations; ``expected_version`` guards against lost
    updates (default: the version loaded with ``report``)."""

    report: Report
    values: Mapping[str, CellValue]
    expected_version: int | None = None
    comment: str | None = None
    explanations: Mapping[str, str] | None = None
    register: prefill.RegisterCheck | None = None  # the form's: checked against the register


def save_values_many(updates: Sequence[ValuesUpdate], indicators: Sequence[Indicator], *,
                     user: Any, source: str) -> int:
    """The one write path of report values (form, report file, municipal file); returns the
    number of values written.

    Every report is locked and checked (version, state, period) before anything is written.
    Then, in a few statements whatever the number of reports: the values (invalid ones too),
    one audit entry per changed value and comment, and for each changed report its editor,
    time and version + 1. ``indicators`` must hold every code of ``updates``.
    """
    db.session.flush()  # pending ORM changes first: the reports are expired below
    versions = _lock(updates)
    indicator_ids = {i.code: i.id for i in indicators}
    stored = loaded.stored_values([u.report for u in updates], versions)
    rows = _Rows(utcnow(), getattr(user, "id", None), source)
    for update in updates:
        report = update.report
        values = rows.add_values(report, stored.get(report.id, {}), update.values,
                                 indicator_ids)
        changes = _notes(report, update, indicators)
        if changes.get("comment") is not None:
            rows.audit(report.organization_id, report.id, "comment", "comment", report.comment,
                       changes["comment"])
        if values or changes:
            rows.touched.append((report, versions[report.id], changes))
    rows.write()
    return rows.written


def _lock(updates: Sequence[ValuesUpdate]) -> dict[int, int]:
    """Lock the reports (PostgreSQL) and check each may change, as stored; versions by id.

    A draft this transaction inserted is its own already, as inserted: not re-read."""
    ids = [u.report.id for u in updates]
    rows = {report_id: (version, ReportState.DRAFT, True)
            for report_id, version in started.take_started(ids).items()}
    if len(rows) < len(set(ids)):
        rows.update({report_id: (version, state, is_open)
                     for report_id, version, state, is_open in db.session.execute(
                         sa.select(Report.id, Report.version, Report.state, Period.is_open)
                         .join(Period, Period.id == Report.period_id)
                         .where(Report.id.in_([i for i in ids if i not in rows]))
                         .with_for_update(of=Report))})
    for update in updates:
        if update.report.id not in rows:
            raise ConflictError(_conflict())  # deleted meanwhile
        version, state, is_open = rows[update.report.id]
        expected = update.expected_version
        if expected is None:  # the version this request loaded, if it did (not expired)
            expected = sa.inspect(update.report).dict.get("version")
        if expected is not None and expected != version:
            raise ConflictError(_conflict())
        _check_state(state, is_open)
    return {report_id: row[0] for report_id, row in rows.items()}


def _notes(report: Report, update: ValuesUpdate, indicators: Iterable[Indicator]
           ) -> dict[str, Any]:
    """The comment and explanations that change, by column: within their limits, and only
    explanations of warnings that the values after this update raise."""
    changes: dict[str, Any] = {}
    problem = notes.too_long(update.comment, notes.COMMENT_MAX, "comment")
    if update.comment is not None and update.comment != report.comment:
        changes["comment"] = update.comment
    if update.explanations is not None:
        # Only written explanations of warnings are kept: none written, no warnings to find.
        warned = validate(report, list(indicators), overlay=update.values).warnings if any(
            text and text.strip() for text in update.explanations.values()) else []
        cleaned = notes.explanations_for(update.explanations, (w.key for w in warned))
        problem = problem or notes.explanation_problem(cleaned)
        if cleaned != (report.explanations or {}):
            changes["explanations"] = cleaned
    if update.register is not None and not problem:
        stored, problem = prefill.notes_for(update.register, _numbers_after(report, update,
                                                                             indicators))
        if not problem and stored != (report.register_values or {}):
            changes["register_values"] = stored
    refuse_if(problem)
    return changes


def _numbers_after(report: Report, update: ValuesUpdate, indicators: Iterable[Indicator]
                   ) -> dict[str, Decimal | None]:
    """The report's numbers by item code once ``update`` is written."""
    codes = {i.id: i.code for i in indicators}
    numbers = {codes[v.indicator_id]: v.value for v in report.values if v.indicator_id in codes}
    numbers.update({code: cell.value for code, cell in update.values.items()})
    return numbers


class _Rows:
    """The rows one save writes, collected to be written with one executemany per kind."""

    def __init__(self, now, user_id: int | None, source: str) -> None:
        self.now, self.user_id, self.source = now, user_id, source
        self.inserts: list[dict] = []
        self.updates: list[dict] = []
        self.audits: list[dict] = []
        self.touched: list[tuple[Report, int, dict[str, Any]]] = []
        self.written = 0

    def add_values(self, report: Report, stored: dict[int, tuple[int, str]],
                   values: Mapping[str, CellValue], indicator_ids: Mapping[str, int]) -> int:
        """Collect the values that differ from the stored ones; how many."""
        count = 0
        report_id, org_id = report.id, report.organization_id  # read once: ~40 per report
        for code, cell in values.items():
            indicator_id = indicator_ids[code]
            value_id, old = stored.get(indicator_id, (None, ""))
            if (value_id is not None and old == cell.raw) or (value_id is None and not cell.raw):
                continue
            if value_id is None:
                self.inserts.append({"report_id": report_id, "indicator_id": indicator_id,
                                     "raw": cell.raw, "value": cell.value})
            else:
                self.updates.append({"value_id": value_id, "new_raw": cell.raw,
                                     "new_value": cell.value})
            self.audit(org_id, report_id, "value", code, old or None, cell.raw or None)
            count += 1
        self.written += count
        return count

    def audit(self, org_id: int, report_id: int, action: str, field: str, old: Any,
              new: Any) -> None:
        self.audits.append({"organization_id": org_id, "report_id": report_id,
                            "user_id": self.user_id, "at": self.now, "source": self.source,
                            "action": action, "field": field, "note": "",
                            "old": None if old is None else str(old),
                            "new": None if new is None else str(new)})

    def write(self) -> None:
        values = ReportValue.__table__
        inserted = loaded.insert_values(self.inserts, [r for r, _v, _c in self.touched])
        if self.updates:
            db.session.execute(
                values.update().where(values.c.id == sa.bindparam("value_id"))
                .values(raw=sa.bindparam("new_raw", type_=values.c.raw.type),
                        value=sa.bindparam("new_value", type_=values.c.value.type)),
                self.updates)
        if self.audits:
            db.session.execute(AuditEntry.__table__.insert(), self.audits)
        self._write_reports(inserted)

    def _write_reports(self, inserted: dict[int, list[ReportValue]]) -> None:
        """Editor, time and version + 1 of every changed report (the comment and the
        explanations too where they changed), checked against the locked version."""
        table = Report.__table__
        by_columns: dict[tuple[str, ...], list[dict]] = {}
        for report, version, changes in self.touched:
            by_columns.setdefault(tuple(sorted(changes)), []).append(
                {"report_id": report.id, "old_version": version, "new_version": version + 1,
                 "new_updated_at": self.now, "new_updated_by_id": self.user_id,
                 **{f"new_{k}": v for k, v in changes.items()}})
        for columns, params in by_columns.items():
            statement = table.update().where(
                table.c.id == sa.bindparam("report_id"),
                table.c.version == sa.bindparam("old_version")).values(
                **{c: sa.bindparam(f"new_{c}", type_=table.c[c].type)
                   for c in ("version", "updated_at", "updated_by_id", *columns)})
            if db.session.execute(statement, params).rowcount != len(params):
                raise ConflictError(_conflict())
        updated = {row["value_id"]: row for row in self.updates}
        for report, version, changes in self.touched:  # written past the ORM: as if loaded
            loaded.written(report, {"version": version + 1, "updated_at": self.now,
                                    "updated_by_id": self.user_id, **changes},
                           updated, inserted.get(report.id, []))


def validate(report: Report, indicators: list[Indicator] | None = None, *,
             for_submission: bool = False, overlay: Mapping[str, Parsed] | None = None
             ) -> Outcome:
    """Run the checks over the stored values of a report (with ``overlay`` over them)."""
    indicators = indicators or catalogue_queries.indicators_for(report, report.organization.type)
    by_id = {i.id: i for i in indicators}
    parsed = {by_id[v.indicator_id].code: parse_value(by_id[v.indicator_id], v.raw,
                                                      has_file=v.has_file)
              for v in report.values if v.indicator_id in by_id}
    parsed.update(overlay or {})
    previous = queries.previous_values(report.organization, report.period)
    return check(indicators, parsed, catalogue_queries.active_rules(report), previous,
                 for_submission=for_submission, explanations=report.explanations or {})


def refuse_if(problem: str | None) -> None:
    """Refuse with ``problem`` (a translated message) when there is one."""
    if problem:
        raise ReportError(problem)
