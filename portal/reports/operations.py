"""Writes of the reports module: values, the workflow, periods, the catalogue, the audit log.

Every function flushes and never commits; the request (or CLI command) commits once.
Callers pass objects already resolved through the scope and checked for the action.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import utcnow
from portal.database import Refusal
from portal.extensions import db
from portal.reports import queries
from portal.reports.models import (AuditEntry, Indicator, Period, Report, ReportState,
                                   ReportValue, Unit)
from portal.reports.periods import default_deadline, default_opening
from portal.reports.validation import Outcome, check
from portal.reports.values import Parsed, parse_value
from tenants.models import Organization, Region


class ReportError(Refusal):
    """A user-facing refusal (message already translated); nothing was changed."""


class ConflictError(ReportError):
    """Somebody else saved the report since this form was opened."""


class AlreadySubmitted(ReportError):
    """The report is already on its way: a repeated submit (double click) changes nothing."""


SUBMITTED_STATES = (ReportState.SUBMITTED, ReportState.AWAITING_HEAD, ReportState.ACCEPTED)


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
    report = queries.report_for(org, period)
    if report is None:
        if not period.is_open:
            raise ReportError(_("The period is closed; reports cannot be started."))
        report = Report(organization=org, period=period, state=ReportState.DRAFT,
                        explanations={})
        db.session.add(report)
        db.session.flush()
    return report


def _check_editable(report: Report, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != report.version:
        raise ConflictError(_(
            "Somebody else saved this report while you were editing it. Your changes were not "
            "saved; reload the page to see the current values."))
    if not report.editable:
        raise ReportError(_("The report is %(state)s and cannot be changed.",
                            state=report.state.label))
    if not report.period.is_open and report.state is ReportState.DRAFT:
        raise ReportError(_("The period is closed; reports cannot be started."))


def parse_cells(indicators: list[Indicator], cells: Mapping[str, Any]) -> dict[str, Parsed]:
    """Parse the cells given for the report's indicators (unknown codes are ignored)."""
    return {i.code: parse_value(i, cells[i.code]) for i in indicators if i.code in cells}


def save_values(report: Report, cells: Mapping[str, Any], *, user: Any, source: str,
                expected_version: int | None = None, comment: str | None = None,
                explanations: Mapping[str, str] | None = None) -> Outcome:
    """Store typed values (invalid ones too: a draft never loses input) and validate.

    Raises :class:`ConflictError` when ``expected_version`` is stale.
    """
    _check_editable(report, expected_version)
    indicators = queries.indicators_for(report.organization.type)
    parsed = parse_cells(indicators, cells)
    changed = _write_values(report, indicators, parsed, user, source)
    if comment is not None and comment != report.comment:
        audit(report.organization_id, report, user, source, "comment", "comment",
              report.comment, comment)
        report.comment, changed = comment, True
    if explanations is not None:
        cleaned = {k: v.strip() for k, v in explanations.items() if v and v.strip()}
        if cleaned != (report.explanations or {}):
            report.explanations, changed = cleaned, True
    if changed:
        report.updated_at, report.updated_by_id = utcnow(), getattr(user, "id", None)
    db.session.flush()
    return validate(report, indicators)


def _write_values(report, indicators, parsed, user, source) -> bool:
    by_code = {i.code: i for i in indicators}
    existing = {v.indicator_id: v for v in report.values}
    changed = False
    for code, cell in parsed.items():
        indicator = by_code[code]
        current = existing.get(indicator.id)
        if current is not None and current.raw == cell.raw:
            continue
        if current is None:
            if cell.blank:
                continue
            current = ReportValue(indicator_id=indicator.id, raw="")
            report.values.append(current)
        audit(report.organization_id, report, user, source, "value", code,
              current.raw or None, cell.raw or None)
        current.raw, current.value = cell.raw, cell.value
        changed = True
    return changed


def validate(report: Report, indicators: list[Indicator] | None = None, *,
             for_submission: bool = False) -> Outcome:
    """Run the checks over the stored values of a report."""
    indicators = indicators or queries.indicators_for(report.organization.type)
    by_id = {i.id: i for i in indicators}
    parsed = {by_id[v.indicator_id].code: parse_value(by_id[v.indicator_id], v.raw)
              for v in report.values if v.indicator_id in by_id}
    previous = queries.previous_values(report.organization, report.period)
    return check(indicators, parsed, queries.active_rules(), previous,
                 for_submission=for_submission, explanations=report.explanations or {})


def submission_checks(report: Report) -> Outcome:
    """The checks :func:`submit` requires, over the stored values; writes nothing."""
    return validate(report, for_submission=True)


def _transition(report: Report, new_state: ReportState, user: Any, note: str = "") -> None:
    audit(report.organization_id, report, user, "workflow", "state", "state",
          report.state.value, new_state.value, note)
    report.state = new_state
    report.updated_at, report.updated_by_id = utcnow(), getattr(user, "id", None)


