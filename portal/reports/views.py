"""The report of one organization for one period: the form, the workflow, the history."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.gate import local_path
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import section_label
from portal.database import once_more_as_writer, writes_last
from portal.documents import storage
from portal.downloads import file_response
from portal.reports import (
    evidence,
    head_confirmation,
    operations,
    prefill,
    queries,
    quick_form,
    workflow,
)
from portal.reports.form_context import REASON_PREFIX, form_context
from portal.reports.forms import CommentForm
from portal.reports.models import Period, Report, ReportState, ReportValue
from portal.reports.validation import Outcome
from tenants.models import Organization
from tenants.scoping import Action, allows, require

VALUE_PREFIX, EXPLANATION_PREFIX = "v:", "x:"  # the reasons' prefix: form_context


def _posted_cells() -> dict[str, str]:
    return {key[len(VALUE_PREFIX):]: value for key, value in request.form.items()
            if key.startswith(VALUE_PREFIX)}


def _posted_explanations() -> dict[str, str]:
    return {key[len(EXPLANATION_PREFIX):]: value for key, value in request.form.items()
            if key.startswith(EXPLANATION_PREFIX)}


@writes_last  # the deadline's hot path: its writes all go through the report's version
def form(organization: Organization, period: Period):
    """Show the report (editable for the curator while draft or returned) and save it."""
    report = queries.report_for(organization, period)
    outcome: Outcome | None = None  # worked out only when the form is shown
    typed: dict[str, str] | None = None
    status = 200
    if request.method == "POST":
        require(Action.EDIT, organization)
        typed = _posted_cells()
        try:
            attached = evidence.read_posted(  # files read and checked before any write
                organization, catalogue_queries.indicators_for(period, organization.type),
                request.form, request.files)
            blocked, errors = once_more_as_writer(
                lambda: _save_or_submit(organization, period, typed, report, attached),
                lambda: _save_or_submit(organization, period, typed,
                                        queries.report_for(organization, period), attached))
        except operations.AlreadySubmitted as done:
            flash(str(done), "info")  # a double-click: the first click did the work
            return redirect(url_for("reports.form", org_id=organization.id, period_id=period.id))
        except operations.ReportError as problem:
            flash(str(problem), "danger")  # refused: the request commits nothing
            status = 409 if isinstance(problem, operations.ConflictError) else 400
        else:
            if blocked is None:  # a draft with errors opens at their summary
                return redirect(url_for("reports.form", org_id=organization.id,
                                        period_id=period.id,
                                        _anchor=ERROR_SUMMARY if errors else None))
            outcome = blocked  # the draft is saved; the submission's problems are shown
        report = queries.report_for(organization, period)
    if outcome is None:
        outcome = operations.validate(report) if report is not None else Outcome()
    return render_template("reports/form.html", **form_context(
        organization, period, report, outcome, typed), refused=request.method == "POST"), status


ERROR_SUMMARY = "error-summary"


def _save_or_submit(organization, period, typed, report,
                    attached) -> tuple[Outcome | None, bool]:
    """Save the draft (``report``, created when None), then submit it if asked and its
    checks pass; or, for a section's «везде 0» button, fill its blanks with 0 and save.

    Returns the checks' outcome when they block the submission (the draft is saved as its
    own successful step and the submission is not attempted: a refusal would undo the
    save), and whether the saved draft has errors.
    """
    indicators = catalogue_queries.indicators_for(period, organization.type)
    zeroed = quick_form.zero_section(request.form.get("action"),
                                     {i.section for i in indicators})
    if zeroed is not None:
        quick_form.fill_zeros(indicators, zeroed, typed)  # asked for: never done silently
    # Parsed while the request still reads: a first save creates the report, and from then
    # on it holds SQLite's write lock.
    parsed = operations.parse_cells(indicators, typed)
    parsed.update(evidence.parsed_cells(attached, indicators, report))
    register = _register_check(organization, period, indicators)
    report = report or operations.start_reports([organization.id], period)[organization.id]
    submitting = request.form.get("action") == "submit"
    if submitting and report.state in workflow.SUBMITTED_STATES:
        raise operations.AlreadySubmitted(_("The report has already been submitted."))
    version = request.form.get("version", type=int)
    operations.save_values(  # the checks follow, once the evidence files are attached
        report, parsed, user=current_user, source="form", expected_version=version,
        comment=request.form.get("comment", ""), explanations=_posted_explanations(),
        validated=False, register=register)
    evidence.apply(report, attached, indicators, current_user)
    if submitting:
        return _submit_saved(report)
    outcome = operations.validate(report, indicators)
    _flash_saved(outcome, zeroed)
    return None, bool(outcome.errors)


def _submit_saved(report: Report) -> tuple[Outcome | None, bool]:
    """Submit the draft just saved; its checks' outcome when they block the submission."""
    checks = workflow.submission_checks(report)
    if checks.errors:
        flash(operations.SubmissionBlocked.message(), "danger")
        return checks, True
    state = workflow.submit(report, current_user, checks=checks)
    flash(_("The report has been submitted.") if state is ReportState.SUBMITTED
          else _("The report has been sent to the head for confirmation."), "success")
    return None, False


