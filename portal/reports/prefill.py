"""The report prefilled from the register (issue 12 item 5): counts «из реестра».

The register (portal/mentoring), the programmes and the monitoring give a period's counts by
the catalogue's item codes; the report form shows them in its fields, marked as coming from
the register. The curator keeps them or overrides them with a reason: a value that differs
from the register without a reason is refused. What the last save saw is kept on the report
(``Report.register_values``: the register's count and the reason, by item code), so the
coordinator reviewing it sees the differences. Only counts: no name crosses here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import textcheck
from portal.catalogue.models import Indicator
from portal.mentoring.counts import keeps_register, register_counts
from portal.mentoring.models import MenteeCategory, MentoringForm, MentoringType
from portal.monitoring.counts import monitoring_counts
from portal.programmes.counts import programme_counts
from portal.reports.models import Period, Report
from portal.reports.values import parse_number
from tenants.models import Organization

REASON_MAX = 500  # one reason for overriding one register value
_REASON_LABEL = _l("The reason for the change")


def register_values(organization: Organization, period: Period) -> dict[str, Decimal]:
    """The register's values of ``organization`` for ``period`` by item code (all codes the
    register can fill; none when the organization keeps no register in the portal).

    Mentors, mentees and pairs are the register's current rows; completed and ended-early
    programmes those that ended within the period; satisfaction means and planning counts
    only where enough teachers answered to be shown outside the organization.
    """
    if not keeps_register(organization):
        return {}
    register = register_counts(organization)
    programmes = programme_counts(organization, period.starts_on, period.ends_on)
    counts: dict[str, int] = {
        "mentors": register.mentors, "mentees": register.mentees, "pairs_groups": register.pairs,
        "programmes_active": programmes.active, "programmes_completed": programmes.completed,
        "programmes_ended_early": programmes.ended_early}
    counts.update({f"mentees_{c.value}": register.by_category.get(c, 0) for c in MenteeCategory})
    counts.update({f"pairs_by_form.{f.value}": register.by_form.get(f, 0) for f in MentoringForm})
    counts.update({f"pairs_by_type.{t.value}": register.by_type.get(t, 0) for t in MentoringType})
    values = {code: Decimal(n) for code, n in counts.items()}
    monitoring = monitoring_counts(organization, (period.starts_on, period.ends_on))
    for code, value in monitoring.report_values().items():
        if value is not None:
            values[code] = Decimal(str(round(value, 1))).normalize()
    return values


def prefill_for(indicators: Iterable[Indicator], organization: Organization,
                period: Period) -> dict[str, Decimal]:
    """The register's values of the items of this form (a form without the codes: none)."""
    wanted = {i.code for i in indicators}
    return {code: value for code, value in register_values(organization, period).items()
            if code in wanted}


def as_typed(value: Decimal) -> str:
    """A register value as the curator would type it (a decimal comma)."""
    return format(value.normalize(), "f").replace(".", ",")


def follow_register(register: Mapping[str, Decimal], stored: Mapping[str, str],
                    last: Mapping[str, dict] | None) -> dict[str, str]:
    """The fields the form fills from the register, as typed: those not filled yet and those
    that kept the register's value at the last save (they follow the register as it changes);
    a value the curator overrode with a reason stays."""
    last = last or {}
    filled = {}
    for code, value in register.items():
        raw, note = stored.get(code) or "", last.get(code)
        kept = note is not None and not note.get("reason") and \
            parse_number(raw) == parse_number(note["register"])
        if not raw or kept:
            filled[code] = as_typed(value)
    return filled


@dataclass(frozen=True)
class RegisterCheck:
    """What the form's save checks against the register: its values and the posted reasons."""

    values: Mapping[str, Decimal]
    reasons: Mapping[str, str]
    labels: Mapping[str, str]  # item code → its label, for the refusal's message


def notes_for(check: RegisterCheck, report_values: Mapping[str, Decimal | None]
              ) -> tuple[dict[str, dict[str, str]], str | None]:
    """What to store of the register on the report, and the refusal's message if any.

    ``report_values`` are the report's numbers after the save (None: blank or not a number,
    no override). A value that differs from the register needs a reason within
    :data:`REASON_MAX`; a reason of a value equal to the register is dropped.
    """
    stored: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    for code, register in check.values.items():
        note = {"register": as_typed(register)}
        value = report_values.get(code)
        if value is not None and value != register:
            reason = (check.reasons.get(code) or "").strip()
            if not reason:
                missing.append(code)
                continue
            problem = textcheck.too_long(reason, REASON_MAX, str(_REASON_LABEL))
            if problem:
                return {}, problem
            note["reason"] = reason
        stored[code] = note
    if missing:
        register_word = _("register")  # outside the f-string, where Babel extracts it
        return {}, _("The value differs from the register and no reason is given: %(items)s. "
                     "Keep the register's value or write why it is changed.",
                     items="; ".join(f"«{check.labels.get(c, c)}» ({register_word}: "
                                     f"{as_typed(check.values[c])})" for c in missing))
    return stored, None


@dataclass(frozen=True)
class Difference:
    """One item whose report value is not the register's, as the coordinator sees it."""

    code: str
    label: str
    report: Decimal | None
    register: Decimal
    reason: str


def differences(report: Report, indicators: Iterable[Indicator],
                organization: Organization) -> list[Difference]:
    """The report's values that differ from the register as of the last form save."""
    stored = report.register_values or {}
    if not stored:
        return []
    items = {i.id: i for i in indicators}
    numbers = {items[v.indicator_id].code: v.value for v in report.values
               if v.indicator_id in items}
    labels = {i.code: i.label(organization.type) for i in items.values()}
    found = []
    for code, note in stored.items():
        register = Decimal(note["register"].replace(",", "."))
        value = numbers.get(code)
        if value is not None and value != register:
            found.append(Difference(code, labels.get(code, code), value, register,
                                    note.get("reason", "")))
    return found


def posted_reasons(form: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """The reasons posted with the form, by item code."""
    return {key[len(prefix):]: str(value) for key, value in form.items()
            if key.startswith(prefix)}
