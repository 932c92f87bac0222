"""Indicator catalogue, validation rules, reporting periods, reports, values and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import get_locale, lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from tenants.models import Organization, OrganizationType, Region, _enum
from tenants.scoping import Action, Scope, scope_rule, shared_model, url_argument

if TYPE_CHECKING:
    from portal.auth.models import User


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    SCORE = "score"


UNIT_LABELS = {Unit.COUNT: _l("people / items"), Unit.PERCENT: _l("%"), Unit.SCORE: _l("points")}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class RuleKind(StrEnum):
    COMPARE = "compare"  # sum(left) <op> factor × sum(right)
    REQUIRES = "requires"  # sum(left) > 0 requires sum(right) > 0
    JUMP = "jump"  # change against the previous quarter beyond a threshold


class ReportState(StrEnum):
    DRAFT = "draft"
    AWAITING_HEAD = "awaiting_head"  # submitted by the curator, the head has to confirm
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    ReportState.DRAFT: _l("draft"),
    ReportState.AWAITING_HEAD: _l("awaiting the head's confirmation"),
    ReportState.SUBMITTED: _l("submitted"),
    ReportState.ACCEPTED: _l("accepted"),
    ReportState.RETURNED: _l("returned for correction"),
}
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)


def _localized(ru: str, en: str) -> str:
    return en if str(get_locale() or "ru") == "en" else ru


def section_label(code: str) -> str:
    """The name of a form section in the user's language."""
    from portal.reports.catalogue import SECTIONS

    ru, en = SECTIONS.get(code, (code, code))
    return _localized(ru, en)


class Indicator(db.Model):
    """One quarterly indicator of the catalogue (DOMAIN.md §7); codes never change."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label_ru: Mapped[str] = mapped_column(sa.String(500))
    label_en: Mapped[str] = mapped_column(sa.String(500))
    unit: Mapped[Unit] = mapped_column(_enum(Unit, "indicator_unit"))
    section: Mapped[str] = mapped_column(sa.String(32))
    position: Mapped[int] = mapped_column(default=0)
    applies_to: Mapped[list] = mapped_column(sa.JSON)  # organization type values
    type_labels: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # type → {"ru", "en"}
    breakdown: Mapped[str | None] = mapped_column(sa.String(32))  # pairs_by_form, pairs_by_type
    min_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    max_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_subitem(self) -> bool:
        """Shown indented under the line it details ("of them…", breakdowns)."""
        return self.breakdown is not None or self.label_en.startswith("of them")

    def applies(self, org_type: OrganizationType) -> bool:
        return org_type.value in (self.applies_to or [])

    def label(self, org_type: OrganizationType | None = None) -> str:
        """The label in the current language, specific to the organization type if it has one."""
        special = (self.type_labels or {}).get(org_type.value) if org_type else None
        if special:
            return _localized(special["ru"], special["en"])
        return _localized(self.label_ru, self.label_en)

    def __repr__(self) -> str:
        return f"<Indicator {self.code}>"


class ValidationRule(db.Model):
    """A check across indicator values, stored as data (DOMAIN.md §7)."""

    __tablename__ = "validation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[RuleKind] = mapped_column(_enum(RuleKind, "rule_kind"))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "rule_severity"))
    left: Mapped[list] = mapped_column(sa.JSON)  # indicator codes; "prefix.*" = a breakdown
    operator: Mapped[str | None] = mapped_column(sa.String(2))  # <=, >=, ==
    right: Mapped[list] = mapped_column(sa.JSON, default=list)
    factor: Mapped[Decimal] = mapped_column(sa.Numeric(10, 4), default=1)
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    message_ru: Mapped[str] = mapped_column(sa.String(500))
    message_en: Mapped[str] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def message(self) -> str:
        return _localized(self.message_ru, self.message_en)


class Period(db.Model):
    """A calendar quarter of one region, with its opening date and deadline."""

    __tablename__ = "periods"
    __table_args__ = (
        sa.UniqueConstraint("region_id", "year", "quarter", name="uq_periods_region_quarter"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"))
    year: Mapped[int]
    quarter: Mapped[int]
    opens_on: Mapped[date]
    deadline: Mapped[date]
    is_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    closed_at: Mapped[datetime | None]

    region: Mapped[Region] = relationship()

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def ends_on(self) -> date:
        from portal.reports.periods import quarter_end

        return quarter_end(self.year, self.quarter)

    @property
    def school_year(self) -> int:
        """The calendar year the school year starts in (2025 for 2025/2026).

        A quarter belongs to the school year it starts in: Q4 2025 → 2025/2026, Q1–Q3
        2026 → 2025/2026 (Q3 starts in July, before the new school year).
        """
        return self.year if self.quarter == 4 else self.year - 1

    @property
    def label(self) -> str:
        roman = ["I", "II", "III", "IV"][self.quarter - 1]
        return str(_l("%(q)s quarter %(y)d", q=roman, y=self.year))

    def __repr__(self) -> str:
        return f"<Period {self.year}Q{self.quarter} region={self.region_id}>"


class Report(db.Model):
    """The quarterly report of one organization for one period."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "period_id", name="uq_reports_org_period"),
        sa.Index("ix_reports_period_state", "period_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("periods.id"), index=True)
    state: Mapped[ReportState] = mapped_column(_enum(ReportState, "report_state"),
                                               default=ReportState.DRAFT)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    review_comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    explanations: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # warning rule → text
    submitted_at: Mapped[datetime | None]
    first_submitted_at: Mapped[datetime | None]  # timeliness counts the first submission
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    organization: Mapped[Organization] = relationship()
    period: Mapped[Period] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    values: Mapped[list[ReportValue]] = relationship(
        back_populates="report", cascade="all, delete-orphan")

    # Optimistic locking: every UPDATE checks and bumps the version (no lost updates).
    __mapper_args__ = {"version_id_col": version}

    @property
    def editable(self) -> bool:
        """Whether the curator may change values (draft or returned)."""
        return self.state in EDITABLE_STATES

    @property
    def on_time(self) -> bool:
        return self.first_submitted_at is not None and \
            self.first_submitted_at.date() <= self.period.deadline

    def __repr__(self) -> str:
        return f"<Report org={self.organization_id} period={self.period_id} {self.state}>"


class ReportValue(db.Model):
    """One indicator value of a report: the text as typed and the parsed number."""

    __tablename__ = "report_values"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "indicator_id", name="uq_report_values_report_indicator"),
        # Covering index for the dashboards: values are read by (report, indicator) and only
        # the number is needed, so lookups never visit the table (index-only scans).
        sa.Index("ix_report_values_report_indicator_value", "report_id", "indicator_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id"), index=True)
    raw: Mapped[str] = mapped_column(sa.String(64), default="")  # kept even when invalid
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))

    report: Mapped[Report] = relationship(back_populates="values")
    indicator: Mapped[Indicator] = relationship()


