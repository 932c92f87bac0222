"""What the report form shows: the values (stored, followed from the register, typed), its
sections and derived values, the workflow buttons, the register's values and reasons, the
evidence and the file links (the view: :mod:`portal.reports.views`)."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _

from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import UNIT_LABELS, Indicator, section_label
from portal.reports import evidence, notes, prefill, queries, quick_form
from portal.reports.forms import UPLOAD_FROM_FILE, CommentForm
from portal.reports.models import Period, Report, ReportState
from portal.reports.sum_groups import sum_groups
from portal.reports.validation import Outcome
from portal.reports.values import parse_number
from portal.rules import derived_for
from tenants.models import Organization
from tenants.scoping import Action, allows

REASON_PREFIX = "r:"  # the form's field of the reason of a register difference: r:<code>


def form_context(organization: Organization, period: Period, report: Report | None,
                 outcome: Outcome, typed: dict[str, str] | None) -> dict:
    """The template context of ``reports/form.html``; ``typed``: the cells the curator
    posted (None when the form is only shown)."""
    indicators = catalogue_queries.indicators_for(period, organization.type)
    editable = _editable(organization, period, report)
    register = _register_context(organization, period, report, indicators, editable)
    values = _values(report, indicators, register, editable, typed)
    labels = {i.code: i.label(organization.type) for i in indicators}
    groups = sum_groups(indicators, catalogue_queries.active_rules(period))
    return {
        "organization": organization, "period": period, "report": report, "outcome": outcome,
        "sections": _sections(indicators),
        "values": values, "previous": queries.previous_values(organization, period),
        "editable": editable, "unit_labels": UNIT_LABELS,
        **_derived(indicators, values), **_buttons(organization, report),
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
        **_register(organization, report, indicators, register, typed),
    }


def _editable(organization: Organization, period: Period, report: Report | None) -> bool:
    """Whether the form is editable: the curator's, while draft or returned."""
    return (report is None or report.editable) and allows(Action.EDIT, organization) \
        and (period.is_open or (report is not None and report.state is ReportState.RETURNED))


def _values(report: Report | None, indicators: list[Indicator], register: dict,
            editable: bool, typed: dict[str, str] | None) -> dict[str, str]:
    """The cells shown: the stored ones, those that follow the register, what was typed."""
    codes = {i.id: i.code for i in indicators}  # the form shows these only
    stored = {codes[v.indicator_id]: v.raw for v in (report.values if report else [])
              if v.indicator_id in codes}
    prefilled = prefill.follow_register(register, stored, report.register_values
                                        if report else None) if editable else {}
    return {**stored, **prefilled, **(typed or {})}


def _sections(indicators: list[Indicator]) -> list[tuple]:
    """(code, label, items, whether «везде 0» applies) of each section, in form order."""
    sections: dict[str, list] = {}
    for indicator in indicators:
        sections.setdefault(indicator.section, []).append(indicator)
    return [(code, section_label(code), items, any(quick_form.zeroable(i) for i in items))
            for code, items in sections.items()]


def _derived(indicators: list[Indicator], values: dict[str, str]) -> dict:
    """The derived indicators of the form version: their spec and their values now."""
    derived = derived_for(indicators)
    return {
        "derived": derived,
        "derived_spec": [{"code": d.code, "numerator": d.numerator, "denominator": d.denominator,
                          "scale": d.scale, "unit": d.unit} for d in derived],
        "derived_values": {d.code: d.compute(_numbers(values)) for d in derived},
    }


def _buttons(organization: Organization, report: Report | None) -> dict:
    """Which workflow buttons the user gets besides saving."""
    return {
        "can_confirm": report is not None and report.state is ReportState.AWAITING_HEAD
        and allows(Action.CONFIRM, organization),
        "can_review": report is not None and allows(Action.REVIEW, organization),
        "can_withdraw": report is not None and report.state is ReportState.AWAITING_HEAD
        and allows(Action.EDIT, organization),
    }


def _register(organization: Organization, report: Report | None, indicators: list[Indicator],
              register: dict, typed: dict[str, str] | None) -> dict:
    """The register's values, the reasons of the differences (stored, then posted) and the
    differences changed outside the form."""
    reasons = {code: note.get("reason", "") for code, note in
               ((report.register_values or {}) if report else {}).items()}
    return {
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
    """The template, the export and (while editable) the upload of the report's file."""
    ids = {"org_id": organization.id, "period_id": period.id}
    links = [{"url": url_for("report_files.template", **ids), "label": _("XLSX template")},
             {"url": url_for("report_files.export", **ids), "label": _("Export to XLSX")}]
    if editable:
        links.insert(0, {"url": url_for("report_files.upload", **ids),
                         "label": str(UPLOAD_FROM_FILE)})
    return links


def _numbers(values: dict[str, str]) -> dict:
    """The cells that hold numbers, as numbers (the derived values' input)."""
    parsed = {code: parse_number(raw or "") for code, raw in values.items()}
    return {code: number for code, number in parsed.items() if number is not None}