def _register_check(organization, period, indicators) -> prefill.RegisterCheck:
    """The register's values and the posted reasons the save checks the values against."""
    return prefill.RegisterCheck(
        prefill.prefill_for(indicators, organization, period),
        prefill.posted_reasons(request.form, REASON_PREFIX),
        {i.code: i.label(organization.type) for i in indicators})


def _flash_saved(outcome: Outcome, zeroed: str | None) -> None:
    """Say the draft is saved (its section filled with 0, or with errors left to correct)."""
    if zeroed is not None:
        flash(_("The blank fields of the section «%(section)s» are filled with 0 and the draft "
                "has been saved.", section=section_label(zeroed)), "info")
    else:
        flash(_("The draft has been saved.") if not outcome.errors else
              _("The draft has been saved, but it has errors to correct before submitting."),
              "warning" if outcome.errors else "success")


def _workflow(report: Report, action: Action, apply, success: str):
    require(action, report.organization)
    try:
        apply()
    except operations.ReportError as problem:
        flash(str(problem), "danger")  # refused: the redirect commits nothing
    else:
        flash(success, "success")
    return redirect(local_path(request.form.get("next")) or url_for(
        "reports.form", org_id=report.organization_id, period_id=report.period_id))


def confirm(report: Report):
    return _workflow(report, Action.CONFIRM, lambda: workflow.confirm(report, current_user),
                     _("The report has been confirmed and submitted."))


def withdraw(report: Report):
    """The curator takes back a report waiting for the head's confirmation."""
    return _workflow(report, Action.EDIT,
                     lambda: head_confirmation.withdraw(report, current_user),
                     _("The report has been withdrawn; correct it and submit it again."))


def accept(report: Report):
    return _workflow(report, Action.REVIEW, lambda: workflow.accept(report, current_user),
                     _("The report has been accepted."))


def return_report(report: Report):
    form = CommentForm()
    action = Action.CONFIRM if report.state is ReportState.AWAITING_HEAD and \
        allows(Action.CONFIRM, report.organization) else Action.REVIEW
    return _workflow(report, action,
                     lambda: workflow.return_report(report, current_user, form.comment.data),
                     _("The report has been returned for correction."))


def reopen(report: Report):
    form = CommentForm()
    return _workflow(report, Action.REVIEW,
                     lambda: workflow.reopen(report, current_user, form.comment.data),
                     _("The report has been reopened."))


def history(report: Report):
    """Every value and state change of the report (the organization and its external contour)."""
    org_type = report.organization.type
    return render_template(
        "reports/history.html", report=report, entries=queries.history(report),
        names={i.code: i.label(org_type) for i in catalogue_queries.all_indicators(report)},
        states={state.value: state.label for state in ReportState})


def evidence_file(value: ReportValue):
    """An evidence item's file, to whoever may see the report (404 otherwise, by the scope);
    a document chosen from the register is served by the register's own download."""
    if value.document_version_id is not None:
        return redirect(url_for("documents.download", version_id=value.document_version_id))
    path = storage.path_of(value.storage_name) if value.storage_name else None
    if path is None:
        abort(404)
    return file_response(path, f"{Path(value.filename or 'evidence').stem}{path.suffix}",
                         value.content_type)