def submit(report: Report, user: Any, expected_version: int | None = None) -> ReportState:
    """Curator submits: validation must pass; the head confirms first where the region asks."""
    if report.state in SUBMITTED_STATES:
        raise AlreadySubmitted(_("The report has already been submitted."))
    _check_editable(report, expected_version)
    outcome = submission_checks(report)
    if outcome.errors:
        raise SubmissionBlocked(outcome)
    region = report.organization.municipality.region
    target = ReportState.AWAITING_HEAD if region.requires_head_confirmation \
        else ReportState.SUBMITTED
    now = utcnow()
    report.submitted_at, report.submitted_by_id = now, getattr(user, "id", None)
    report.first_submitted_at = report.first_submitted_at or now
    report.review_comment = ""
    _transition(report, target, user)
    db.session.flush()
    return target


def confirm(report: Report, user: Any) -> None:
    """The head confirms what the curator submitted."""
    if report.state is not ReportState.AWAITING_HEAD:
        raise ReportError(_("The report is not waiting for confirmation."))
    report.confirmed_at, report.confirmed_by_id = utcnow(), getattr(user, "id", None)
    _transition(report, ReportState.SUBMITTED, user)
    db.session.flush()


def accept(report: Report, user: Any) -> None:
    """The responsible level of the external contour accepts; the report is then locked."""
    if report.state is not ReportState.SUBMITTED:
        raise ReportError(_("Only a submitted report can be accepted."))
    report.reviewed_at, report.reviewed_by_id = utcnow(), getattr(user, "id", None)
    _transition(report, ReportState.ACCEPTED, user)
    db.session.flush()


def return_report(report: Report, user: Any, comment: str) -> None:
    """Return for correction with a comment (reviewer, or the head before confirming)."""
    comment = (comment or "").strip()
    if not comment:
        raise ReportError(_("Say what has to be corrected."))
    if report.state not in (ReportState.SUBMITTED, ReportState.AWAITING_HEAD):
        raise ReportError(_("Only a submitted report can be returned."))
    report.review_comment = comment
    report.reviewed_at, report.reviewed_by_id = utcnow(), getattr(user, "id", None)
    _transition(report, ReportState.RETURNED, user, comment)
    db.session.flush()


def reopen(report: Report, user: Any, reason: str) -> None:
    """Unlock an accepted report (external contour only), with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("Give the reason for reopening the report."))
    if report.state is not ReportState.ACCEPTED:
        raise ReportError(_("Only an accepted report can be reopened."))
    report.review_comment = reason
    _transition(report, ReportState.RETURNED, user, reason)
    db.session.flush()


def open_period(region: Region, year: int, quarter: int, opens_on: date | None = None,
                deadline: date | None = None) -> Period:
    """Open (or reopen) a quarter for the region, with default dates if none are given."""
    period = db.session.scalars(sa.select(Period).filter_by(
        region_id=region.id, year=year, quarter=quarter)).first()
    opens_on = opens_on or (period and period.opens_on) or default_opening(year, quarter)
    deadline = deadline or (period and period.deadline) or default_deadline(year, quarter)
    if deadline < opens_on:
        raise ReportError(_("The deadline cannot be before the opening date."))
    if period is None:
        period = Period(region_id=region.id, year=year, quarter=quarter)
        db.session.add(period)
    period.opens_on, period.deadline = opens_on, deadline
    period.is_open, period.closed_at = True, None
    db.session.flush()
    return period


def close_period(period: Period) -> None:
    """Close a quarter: no new reports and no changes to drafts."""
    period.is_open, period.closed_at = False, utcnow()
    db.session.flush()


def set_head_confirmation(region: Region, required: bool) -> None:
    """Switch the region's rule that the head confirms a report before it is reviewed."""
    region.requires_head_confirmation = required
    db.session.flush()


def add_indicator(*, code: str, label_ru: str, label_en: str, unit: Unit, section: str,
                  applies_to: list[str]) -> Indicator:
    """Add an indicator at the end of the catalogue; codes stay unique."""
    if db.session.scalar(sa.select(Indicator.id).filter_by(code=code)) is not None:
        raise ReportError(_("An indicator with this code already exists."))
    low, high = {Unit.COUNT: (0, None), Unit.PERCENT: (0, 100), Unit.SCORE: (1, 10)}[unit]
    last = db.session.scalar(sa.select(sa.func.max(Indicator.position))) or 0
    indicator = Indicator(code=code, label_ru=label_ru, label_en=label_en, unit=unit,
                          section=section, applies_to=applies_to, type_labels={},
                          position=last + 10, min_value=low, max_value=high)
    db.session.add(indicator)
    db.session.flush()
    return indicator


def retire_indicator(indicator: Indicator) -> None:
    """Retire: history stays, new forms no longer show the indicator."""
    indicator.retired_at = indicator.retired_at or utcnow()
    db.session.flush()
