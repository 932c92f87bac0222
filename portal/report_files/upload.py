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
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

import sqlalchemy as sa
from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import Indicator
from portal.extensions import db
from portal.report_files.messages import (
    PROBLEMS,
    RowProblem,
    hidden_sheets,
    rejection,
    structural,
)
from portal.report_files.parse import (  # noqa: F401
    KIND_BULK,
    KIND_REPORT,
    IndicatorSpec,
    OrganizationSpec,
    Quarter,
    Rejected,
    parse_bulk_file,
    parse_report_file,
)
from portal.report_files.preview import Change, OrgPreview, Preview
from portal.report_files.store import discard, load, store, was_saved  # noqa: F401 - the API
from portal.reports import operations, queries
from portal.reports.models import Period, Report, ReportState, ReportValue
from portal.reports.validation import check
from portal.reports.values import Parsed, parse_value
from portal.tabular import FileRejected
from tenants.models import Municipality, Organization, OrganizationType

UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # files of 20 MB and more are refused unread
SOURCE_UPLOAD, SOURCE_BULK = "upload", "bulk_upload"

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


def catalogue_specs(period: Period) -> list[IndicatorSpec]:
    """The items of the period's form version as the parser needs them."""
    return [IndicatorSpec(i.code, frozenset(i.applies_to or ()), i.retired_at is not None)
            for i in catalogue_queries.all_indicators(period)]


def _file_period(period: Period) -> Quarter:
    """What the metadata of the period's templates hold, to check an upload against."""
    return Quarter(period.year, period.quarter, "" if period.quarter else period.file_tag)


def _spec(organization: Organization) -> OrganizationSpec:
    return OrganizationSpec(organization.id, organization.code, organization.type.value,
                            organization.is_active)


def read_report_file(data: bytes, filename: str, organization: Organization,
                     period: Period) -> dict:
    """One organization's file as the payload kept for its preview (:class:`FileRejected`
    when it cannot be used), with the version of the report it was compared with."""
    try:
        payload = parse_report_file(data, filename, _spec(organization),
                                    _file_period(period), catalogue_specs(period))
    except Rejected as rejected:
        raise rejection(rejected, period) from None
    report = queries.report_for(organization, period)
    payload["entries"][0]["version"] = report.version if report else None
    return {**payload, "organization": organization.id, "period": period.id}


def read_bulk_file(data: bytes, filename: str, municipality: Municipality, period: Period,
                   allowed: dict[str, Organization]) -> dict:
    """A municipal file as the payload kept for its preview; ``allowed`` are the
    organizations the user may report for, by code (any other rejects the file)."""
    try:
        payload = parse_bulk_file(data, filename, municipality.code,
                                  _file_period(period), catalogue_specs(period),
                                  {code: _spec(org) for code, org in allowed.items()})
    except Rejected as rejected:
        raise rejection(rejected, period) from None
    versions = dict(db.session.execute(
        sa.select(Report.organization_id, Report.version).where(
            Report.period_id == period.id,
            Report.organization_id.in_([e["org"] for e in payload["entries"]]))).all())
    for entry in payload["entries"]:
        entry["version"] = versions.get(entry["org"])
    return {**payload, "municipality": municipality.id, "period": period.id}


def _had_file(stored: tuple[str, Decimal | None] | None) -> bool:
    """Whether a stored evidence value has a file: «да» is present (1) only with one."""
    return stored is not None and stored[0] == "да" and stored[1] == 1


def _parse(indicator: Indicator, cell: dict, mark: str, has_file: bool = False) -> Parsed:
    """A stored cell parsed; a number of the file written with the user's decimal mark
    (81,5 in Russian, as the form shows what was typed), a formula an error. An evidence
    cell's «да» keeps the file attached in the web form (``has_file``)."""
    kind, raw = cell.get("t"), cell["r"]
    if kind == "formula":
        return Parsed(raw, None, str(PROBLEMS["formula"]) % {"formula": raw})
    if kind == "number":
        parsed = parse_value(indicator, Decimal(raw))
        return replace(parsed, raw=parsed.raw.replace(".", mark))
    if kind == "date":
        try:
            return parse_value(indicator, datetime.fromisoformat(raw))
        except ValueError:
            pass
    return parse_value(indicator, raw, has_file=has_file)


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


@dataclass
class _Against:
    """What a stored upload is compared with: the database as it is now, read once."""

    period: Period
    reports: dict[int, Report]
    stored: dict
    previous: dict
    catalogue: dict[str, Indicator]
    rules: list
    by_type: dict[OrganizationType, tuple[list[Indicator], dict[str, str]]] = field(
        default_factory=dict)

    @classmethod
    def load(cls, org_ids: list[int], period: Period) -> _Against:
        """Read the reports, their values and the previous quarter's of the organizations."""
        reports = {r.organization_id: r for r in db.session.scalars(
            sa.select(Report).where(Report.period_id == period.id,
                                    Report.organization_id.in_(org_ids or [-1])))}
        return cls(period, reports, queries.values_of_reports([r.id for r in reports.values()]),
                   _previous_values(org_ids, period),
                   {i.code: i for i in catalogue_queries.all_indicators(period)},
                   catalogue_queries.active_rules(period))

    def applicable(self, org_type: OrganizationType) -> tuple[list[Indicator], dict[str, str]]:
        """The live indicators of the organization type and their labels for it."""
        if org_type not in self.by_type:
            indicators = [i for i in self.catalogue.values()
                          if i.retired_at is None and i.applies(org_type)]
            self.by_type[org_type] = (indicators,
                                      {i.code: i.label(org_type) for i in indicators})
        return self.by_type[org_type]


