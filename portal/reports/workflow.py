"""The report workflow: submit, confirm, accept, return and reopen, each with its audit row.

Every function flushes and never commits; the request commits once. Callers pass reports
already resolved through the scope and checked for the action (values: operations).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from portal.clock import utcnow
from portal.extensions import db
from portal.reports import notes, operations
from portal.reports.models import Report, ReportState
from portal.reports.operations import AlreadySubmitted, ReportError, SubmissionBlocked
from portal.reports.validation import Outcome

SUBMITTED_STATES = (ReportState.SUBMITTED, ReportState.AWAITING_HEAD, ReportState.ACCEPTED)


def submission_checks(report: Report) -> Outcome:
    """The checks :func:`submit` requires, over the stored values; writes nothing."""
    return operations.validate(report, for_submission=True)


def transition(report: Report, new_state: ReportState, user: Any, note: str = "") -> None:
    """Move the report to ``new_state``, with its audit row (the callers check the move)."""
    operations.audit(report.organization_id, report, user, "workflow", "state", "state",
                     report.state.value, new_state.value, note)
    report.state = new_state
    report.updated_at, report.updated_by_id = utcnow(), getattr(user, "id", None)


def submit(report: Report, user: Any, expected_version: int | None = None,
           checks: Outcome | None = None) -> ReportState:
    """Curator submits: validation must pass; the head confirms first where the region asks.

    ``checks``: what :func:`submission_checks` answered when the caller has just asked it.
    """
    if report.state in SUBMITTED_STATES:
        raise AlreadySubmitted(_("The report has already been submitted."))
    operations.check_editable(report, expected_version)
    outcome = checks if checks is not None else submission_checks(report)
    if outcome.errors:
        raise SubmissionBlocked(outcome)
    region = report.organization.municipality.region
    target = ReportState.AWAITING_HEAD if region.requires_head_confirmation \
        else ReportState.SUBMITTED
    now = utcnow()
    report.submitted_at, report.submitted_by_id = now, getattr(user, "id", None)
    report.first_submitted_at = report.first_submitted_at or now
    report.review_comment = ""
    transition(report, target, user)
    db.session.flush()
    return target


def confirm(report: Report, user: Any) -> None:
    """The head confirms what the curator submitted."""
    if report.state is not ReportState.AWAITING_HEAD:
        raise ReportError(_("The report is not waiting for confirmation."))
    report.confirmed_at, report.confirmed_by_id = utcnow(), getattr(user, "id", None)
    transition(report, ReportState.SUBMITTED, user)
    db.session.flush()


def accept(report: Report, user: Any) -> None:
    """The responsible level of the external contour accepts; the report is then locked."""
    if report.state is not ReportState.SUBMITTED:
        raise ReportError(_("Only a submitted report can be accepted."))
    report.reviewed_at, report.reviewed_by_id = utcnow(), getattr(user, "id", None)
    transition(report, ReportState.ACCEPTED, user)
    db.session.flush()


def _required_note(text: str | None, missing: str) -> str:
    """The reviewer's note stripped; refused with ``missing`` when empty, or when too long."""
    text = (text or "").strip()
    if not text:
        raise ReportError(missing)
    operations.refuse_if(notes.too_long(text, notes.REVIEW_COMMENT_MAX, "review"))
    return text


def return_report(report: Report, user: Any, comment: str) -> None:
    """Return for correction with a comment (reviewer, or the head before confirming)."""
    comment = _required_note(comment, _("Say what has to be corrected."))
    if report.state not in (ReportState.SUBMITTED, ReportState.AWAITING_HEAD):
        raise ReportError(_("Only a submitted report can be returned."))
    report.review_comment = comment
    report.reviewed_at, report.reviewed_by_id = utcnow(), getattr(user, "id", None)
    transition(report, ReportState.RETURNED, user, comment)
    db.session.flush()


def reopen(report: Report, user: Any, reason: str) -> None:
    """Unlock an accepted report (external contour only), with a reason."""
    reason = _required_note(reason, _("Give the reason for reopening the report."))
    if report.state is not ReportState.ACCEPTED:
        raise ReportError(_("Only an accepted report can be reopened."))
    report.review_comment = reason
    transition(report, ReportState.RETURNED, user, reason)
    db.session.flush()
