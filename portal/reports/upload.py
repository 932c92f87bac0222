"""Uploading report files: read → preview (kept on the server) → confirm → all-or-nothing write.

A broken upload changes nothing: the file is read and checked completely before anything is
written, the preview is kept as a JSON file under the instance folder (never in the
database), and only the confirmation writes, in the one transaction of its request.

The preview stores what the file says (cells with their row and column, and the problems
of the file's structure); everything that depends on the database or on the user's language
(old values, range checks, the validation rules, messages) is worked out again each time it
is shown and once more on confirmation, so a message is always in the current language and
a confirmation never writes over a report changed since the preview (version check).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l

from portal.clock import utcnow
from portal.extensions import db
from portal.reports import operations, queries
from portal.reports.excel import FileRejected
from portal.reports.models import (AuditEntry, Indicator, Period, Report, ReportState,
                                   ReportValue)
from portal.reports.upload_parse import (KIND_BULK, KIND_REPORT,  # noqa: F401 - the API
                                         parse_bulk_file, parse_report_file)
from portal.reports.upload_store import discard, load, store  # noqa: F401 - the API
from portal.reports.validation import Problem, check
from portal.reports.values import Parsed, parse_value
from tenants.models import Organization, OrganizationType

UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # files of 20 MB and more are refused unread
SOURCE_UPLOAD, SOURCE_BULK = "upload", "bulk_upload"

CHANGE_LABELS = {"new": _l("new"), "changed": _l("changed"), "cleared": _l("cleared"),
                 "same": _l("unchanged"), "error": _l("error")}

# Problems of the file's structure, stored by key and worded when shown.
PROBLEMS = {
    "merged": _l("the cells %(ref)s are merged; unmerge them"),
    "formula": _l("the cell holds a formula (%(formula)s); type the number itself"),
    "no_code": _l("the indicator code is missing"),
    "unknown_code": _l("there is no indicator with the code “%(code)s”"),
    "retired": _l("the indicator “%(code)s” is no longer collected"),
    "not_applicable": _l("the indicator “%(code)s” does not apply to this type of "
                         "organization (%(type)s)"),
    "duplicate_code": _l("the indicator “%(code)s” is given twice (also in row %(other)d)"),
    "unknown_column": _l("“%(code)s” is not an indicator code"),
    "duplicate_column": _l("the indicator “%(code)s” has two columns"),
    "no_org_code": _l("the organization code is missing"),
    "duplicate_org": _l("the organization %(code)s is listed twice (also in row %(other)d)"),
    "closed_org": _l("the organization %(code)s is closed"),
    "extra_values": _l("the row has more values than columns; put a number with a decimal "
                       "comma in quotes or use “;” as the separator"),
}


@dataclass(frozen=True)
class RowProblem:
    """One problem, by row and column of the file, in the user's language."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return _("Column %(col)s: %(reason)s", col=self.column, reason=self.message)
        if not self.column:
            return _("Row %(row)d: %(reason)s", row=self.line, reason=self.message)
        return _("Row %(row)d, column %(col)s: %(reason)s", row=self.line, col=self.column,
                 reason=self.message)


@dataclass
class Change:
    """One value of the file against the stored one."""

    code: str
    label: str
    line: int
    column: str
    old: str
    new: str
    status: str  # new, changed, cleared, same, error
    error: str | None = None
    value: Decimal | None = None

    @property
    def writes(self) -> bool:
        return self.status in ("new", "changed", "cleared")


@dataclass
class OrgPreview:
    """What the file does to one organization's report."""

    organization: Organization
    line: int | None
    report: Report | None
    changes: list[Change]
    rule_problems: list[Problem]
    labels: dict[str, str]
    stale: bool = False
    refused: str | None = None  # why this report cannot be changed at all

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.writes]

    @property
    def state(self) -> str:
        return self.report.state.value if self.report else "not_started"

    def names(self, problem: Problem) -> str:
        """The indicators a rule problem is about, by their labels."""
        return "; ".join(self.labels[c] for c in dict.fromkeys(problem.codes) if c in self.labels)