def evaluate(payload: dict, period: Period, organizations: dict[int, Organization]) -> Preview:
    """The preview of a stored upload against the database as it is now.

    ``organizations`` are the ones the user may still change, by id (loaded through the
    scope by the caller); an entry for any other organization blocks the whole file.
    """
    preview = Preview(payload["kind"], payload.get("filename", ""), period, [],
                      [structural(p) for p in payload.get("problems", [])],
                      warnings=hidden_sheets(payload.get("hidden")))
    entries = payload.get("entries", [])
    if any(e["org"] not in organizations for e in entries):
        preview.notices.append(_("You can no longer report for some organizations of this "
                                 "file; upload it again."))
        return preview
    against = _Against.load([e["org"] for e in entries], period)
    for entry in entries:
        item = _evaluate_entry(entry, organizations[entry["org"]], against, preview.problems)
        if item.refused:
            if preview.kind == KIND_REPORT:
                preview.notices.append(item.refused)
            else:
                preview.problems.append(RowProblem(item.line, "", item.refused))
        preview.organizations.append(item)
    preview.problems.sort(key=lambda p: (p.line or 0, p.column))
    return preview


def _evaluate_entry(entry: dict, org: Organization, against: _Against,
                    problems: list[RowProblem]) -> OrgPreview:
    """One organization's changes and rule problems; cell problems go to ``problems``."""
    applicable, labels = against.applicable(org.type)
    applicable_codes = {i.code for i in applicable}
    report = against.reports.get(org.id)
    old = against.stored.get(report.id, {}) if report else {}
    changes, file_parsed = _changes(entry["cells"], against.catalogue, applicable_codes,
                                    labels, old, problems)
    merged = {code: parse_value(against.catalogue[code], stored[0],
                                has_file=_had_file(stored))
              for code, stored in old.items() if code in applicable_codes}
    merged.update(file_parsed)
    outcome = check(applicable, merged, against.rules, against.previous.get(org.id, {}))
    rule_problems = [p for p in outcome.problems
                     if p.key or not (set(p.codes) & set(file_parsed))]
    item = OrgPreview(org, entry.get("line"), report, changes, rule_problems, labels,
                      entry.get("version"))
    item.stale = (report.version if report else None) != item.version
    item.refused = refusal(report, against.period) if item.writes else None
    return item


def _changes(cells: list[dict], catalogue: dict[str, Indicator], applicable_codes: set[str],
             labels: dict[str, str], old: dict, problems: list[RowProblem]
             ) -> tuple[list[Change], dict[str, Parsed]]:
    """The changes of an entry's cells and their parsed values, by code."""
    changes = []
    file_parsed: dict[str, Parsed] = {}
    mark = get_decimal_symbol(get_locale())
    for cell in cells:
        indicator = catalogue.get(cell["c"])
        if indicator is None or cell["c"] not in applicable_codes:
            # retired or moved since the upload: say so rather than write it
            problems.append(RowProblem(cell["l"], cell["k"], str(
                PROBLEMS["retired"]) % {"code": cell["c"]}))
            continue
        parsed = _parse(indicator, cell, mark, _had_file(old.get(indicator.code)))
        file_parsed[indicator.code] = parsed
        status = _status(old.get(indicator.code), parsed)
        changes.append(Change(indicator.code, labels[indicator.code], cell["l"], cell["k"],
                              old.get(indicator.code, ("", None))[0], parsed.raw, status,
                              parsed.error, parsed.value))
        if parsed.error:
            problems.append(RowProblem(cell["l"], cell["k"], parsed.error))
    return changes, file_parsed


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


def confirm(preview: Preview, period: Period, user: Any) -> tuple[int, int]:
    """Write an upload, one organization's or a municipal file, through the one write path
    of report values (:func:`operations.save_values_many`, as the form): all or nothing,
    checked against the versions the preview was made with. Returns (reports, values)."""
    if preview.stale:
        raise operations.ConflictError(stale_message())
    if preview.blocked:
        raise operations.ReportError(_("The file has errors; nothing was saved. Correct the "
                                       "file and upload it again."))
    if not preview.change_count:
        raise operations.ReportError(_("The file changes nothing; there is nothing to save."))
    items = [o for o in preview.organizations if o.writes]
    reports = operations.ensure_reports([o.organization for o in items], period)
    updates = [operations.ValuesUpdate(reports[o.organization.id],
                                       {c.code: c for c in o.writes}, o.version)
               for o in items]
    source = SOURCE_UPLOAD if preview.kind == KIND_REPORT else SOURCE_BULK
    try:
        written = operations.save_values_many(updates, catalogue_queries.all_indicators(period),
                                              user=user, source=source)
    except operations.ConflictError:  # saved by somebody else since the preview was worked out
        raise operations.ConflictError(stale_message()) from None
    return len(items), written
