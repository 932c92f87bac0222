"""Request handlers of roadmap execution: the quarterly form and the printable report."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.documents.queries import present_documents
from portal.downloads import xlsx_response
from portal.reports.models import Report
from portal.roadmaps import execution, queries, xlsx
from portal.roadmaps.execution import ExecutionError
from portal.roadmaps.forms import ActionForm
from portal.roadmaps.models import EXECUTION_STATUS_LABELS, STAGES, ExecutionStatus, Roadmap
from tenants.scoping import Action, allows


def report_execution(report: Report):
    """The roadmap part of a quarterly report: status and note of every event due so far."""
    roadmap = execution.roadmap_of(report)
    rows = execution.rows_for(report, roadmap)
    can_edit = execution.editable(report) and allows(Action.EDIT, report)
    documents = {d.id: d for d in present_documents(report.organization)}
    form = ActionForm()
    status = 200
    if request.method == "POST":
        if not can_edit:
            return _render(report, roadmap, rows, documents, form, False), 403
        if form.validate_on_submit():
            try:
                saved = execution.save(report, rows, request.form, documents, current_user)
            except ExecutionError as problem:
                flash(str(problem), "danger")
                saved = False
            if saved:
                flash(_("The execution of the roadmap has been saved."), "success")
                return redirect(url_for("roadmaps.report_execution", report_id=report.id))
        status = 422  # nothing was written; the rows show their problems
    return _render(report, roadmap, rows, documents, form, can_edit), status


def _render(report, roadmap, rows, documents, form, can_edit):
    return render_template(
        "roadmaps/execution.html", report=report, organization=report.organization,
        roadmap=roadmap, stages=queries.by_stage(rows), stage_labels=STAGES,
        rate=execution.rate(rows), documents=documents.values(), form=form, can_edit=can_edit,
        statuses=list(ExecutionStatus), status_labels=EXECUTION_STATUS_LABELS,
        has_problems=any(r.problems for r in rows),
    )


def _report_rows(roadmap: Roadmap):
    """Every event with its latest reported execution, grouped by stage."""
    numbered = queries.numbered(roadmap.events)
    latest = queries.latest_executions([n.event.id for n in numbered])
    rows = [(n, latest.get(n.event.id)) for n in numbered]
    groups: dict[int, list] = {}
    for n, done in rows:
        groups.setdefault(n.event.stage, []).append((n, done))
    return sorted(groups.items())


def _title(roadmap: Roadmap) -> str:
    return _("Report on the execution of the roadmap for implementing the target model of "
             "mentoring in %(org)s for the %(year)s school year",
             org=roadmap.organization.short_name, year=roadmap.label)


def print_report(roadmap: Roadmap):
    """The execution report in the shape of seed 001, ready to print."""
    return render_template("roadmaps/print.html", roadmap=roadmap, title=_title(roadmap),
                           organization=roadmap.organization, groups=_report_rows(roadmap),
                           stage_labels=STAGES)


def print_xlsx(roadmap: Roadmap):
    """The same execution report as an XLSX file."""
    groups = []
    for stage, rows in _report_rows(roadmap):
        lines = [(n.number, n.event.title, _deadline_cell(n.event), n.event.responsible,
                  _note(done), done.status.label if done else ExecutionStatus.PLANNED.label)
                 for n, done in rows]
        groups.append((str(STAGES[stage]), lines))
    return xlsx_response(xlsx.export_execution(_title(roadmap), groups),
                         f"execution-{roadmap.organization.code}-{roadmap.school_year}.xlsx")


def _deadline_cell(event) -> object:
    """A deadline that is just a day is a date cell; a month, a range or a note is text."""
    if event.due_is_month or event.deadline_note:
        return event.deadline_text
    return event.due_on


def _note(done) -> str:
    """The execution note as one text: what was done, the reason, the evidence."""
    if done is None:
        return ""
    parts = [done.note]
    if done.reason:
        parts.append(_("Reason: %(text)s", text=done.reason))
    if done.evidence_order:
        parts.append(done.evidence_order)
    if done.evidence_url:
        parts.append(done.evidence_url)
    return "\n".join(p for p in parts if p)
