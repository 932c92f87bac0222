"""Report files: XLSX templates, uploads with a preview and a confirmation, XLSX exports.

Every view receives its organization or municipality and period already resolved through
the scope and checked to lie in one region (tenants.scoping); it checks the action, then acts.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from portal import rules
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import Indicator
from portal.database import reads_first
from portal.downloads import xlsx_response
from portal.extensions import db
from portal.report_files import upload, workbooks
from portal.report_files.preview import CHANGE_LABELS
from portal.reports import operations, queries
from portal.reports.models import Period, Report
from portal.tabular import FileRejected
from tenants.models import Municipality, Organization
from tenants.scoping import Action, allows, require, scoped_select

CSV_EXAMPLES = {upload.KIND_REPORT: "code;value\nstaff_total;48\nstudents_passed_pct;87,5",
                upload.KIND_BULK: "org_code;staff_total;mentors;mentees\n9901001;48;6;9"}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def report_url(organization: Organization, period: Period) -> str:
    try:
        return url_for("reports.form", org_id=organization.id, period_id=period.id)
    except BuildError:
        return url_for("tenants.organization", org_id=organization.id)


def status_url(municipality: Municipality, period: Period) -> str:
    try:
        return url_for("status.municipal_status", municipality_id=municipality.id,
                       period_id=period.id)
    except BuildError:
        return url_for("tenants.municipality", municipality_id=municipality.id)


def _file_name(prefix: str, code: str, period: Period) -> str:
    return f"{prefix}_{code}_{period.file_tag}.xlsx"


# -- one organization -------------------------------------------------------------------------

def _report_workbook(organization: Organization, period: Period, *, export: bool) -> bytes:
    report = queries.report_for(organization, period)
    stored = queries.values_of(report)
    indicators = catalogue_queries.indicators_for(period, organization.type)
    if export:  # a past report keeps the values of indicators retired since
        known = {i.code for i in indicators}
        retired = catalogue_queries.indicators_for(period, organization.type,
                                                   include_retired=True)
        indicators += [i for i in retired
                       if i.code not in known and i.code in stored]
    current = {code: (v.raw, v.value) for code, v in stored.items()}
    return workbooks.report_template(organization, period, indicators, current,
                                     queries.previous_values(organization, period),
                                     report.state.value if report else None)


def template(organization: Organization, period: Period):
    """The XLSX template of the report, pre-filled with what is stored."""
    data = _report_workbook(organization, period, export=False)
    return xlsx_response(data, _file_name("report-template", organization.code, period))


def export(organization: Organization, period: Period):
    """The report as XLSX, for everyone who may see it."""
    data = _report_workbook(organization, period, export=True)
    return xlsx_response(data, _file_name("report", organization.code, period))


def _upload_page(organization: Organization, period: Period, error: str | None = None,
                 status: int = 200):
    report = queries.report_for(organization, period)
    refusal = upload.refusal(report, period)
    return render_template(
        "report_files/upload.html", kind=upload.KIND_REPORT, organization=organization,
        period=period, report=report, error=error,
        refusal=_sentence(refusal) if refusal else None,
        can_upload=allows(Action.EDIT, organization) and not refusal,
        template_url=url_for(".template", org_id=organization.id, period_id=period.id),
        back_url=report_url(organization, period), max_mb=upload.UPLOAD_MAX_BYTES >> 20,
        csv_example=CSV_EXAMPLES[upload.KIND_REPORT],
    ), status


@reads_first  # parsing a file is slow, and the preview is kept in a file, not the database
def upload_report(organization: Organization, period: Period):
    """Choose a file (GET) or read and check it (POST), then show the preview."""
    if request.method == "GET":
        return _upload_page(organization, period)
    require(Action.EDIT, organization)
    refusal = upload.refusal(queries.report_for(organization, period), period)
    if refusal:
        return _upload_page(organization, period, _sentence(refusal), 409)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _upload_page(organization, period, _("Choose a file to upload."), 400)
    try:
        data = upload.read_upload(sent.stream)
        payload = upload.read_report_file(data, sent.filename, organization, period)
    except FileRejected as rejected:
        return _upload_page(organization, period, str(rejected), 422)
    token = upload.store(payload, current_user.id, sent.filename)
    return redirect(url_for(".preview", org_id=organization.id, period_id=period.id,
                            token=token), 303)


def _report_preview(organization, period, token):
    payload = upload.load(token, current_user.id, upload.KIND_REPORT, organization.id, period)
    if payload is None:
        return None
    allowed = {organization.id: organization} if allows(Action.EDIT, organization) else {}
    return upload.evaluate(payload, period, allowed)


def preview(organization: Organization, period: Period, token: str):
    """What the uploaded file would change, every problem by row and column."""
    result = _report_preview(organization, period, token)
    if result is None:
        return _gone(token, report_url(organization, period), _("Go to the report"),
                     url_for(".upload", org_id=organization.id, period_id=period.id))
    return _render_preview(organization, period, token, result)


def _gone(token: str, back_url: str, back_label: str, upload_url: str):
    """A preview no longer kept explains itself: saved already (the browser's back button,
    200) or expired, someone else's or mistyped (404, as before, with a way on)."""
    saved = upload.was_saved(token, current_user.id)
    return render_template("report_files/upload_gone.html", back_url=back_url,
                           back_label=back_label, upload_url=upload_url,
                           saved=saved), 200 if saved else 404


