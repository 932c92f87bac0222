"""Reporting periods, reports, their values and the audit log (the catalogue: portal.catalogue)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalogue.models import Form, FormVersion, Indicator
from portal.clock import utcnow
from portal.extensions import db
from portal.reports.periods import (
    SCHOOL_YEAR_FIRST_MONTH,
    period_label,
    quarter_start,
    school_year_label,
    school_year_of,
)
from tenants.models import Organization, Region, _enum
from tenants.scoping import Action, Scope, scope_rule, url_argument

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.documents.models import DocumentVersion


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


class Period(db.Model):
    """One collection of a region's form: a quarter, half-year, school or calendar year, or a
    one-off collection «на дату», with its opening date and deadline.

    It reads the version of its form that was current when it opened (``form_version``).
    ``year``/``quarter`` are set for quarterly forms only.
    """

    __tablename__ = "periods"
    __table_args__ = (
        sa.UniqueConstraint("form_id", "starts_on", "ends_on", name="uq_periods_form_dates"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"))
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"), index=True)
    form_version_id: Mapped[int] = mapped_column(sa.ForeignKey("form_versions.id"), index=True)
    year: Mapped[int | None]
    quarter: Mapped[int | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    title: Mapped[str | None] = mapped_column(sa.String(200))  # one-off collections
    opens_on: Mapped[date]
    deadline: Mapped[date]
    is_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    closed_at: Mapped[datetime | None]

    region: Mapped[Region] = relationship()
    form: Mapped[Form] = relationship(lazy="joined")  # its periodicity shapes every page
    # joined too: the items of the form read their version's derived indicators through it
    form_version: Mapped[FormVersion] = relationship(lazy="joined")

    @hybrid_property
    def school_year(self) -> int:
        """The calendar year the school year of the period starts in (2025 for 2025/2026)."""
        return school_year_of(self.starts_on)

    @school_year.inplace.expression
    @classmethod
    def _school_year_expression(cls) -> sa.ColumnElement[int]:
        # The same rule in SQL: the year of the first day, less one before the month the
        # school year starts in.
        first_month = sa.extract("month", cls.starts_on)
        return (sa.extract("year", cls.starts_on)
                - sa.case((first_month >= SCHOOL_YEAR_FIRST_MONTH, 0), else_=1))

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def label(self) -> str:
        """«IV квартал 2026 г.», «I полугодие 2026 г.», «2025/2026 учебный год», «2026 г.», or
        a one-off collection's own title."""
        if self.quarter is not None:  # also a period not stored yet (its dates unset)
            return period_label("quarter", quarter_start(self.year, self.quarter), self.title)
        return period_label(self.form.periodicity, self.starts_on, self.title)

    @property
    def file_tag(self) -> str:
        """The period in a file name: 2026-Q4 for a quarter, else its first and last day."""
        if self.quarter is not None:
            return f"{self.year}-Q{self.quarter}"
        return f"{self.starts_on:%Y%m%d}-{self.ends_on:%Y%m%d}"

    def __repr__(self) -> str:
        return f"<Period {self.starts_on}..{self.ends_on} form={self.form_id}>"


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
    # Item code → {"register": the register's count at the last form save, "reason": why the
    # report's value differs, if it does} (portal/reports/prefill.py); counts only.
    register_values: Mapped[dict | None] = mapped_column(sa.JSON)
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
    # As typed, kept even when invalid; a text item's answer is its raw text (≤ 2000).
    raw: Mapped[str] = mapped_column(sa.String(2000), default="")
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    # An evidence item's file (portal.reports.evidence): stored in the documents store under
    # a generated name, or a version of the organization's register chosen instead. Its link
    # is the raw text itself (the answer «да» when there is a file only).
    storage_name: Mapped[str | None] = mapped_column(sa.String(255))
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    document_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document_versions.id", ondelete="SET NULL"))

    report: Mapped[Report] = relationship(back_populates="values")
    indicator: Mapped[Indicator] = relationship()
    document_version: Mapped[DocumentVersion | None] = relationship()

    @property
    def has_file(self) -> bool:
        """Whether an evidence value has a file: its own or a document of the register."""
        return self.storage_name is not None or self.document_version_id is not None


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
    # form, upload, bulk_upload, workflow, system
    source: Mapped[str] = mapped_column(sa.String(16))
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


url_argument("report_id", "report", Report, parents=("organization", "period"))
url_argument("period_id", "period", Period, parents=("region",))
url_argument("value_id", "value", ReportValue, parents=("report",))

__all__: list[Any] = ["Period", "Report", "ReportValue", "AuditEntry"]
