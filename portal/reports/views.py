"""The report of one organization for one period: the form, the workflow, the history."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.gate import local_path
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import UNIT_LABELS, section_label
from portal.database import once_more_as_writer, writes_last
from portal.documents import storage
from portal.downloads import file_response
from portal.reports import (
    evidence,
    head_confirmation,
    notes,
    operations,
    prefill,
    queries,
    quick_form,
)
from portal.reports.forms import UPLOAD_FROM_FILE, CommentForm
from portal.reports.models import Period, Report, ReportState, ReportValue
from portal.reports.sum_groups import sum_groups
from portal.reports.validation import Outcome
from portal.reports.values import parse_number
from portal.rules import derived_for
from tenants.models import Organization
from tenants.scoping import Action, allows, require

VALUE_PREFIX, EXPLANATION_PREFIX, REASON_PREFIX = "v:", "x:", "r:"


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
    return render_template("reports/form.html", **_form_context(
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
    register = prefill.RegisterCheck(
        prefill.prefill_for(indicators, organization, period),
        prefill.posted_reasons(request.form, REASON_PREFIX),
        {i.code: i.label(organization.type) for i in indicators})
    report = report or operations.start_reports([organization.id], period)[organization.id]
    submitting = request.form.get("action") == "submit"
    if submitting and report.state in operations.SUBMITTED_STATES:
        raise operations.AlreadySubmitted(_("The report has already been submitted."))
    version = request.form.get("version", type=int)
    operations.save_values(  # the checks follow, once the evidence files are attached
        report, parsed, user=current_user, source="form", expected_version=version,
        comment=request.form.get("comment", ""), explanations=_posted_explanations(),
        validated=False, register=register)
    evidence.apply(report, attached, indicators, current_user)
    if submitting:
        checks = operations.submission_checks(report)
        if checks.errors:
            flash(operations.SubmissionBlocked.message(), "danger")
            return checks, True
        state = operations.submit(report, current_user, checks=checks)
        flash(_("The report has been submitted.") if state is ReportState.SUBMITTED
              else _("The report has been sent to the head for confirmation."), "success")
        return None, False
    outcome = operations.validate(report, indicators)
    if zeroed is not None:
        flash(_("The blank fields of the section «%(section)s» are filled with 0 and the draft "
                "has been saved.", section=section_label(zeroed)), "info")
    else:
        flash(_("The draft has been saved.") if not outcome.errors else
              _("The draft has been saved, but it has errors to correct before submitting."),
              "warning" if outcome.errors else "success")
    return None, bool(outcome.errors)


def _form_context(organization, period, report, outcome, typed) -> dict:
    indicators = catalogue_queries.indicators_for(period, organization.type)
    codes = {i.id: i.code for i in indicators}  # the form shows these only
    stored = {codes[v.indicator_id]: v.raw for v in (report.values if report else [])
              if v.indicator_id in codes}
    editable = (report is None or report.editable) and allows(Action.EDIT, organization) \
        and (period.is_open or (report is not None and report.state is ReportState.RETURNED))
    register = _register_context(organization, period, report, indicators, editable)
    prefilled = prefill.follow_register(register, stored, report.register_values
                                        if report else None) if editable else {}
    values = {**stored, **prefilled, **(typed or {})}
    sections: dict[str, list] = {}
    for indicator in indicators:
        sections.setdefault(indicator.section, []).append(indicator)
    derived = derived_for(indicators)
    labels = {i.code: i.label(organization.type) for i in indicators}
    groups = sum_groups(indicators, catalogue_queries.active_rules(period))
    reasons = {code: note.get("reason", "") for code, note in
               ((report.register_values or {}) if report else {}).items()}
    return {
        "organization": organization, "period": period, "report": report, "outcome": outcome,
        "sections": [(code, section_label(code), items,
                      any(quick_form.zeroable(i) for i in items))
                     for code, items in sections.items()],
        "values": values, "previous": queries.previous_values(organization, period),
        "derived": derived, "editable": editable, "unit_labels": UNIT_LABELS,
        "derived_spec": [{"code": d.code, "numerator": d.numerator, "denominator": d.denominator,
                          "scale": d.scale, "unit": d.unit} for d in derived],
        "derived_values": {d.code: d.compute(_numbers(values)) for d in derived},
        "can_confirm": report is not None and report.state is ReportState.AWAITING_HEAD
        and allows(Action.CONFIRM, organization),
        "can_review": report is not None and allows(Action.REVIEW, organization),
        "can_withdraw": report is not None and report.state is ReportState.AWAITING_HEAD
        and allows(Action.EDIT, organization),
        "comment_form": CommentForm(), "explanations": (report.explanations if report else {}),
        "limits": {"comment": notes.COMMENT_MAX, "explanation": notes.EXPLANATION_MAX,
                   "review": notes.REVIEW_COMMENT_MAX},
        "labels": labels, "file_links": _file_links(organization, period, editable),
        "error_links": quick_form.error_links(outcome, labels,
                                              {g.rule: g.total for g in groups}),
        "zero_action": quick_form.ZERO_ACTION,
        "zeroable": {i.code for i in indicators if quick_form.zeroable(i)},
        "groups_spec": [g.as_json() for g in groups],
        "group_states": quick_form.group_states(groups, values),
        "evidence": evidence.shown(organization, indicators, report,
                                   request.form if typed is not None else None),
        "register": {code: prefill.as_typed(value) for code, value in register.items()},
        "reasons": {**reasons, **(prefill.posted_reasons(request.form, REASON_PREFIX)
                                  if typed is not None else {})},
        "reason_max": prefill.REASON_MAX,
        "differences": prefill.differences(report, indicators, organization) if report else [],
    }


def _register_context(organization, period, report, indicators, editable) -> dict:
    """The register's values the form shows: live while the curator edits the report, as
    of the last save once it is on its way (or to anybody else)."""
    if editable:
        return prefill.prefill_for(indicators, organization, period)
    stored = (report.register_values or {}) if report else {}
    return {code: parse_number(note["register"]) for code, note in stored.items()}


def _file_links(organization: Organization, period: Period, editable: bool) -> list[dict]:
    ids = {"org_id": organization.id, "period_id": period.id}
    links = [{"url": url_for("report_files.template", **ids), "label": _("XLSX template")},
             {"url": url_for("report_files.export", **ids), "label": _("Export to XLSX")}]
    if editable:
        links.insert(0, {"url": url_for("report_files.upload", **ids),
                         "label": str(UPLOAD_FROM_FILE)})
    return links


def _numbers(values: dict[str, str]) -> dict:
    parsed = {code: parse_number(raw or "") for code, raw in values.items()}
    return {code: number for code, number in parsed.items() if number is not None}


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
    return _workflow(report, Action.CONFIRM, lambda: operations.confirm(report, current_user),
                     _("The report has been confirmed and submitted."))


def withdraw(report: Report):
    """The curator takes back a report waiting for the head's confirmation."""
    return _workflow(report, Action.EDIT,
                     lambda: head_confirmation.withdraw(report, current_user),
                     _("The report has been withdrawn; correct it and submit it again."))


def accept(report: Report):
    return _workflow(report, Action.REVIEW, lambda: operations.accept(report, current_user),
                     _("The report has been accepted."))


def return_report(report: Report):
    form = CommentForm()
    action = Action.CONFIRM if report.state is ReportState.AWAITING_HEAD and \
        allows(Action.CONFIRM, report.organization) else Action.REVIEW
    return _workflow(report, action,
                     lambda: operations.return_report(report, current_user, form.comment.data),
                     _("The report has been returned for correction."))


def reopen(report: Report):
    form = CommentForm()
    return _workflow(report, Action.REVIEW,
                     lambda: operations.reopen(report, current_user, form.comment.data),
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