def _render_preview(organization, period, token, result, error=None, status=200):
    return render_template(
        "report_files/upload_preview.html", organization=organization, period=period,
        preview=result, item=result.organizations[0] if result.organizations else None,
        token=token, error=error, stale_message=upload.stale_message(),
        back_url=report_url(organization, period),
        change_labels={key: str(label) for key, label in CHANGE_LABELS.items()},
        upload_url=url_for(".upload", org_id=organization.id, period_id=period.id),
    ), status


def confirm(organization: Organization, period: Period, token: str):
    """Save the previewed file: everything or nothing."""
    require(Action.EDIT, organization)
    result = _report_preview(organization, period, token)
    return _save(result, period, token,
                 url_for(".upload", org_id=organization.id, period_id=period.id),
                 lambda error, status: _render_preview(organization, period, token, result,
                                                       error, status),
                 lambda _reports, n: (_("The file has been saved: %(n)d values changed.", n=n),
                                      report_url(organization, period)),
                 report_url(organization, period))


def _save(result, period, token, upload_url, render, saved, done_url):
    """Confirm a preview: the page it leads to, or the preview again saying why not."""
    if result is None and upload.was_saved(token, current_user.id):
        flash(_("This file has already been saved."), "info")  # a second click
        return redirect(done_url)
    if result is None:
        flash(_("This upload has expired or has already been saved. Upload the file again."),
              "warning")
        return redirect(upload_url)
    try:
        reports, written = upload.confirm(result, period, current_user)
    except operations.ReportError as problem:
        return render(str(problem), 409 if isinstance(problem, operations.ConflictError)
                      else 422)
    upload.discard(token, saved_by=current_user.id)
    message, target = saved(reports, written)
    flash(message, "success")
    return redirect(target)


# -- a municipality ------------------------------------------------------------------------

def _reportable(municipality: Municipality) -> dict[str, Organization]:
    """The municipality's organizations the user reviews, so may report for, by code."""
    stmt = scoped_select(Organization, Action.REVIEW).where(
        Organization.municipality_id == municipality.id)
    return {org.code: org for org in db.session.scalars(stmt)}


def _indicators_for_types(period: Period, types, include: set[str] = frozenset()
                          ) -> list[Indicator]:
    return [i for i in catalogue_queries.all_indicators(period)
            if (i.retired_at is None and any(i.applies(t) for t in types)) or i.code in include]


def _reports_and_values(org_ids: list[int], period: Period):
    reports = {r.organization_id: r for r in db.session.scalars(
        sa.select(Report).where(Report.period_id == period.id,
                                Report.organization_id.in_(org_ids or [-1])))}
    stored = queries.values_of_reports([r.id for r in reports.values()])
    values = {org_id: stored.get(report.id, {}) for org_id, report in reports.items()}
    return reports, values


def bulk_template(municipality: Municipality, period: Period):
    """The municipal bulk file with the organizations listed and their stored values."""
    allowed = _reportable(municipality)
    if not allowed:
        abort(403)
    organizations = sorted((o for o in allowed.values() if o.is_active), key=lambda o: o.name)
    reports, values = _reports_and_values([o.id for o in organizations], period)
    data = workbooks.bulk_template(
        municipality, period, organizations,
        _indicators_for_types(period, {o.type for o in organizations}), values,
        {org_id: r.state.value for org_id, r in reports.items()})
    return xlsx_response(data, _file_name("municipal-template", municipality.code, period))