@dataclass
class Preview:
    kind: str
    filename: str
    period: Period
    organizations: list[OrgPreview]
    problems: list[RowProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # block the whole file, no row

    @property
    def stale(self) -> bool:
        return any(o.stale for o in self.organizations)

    @property
    def change_count(self) -> int:
        return sum(len(o.writes) for o in self.organizations)

    @property
    def blocked(self) -> bool:
        """Errors block saving (warnings of the validation rules do not)."""
        return bool(self.problems or self.notices or self.stale)

    @property
    def can_save(self) -> bool:
        return not self.blocked and self.change_count > 0


# -- receiving the file --------------------------------------------------------------------

def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") if size else "0"


def read_upload(stream: BinaryIO) -> bytes:
    """The uploaded bytes, refused by size before being read (Werkzeug spooled it to disk)."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size >= UPLOAD_MAX_BYTES:
        raise FileRejected(_("The file is %(size)s MB; files must be smaller than %(limit)d MB.",
                             size=_megabytes(size), limit=UPLOAD_MAX_BYTES // 1024 // 1024))
    stream.seek(0)
    return stream.read()


def _cell_input(cell: dict) -> Any:
    if cell.get("t") == "date":
        try:
            return datetime.fromisoformat(cell["r"])
        except ValueError:
            return cell["r"]
    return cell["r"]


def _structural(problem: dict) -> RowProblem:
    params = dict(problem.get("a") or {})
    if "type" in params:
        params["type"] = OrganizationType(params["type"]).label
    return RowProblem(problem.get("l"), problem.get("k") or "",
                      str(PROBLEMS[problem["p"]]) % params)


def _stored_values(report_ids: list[int]) -> dict[int, dict[str, tuple[str, Decimal | None]]]:
    found: dict[int, dict[str, tuple[str, Decimal | None]]] = {}
    if not report_ids:
        return found
    rows = db.session.execute(
        sa.select(ReportValue.report_id, Indicator.code, ReportValue.raw, ReportValue.value)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(ReportValue.report_id.in_(report_ids)))
    for report_id, code, raw, value in rows:
        found.setdefault(report_id, {})[code] = (raw or "", value)
    return found


def _previous_values(org_ids: list[int], period: Period) -> dict[int, dict[str, Decimal]]:
    """Last quarter's numbers of many organizations in one query (the jump rule needs them)."""
    before = queries.previous_period(period)
    found: dict[int, dict[str, Decimal]] = {}
    if before is None or not org_ids:
        return found
    rows = db.session.execute(
        sa.select(Report.organization_id, Indicator.code, ReportValue.value)
        .join(ReportValue, ReportValue.report_id == Report.id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(Report.period_id == before.id, Report.organization_id.in_(org_ids),
               ReportValue.value.is_not(None)))
    for org_id, code, value in rows:
        found.setdefault(org_id, {})[code] = value
    return found


def _status(old: tuple[str, Decimal | None] | None, parsed: Parsed) -> str:
    if parsed.error:
        return "error"
    old_raw, old_value = old or ("", None)
    if parsed.blank:
        return "same" if old_raw == "" else "cleared"
    if old_raw == "":
        return "new"
    if old_value is not None and parsed.value is not None and old_value == parsed.value:
        return "same"  # 1200 for «1 200»: the number did not change
    return "same" if old_raw == parsed.raw else "changed"


def evaluate(payload: dict, period: Period, organizations: dict[int, Organization]) -> Preview:
    """The preview of a stored upload against the database as it is now.

    ``organizations`` are the ones the user may still change, by id (loaded through the
    scope by the caller); an entry for any other organization blocks the whole file.
    """
    preview = Preview(payload["kind"], payload.get("filename", ""), period, [],
                      [_structural(p) for p in payload.get("problems", [])])
    entries = payload.get("entries", [])
    if any(e["org"] not in organizations for e in entries):
        preview.notices.append(_("You can no longer report for some organizations of this "
                                 "file; upload it again."))
        return preview
    org_ids = [e["org"] for e in entries]
    reports = {r.organization_id: r for r in db.session.scalars(
        sa.select(Report).where(Report.period_id == period.id,
                                Report.organization_id.in_(org_ids or [-1])))}
    stored = _stored_values([r.id for r in reports.values()])
    previous = _previous_values(org_ids, period)
    catalogue = {i.code: i for i in queries.all_indicators()}
    by_type: dict[OrganizationType, list[Indicator]] = {}
    labels_by_type: dict[OrganizationType, dict[str, str]] = {}
    rules = queries.active_rules()
    for entry in entries:
        org = organizations[entry["org"]]
        if org.type not in by_type:
            by_type[org.type] = [i for i in catalogue.values()
                                 if i.retired_at is None and i.applies(org.type)]
            labels_by_type[org.type] = {i.code: i.label(org.type) for i in by_type[org.type]}
        applicable, labels = by_type[org.type], labels_by_type[org.type]
        applicable_codes = {i.code for i in applicable}
        report = reports.get(org.id)
        old = stored.get(report.id, {}) if report else {}
        changes = []
        file_parsed: dict[str, Parsed] = {}
        for cell in entry["cells"]:
            indicator = catalogue.get(cell["c"])
            if indicator is None or cell["c"] not in applicable_codes:
                # retired or moved since the upload: say so rather than write it
                preview.problems.append(RowProblem(cell["l"], cell["k"], str(
                    PROBLEMS["retired"]) % {"code": cell["c"]}))
                continue
            parsed = parse_value(indicator, _cell_input(cell))
            file_parsed[indicator.code] = parsed
            status = _status(old.get(indicator.code), parsed)
            changes.append(Change(indicator.code, labels[indicator.code], cell["l"], cell["k"],
                                  old.get(indicator.code, ("", None))[0], parsed.raw, status,
                                  parsed.error, parsed.value))
            if parsed.error:
                preview.problems.append(RowProblem(cell["l"], cell["k"], parsed.error))
        merged = {code: parse_value(catalogue[code], raw) for code, (raw, _v) in old.items()
                  if code in applicable_codes}
        merged.update(file_parsed)
        outcome = check(applicable, merged, rules, previous.get(org.id, {}))
        rule_problems = [p for p in outcome.problems
                         if p.key or not (set(p.codes) & set(file_parsed))]
        item = OrgPreview(org, entry.get("line"), report, changes, rule_problems, labels,
                          stale=(report.version if report else None) != entry.get("version"))
        item.refused = refusal(report, period) if item.writes else None
        if item.refused:
            if preview.kind == KIND_REPORT:
                preview.notices.append(item.refused)
            else:
                preview.problems.append(RowProblem(item.line, "", item.refused))
        preview.organizations.append(item)
    preview.problems.sort(key=lambda p: (p.line or 0, p.column))
    return preview


def refusal(report: Report | None, period: Period) -> str | None:
    """Why the report cannot take new values, or None."""
    if report is not None and not report.editable:
        return _("the report is %(state)s and cannot be changed", state=report.state.label)
    if not period.is_open and (report is None or report.state is ReportState.DRAFT):
        return _("the period is closed; reports cannot be started or changed")
    return None


# -- saving ----------------------------------------------------------------------------------

def stale_message() -> str:
    return _("Somebody changed the report after this file was uploaded. Nothing was saved; "
             "upload the file again to see the differences.")


def confirm_report(preview: Preview, organization: Organization, period: Period, user: Any,
                   payload: dict) -> int:
    """Write one organization's upload through the report operations; returns values written."""
    if preview.stale:
        raise operations.ConflictError(stale_message())
    if preview.blocked:
        raise operations.ReportError(_("The file has errors; nothing was saved. Correct the "
                                       "file and upload it again."))
    if not preview.change_count:
        raise operations.ReportError(_("The file changes nothing; there is nothing to save."))
    item = preview.organizations[0]
    cells = {c.code: c.new for c in item.writes}
    version = payload["entries"][0].get("version")
    report = operations.ensure_report(organization, period)
    operations.save_values(report, cells, user=user, source=SOURCE_UPLOAD,
                           expected_version=report.version if version is None else version)
    return len(cells)


def confirm_bulk(preview: Preview, period: Period, user: Any) -> tuple[int, int]:
    """Write a municipal upload in a few statements; returns (reports, values) written.

    The same writes as :func:`operations.save_values` (values, one audit entry per change,
    report version and editor), batched: one SELECT of the reports, one of the stored values,
    then one executemany per table, instead of ~10 statements per organization.
    """
    if preview.stale:
        raise operations.ConflictError(stale_message())
    if preview.blocked:
        raise operations.ReportError(_("The file has errors; nothing was saved. Correct the "
                                       "file and upload it again."))
    if not preview.change_count:
        raise operations.ReportError(_("The file changes nothing; there is nothing to save."))
    items = [o for o in preview.organizations if o.writes]
    if not items:
        return 0, 0
    now, user_id = utcnow(), getattr(user, "id", None)
    reports_table = Report.__table__
    existing = [o.report for o in items if o.report is not None]
    if existing:
        # Lock the reports (PostgreSQL) and check nobody saved them since the preview.
        current = dict(db.session.execute(
            sa.select(Report.id, Report.version)
            .where(Report.id.in_([r.id for r in existing])).with_for_update()).all())
        if any(current.get(r.id) != r.version for r in existing):
            raise operations.ConflictError(stale_message())
        db.session.execute(
            reports_table.update()
            .where(reports_table.c.id == sa.bindparam("report_id"))
            .values(version=reports_table.c.version + 1, updated_at=now,
                    updated_by_id=user_id),
            [{"report_id": r.id} for r in existing])
        for report in existing:
            db.session.expire(report)
    created = {}
    for item in items:
        if item.report is None:
            created[item.organization.id] = Report(
                organization_id=item.organization.id, period_id=period.id,
                state=ReportState.DRAFT, explanations={}, updated_at=now, updated_by_id=user_id)
    if created:
        db.session.add_all(created.values())
        db.session.flush()
    report_ids = {o.organization.id: (o.report.id if o.report is not None
                                      else created[o.organization.id].id) for o in items}
    indicator_ids = dict(db.session.execute(sa.select(Indicator.code, Indicator.id)).all())
    value_ids = {(rid, iid): vid for vid, rid, iid in db.session.execute(
        sa.select(ReportValue.id, ReportValue.report_id, ReportValue.indicator_id)
        .where(ReportValue.report_id.in_([report_ids[o.organization.id] for o in items
                                          if o.report is not None] or [-1])))}
    inserts, updates, audits = [], [], []
    written = 0
    for item in items:
        report_id = report_ids[item.organization.id]
        for change in item.writes:
            indicator_id = indicator_ids[change.code]
            value = change.value
            value_id = value_ids.get((report_id, indicator_id))
            if value_id is None:
                inserts.append({"report_id": report_id, "indicator_id": indicator_id,
                                "raw": change.new, "value": value})
            else:
                updates.append({"value_id": value_id, "new_raw": change.new,
                                "new_value": value})
            audits.append({"organization_id": item.organization.id, "report_id": report_id,
                           "user_id": user_id, "at": now, "source": SOURCE_BULK,
                           "action": "value", "field": change.code, "old": change.old or None,
                           "new": change.new or None, "note": ""})
            written += 1
    values_table = ReportValue.__table__
    if inserts:
        db.session.execute(values_table.insert(), inserts)
    if updates:
        db.session.execute(
            values_table.update().where(values_table.c.id == sa.bindparam("value_id"))
            .values(raw=sa.bindparam("new_raw", type_=values_table.c.raw.type),
                    value=sa.bindparam("new_value", type_=values_table.c.value.type)), updates)
    db.session.execute(AuditEntry.__table__.insert(), audits)
    return len(items), written