class AuditEntry(db.Model):
    """Who changed what, when, from where: every value and state change of a report."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_org_at", "organization_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(16))  # form, upload, bulk_upload, workflow, system
    action: Mapped[str] = mapped_column(sa.String(16))  # value, state, comment
    field: Mapped[str] = mapped_column(sa.String(64), default="")
    old: Mapped[str | None] = mapped_column(sa.Text)
    new: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    user: Mapped[User | None] = relationship()
    organization: Mapped[Organization] = relationship()
    report: Mapped[Report | None] = relationship()


@scope_rule(Period)
def _visible_periods(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """Everyone in a region sees its periods; its regional coordinator opens and closes them."""
    if scope.is_admin:
        return sa.true()
    if action is Action.MANAGE:
        return Period.region_id.in_(scope.region_ids) if scope.region_ids else sa.false()
    regions = scope.regions_in_scope()
    return Period.region_id.in_(regions) if regions is not None else sa.false()


@scope_rule(ReportValue)
def _visible_values(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    reports = Report.__table__  # a table: the scope's own subquery stays out of the hook
    return ReportValue.report_id.in_(
        sa.select(reports.c.id).where(scope.predicate(Report, action, on=reports)))


@scope_rule(Indicator)
def _visible_indicators(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """The catalogue is public to every user; the regional centre and admins change it."""
    if action is Action.VIEW or scope.is_admin:
        return sa.true()
    return sa.true() if action is Action.MANAGE and scope.region_ids else sa.false()


shared_model(Indicator, "the indicator catalogue is one for every region")
shared_model(ValidationRule, "the validation rules of the catalogue are one for every region")

url_argument("report_id", "report", Report)
url_argument("period_id", "period", Period)
url_argument("indicator_id", "indicator", Indicator)

__all__: list[Any] = ["Indicator", "ValidationRule", "Period", "Report", "ReportValue",
                      "AuditEntry"]