def _bulk_page(municipality: Municipality, period: Period, error: str | None = None,
               status: int = 200):
    return render_template(
        "report_files/upload.html", kind=upload.KIND_BULK, municipality=municipality, period=period,
        error=error, refusal=None if period.is_open else _sentence(_(
            "the period is closed; reports cannot be started or changed")),
        can_upload=True,
        template_url=url_for(".bulk_template", municipality_id=municipality.id,
                             period_id=period.id),
        back_url=status_url(municipality, period), max_mb=upload.UPLOAD_MAX_BYTES >> 20,
        csv_example=CSV_EXAMPLES[upload.KIND_BULK],
    ), status


@reads_first  # as upload_report
def bulk_upload(municipality: Municipality, period: Period):
    """A coordinator's file with the reports of many organizations of the municipality."""
    allowed = _reportable(municipality)
    if not allowed:
        abort(403)
    if request.method == "GET":
        return _bulk_page(municipality, period)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _bulk_page(municipality, period, _("Choose a file to upload."), 400)
    try:
        data = upload.read_upload(sent.stream)
        payload = upload.read_bulk_file(data, sent.filename, municipality, period, allowed)
    except FileRejected as rejected:
        return _bulk_page(municipality, period, str(rejected), 422)
    token = upload.store(payload, current_user.id, sent.filename)
    return redirect(url_for(".bulk_preview", municipality_id=municipality.id,
                            period_id=period.id, token=token), 303)


def _bulk_preview(municipality, period, token):
    payload = upload.load(token, current_user.id, upload.KIND_BULK, municipality.id, period)
    if payload is None:
        return None
    allowed = {org.id: org for org in _reportable(municipality).values()}
    return upload.evaluate(payload, period, allowed)


def _render_bulk(municipality, period, token, result, error=None, status=200):
    return render_template(
        "report_files/upload_bulk_preview.html", municipality=municipality, period=period,
        preview=result, token=token, error=error, stale_message=upload.stale_message(),
        back_url=status_url(municipality, period),
        upload_url=url_for(".bulk_upload", municipality_id=municipality.id,
                           period_id=period.id),
    ), status


def bulk_preview(municipality: Municipality, period: Period, token: str):
    result = _bulk_preview(municipality, period, token)
    if result is None:
        return _gone(token, status_url(municipality, period), _("Go to the status page"),
                     url_for(".bulk_upload", municipality_id=municipality.id,
                             period_id=period.id))
    return _render_bulk(municipality, period, token, result)


def bulk_confirm(municipality: Municipality, period: Period, token: str):
    result = _bulk_preview(municipality, period, token)
    return _save(result, period, token,
                 url_for(".bulk_upload", municipality_id=municipality.id, period_id=period.id),
                 lambda error, status: _render_bulk(municipality, period, token, result, error,
                                                    status),
                 lambda reports, n: (_("The file has been saved: %(values)d values changed in "
                                       "%(reports)d reports.", values=n, reports=reports),
                                     status_url(municipality, period)),
                 status_url(municipality, period))


def municipal_export(municipality: Municipality, period: Period):
    """All reports of the municipality for the period: a row per organization."""
    stmt = scoped_select(Organization, Action.VIEW).where(
        Organization.municipality_id == municipality.id).order_by(Organization.name)
    organizations = list(db.session.scalars(stmt))
    reports, values = _reports_and_values([o.id for o in organizations], period)
    reporting = rules.reporting(period)
    organizations = [o for o in organizations
                     if rules.expected(o, reporting) or o.id in reports]
    with_values = {code for stored in values.values() for code in stored}
    indicators = _indicators_for_types(period, {o.type for o in organizations}, with_values)
    numeric = {i.code for i in indicators if i.kind.is_numeric}  # the others: as typed
    rows = []
    for org in organizations:
        report = reports.get(org.id)
        cells = {code: (value if value is not None and code in numeric else raw or None)
                 for code, (raw, value) in values.get(org.id, {}).items()}
        rows.append((org, report.state.value if report else None, cells))
    data = workbooks.municipal_export(municipality, period, rows, indicators)
    return xlsx_response(data, _file_name("reports", municipality.code, period))
