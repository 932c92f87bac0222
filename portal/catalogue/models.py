"""Region-owned forms (issue 11): a form, its frozen versions, their items and rules.

A form belongs to one region (``region_id`` NULL: a national template a region copies).
Its items (:class:`Indicator`) and rules belong to one :class:`FormVersion`; a version is
frozen when a period of it opens and never changes afterwards (portal.catalogue.operations).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from portal.catalogue.definition import ItemKind, Periodicity, Severity
from portal.clock import utcnow
from portal.extensions import db
from tenants.models import OrganizationType, Region, _enum
from tenants.scoping import Action, Scope, scope_rule, url_argument

Unit = ItemKind  # the kinds were called units while there were only three of them

KIND_LABELS = {
    ItemKind.COUNT: _l("people / items"), ItemKind.PERCENT: _l("%"),
    ItemKind.SCORE: _l("points"), ItemKind.NUMBER: _l("number"), ItemKind.YES_NO: _l("yes / no"),
    ItemKind.EVIDENCE: _l("evidence"), ItemKind.TEXT: _l("text"), ItemKind.DATE: _l("date"),
}
UNIT_LABELS = KIND_LABELS


SEVERITY_LABELS = {Severity.ERROR: _l("error (blocks submission)"),
                   Severity.WARNING: _l("warning (to be explained)")}


class RuleKind(StrEnum):
    EXPRESSION = "expression"  # a condition of portal.catalogue.expressions that must hold
    JUMP = "jump"  # a count's change against the previous quarter beyond both thresholds


def _localized(ru: str, en: str) -> str:
    return en if str(get_locale() or "ru") == "en" else ru


def section_label(code: str) -> str:
    """The name of a form section in the user's language."""
    from portal.catalogue.standard import SECTIONS

    ru, en = SECTIONS.get(code, (code, code))
    return _localized(ru, en)


class Form(db.Model):
    """A region's form (data set): what its organizations report, and how often."""

    __tablename__ = "forms"
    __table_args__ = (sa.UniqueConstraint("region_id", "code", name="uq_forms_region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name_ru: Mapped[str] = mapped_column(sa.String(500))
    name_en: Mapped[str] = mapped_column(sa.String(500))
    periodicity: Mapped[Periodicity] = mapped_column(_enum(Periodicity, "form_periodicity"))
    applies_to: Mapped[list] = mapped_column(sa.JSON)  # organization type values
    # The generic jump warning: beyond both thresholds against the previous period.
    jump_relative: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    jump_absolute: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region | None] = relationship()

    @property
    def name(self) -> str:
        return _localized(self.name_ru, self.name_en)

    @property
    def is_template(self) -> bool:
        return self.region_id is None

    def __repr__(self) -> str:
        return f"<Form {self.code} region={self.region_id}>"


class FormVersion(db.Model):
    """One version of a form's items and rules; frozen once a period of it opens."""

    __tablename__ = "form_versions"
    __table_args__ = (sa.UniqueConstraint("form_id", "number", name="uq_form_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"), index=True)
    number: Mapped[int]
    frozen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    form: Mapped[Form] = relationship()

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def __repr__(self) -> str:
        return f"<FormVersion {self.form_id}.{self.number}>"


class Indicator(db.Model):
    """One item of a form version (DOMAIN.md §7); a code stays the same across versions."""

    __tablename__ = "indicators"
    __table_args__ = (
        sa.UniqueConstraint("form_version_id", "code", name="uq_indicators_version_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(sa.ForeignKey("form_versions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    label_ru: Mapped[str] = mapped_column(sa.String(500))
    label_en: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind, "item_kind"))
    unit_ru: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    unit_en: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    help_ru: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    help_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    required: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    scale: Mapped[int | None]  # score: values 1..scale
    presence: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # An evidence item may stand for a document kind of the register (portal.documents).
    document_kind: Mapped[str | None] = mapped_column(sa.String(32))
    section: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    applies_to: Mapped[list] = mapped_column(sa.JSON)  # organization type values
    type_labels: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # type → {"ru", "en"}
    breakdown: Mapped[str | None] = mapped_column(sa.String(32))  # pairs_by_form, pairs_by_type
    min_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    max_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    form_version: Mapped[FormVersion] = relationship()
    # The kind under its old name: count, percent and score were the units.
    unit = synonym("kind")


    @property
    def unit_label(self) -> str:
        """The unit words in the user's language («человек», «пар»), else the kind's caption."""
        return _localized(self.unit_ru, self.unit_en) or str(KIND_LABELS[self.kind])

    @property
    def is_subitem(self) -> bool:
        """Shown indented under the line it details ("of them…", breakdowns)."""
        return self.breakdown is not None or self.label_en.startswith("of them")

    @property
    def version_derived(self) -> tuple:
        """The derived indicators of the item's version (portal.catalogue.derived_rows: a
        frozen version's are read once per process, so this reads nothing on the hot path)."""
        from portal.catalogue.derived_rows import derived_rows

        version = self.form_version  # None where the scope hides it: read afresh then
        return derived_rows(self.form_version_id, version.frozen_at if version else None)

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
    __table_args__ = (
        sa.UniqueConstraint("form_version_id", "code", name="uq_validation_rules_version_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(sa.ForeignKey("form_versions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[RuleKind] = mapped_column(_enum(RuleKind, "rule_kind"))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "rule_severity"))
    expression: Mapped[str | None] = mapped_column(sa.String(2000))  # kind expression only
    # kind jump: the change is suspicious above ``threshold`` (relative, 0.5 = 50 %) and at
    # least ``threshold_absolute`` (small counts jump by nature: 1 → 3 is not suspicious)
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    threshold_absolute: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    message_ru: Mapped[str] = mapped_column(sa.String(500))
    message_en: Mapped[str] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    form_version: Mapped[FormVersion] = relationship()

    def message(self) -> str:
        return _localized(self.message_ru, self.message_en)


class DerivedIndicator(db.Model):
    """A derived indicator of a form version (issue 11 §8): a ratio of sums of its items,
    computed at the level shown (portal.rules.Derived), never typed or averaged."""

    __tablename__ = "derived_indicators"
    __table_args__ = (
        sa.UniqueConstraint("form_version_id", "code", name="uq_derived_indicators_version_code"),
        sa.CheckConstraint("scale IN (1, 100)", name="scale"))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(sa.ForeignKey("form_versions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    label_ru: Mapped[str] = mapped_column(sa.String(500))
    label_en: Mapped[str] = mapped_column(sa.String(500))
    numerator: Mapped[list] = mapped_column(sa.JSON)  # item codes, summed
    denominator: Mapped[list] = mapped_column(sa.JSON)
    scale: Mapped[int] = mapped_column(default=100)  # 100: a percent, 1: a ratio
    position: Mapped[int] = mapped_column(default=0)

    form_version: Mapped[FormVersion] = relationship()

    @property
    def unit(self) -> str:
        return "ratio" if self.scale == 1 else "percent"

    def label(self) -> str:
        return _localized(self.label_ru, self.label_en)

    def __repr__(self) -> str:
        return f"<DerivedIndicator {self.code}>"


_FORMS, _VERSIONS = Form.__table__, FormVersion.__table__


def _form_predicate(scope: Scope, action: Action, region_column: sa.ColumnElement) -> Any:
    """Forms are region data: a region's people read its forms, its coordinators change
    them; templates (no region) are read by everyone and changed by the administrator."""
    if scope.is_admin:
        return sa.true()
    if action is not Action.VIEW:
        return region_column.in_(sorted(scope.region_ids)) if scope.region_ids else sa.false()
    regions = scope.regions_in_scope()
    own = region_column.in_(regions) if regions is not None else sa.false()
    return sa.or_(region_column.is_(None), own)


@scope_rule(Form)
def _visible_forms(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    return _form_predicate(scope, action, Form.region_id)


def _versions_of_visible_forms(scope: Scope, action: Action) -> sa.Select:
    return (sa.select(_VERSIONS.c.id).join(_FORMS, _FORMS.c.id == _VERSIONS.c.form_id)
            .where(_form_predicate(scope, action, _FORMS.c.region_id)))


@scope_rule(FormVersion)
def _visible_versions(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    if scope.is_admin:
        return sa.true()
    return FormVersion.form_id.in_(sa.select(_FORMS.c.id).where(
        _form_predicate(scope, action, _FORMS.c.region_id)))


@scope_rule(Indicator)
def _visible_indicators(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """An item goes with its form: the region's coordinators change it, nobody else's.

    Reading is open (as the one catalogue was): an item is reached through a period or a
    form the user may see, and its labels are no secret; dashboards and files read them.
    """
    if scope.is_admin or action is Action.VIEW:
        return sa.true()
    return Indicator.form_version_id.in_(_versions_of_visible_forms(scope, action))


@scope_rule(ValidationRule)
def _visible_rules(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """A rule goes with its form's version, as the items do: read by all, changed by the
    form's region's coordinators (a template's: the administrator)."""
    if scope.is_admin or action is Action.VIEW:  # read with the items
        return sa.true()
    return ValidationRule.form_version_id.in_(_versions_of_visible_forms(scope, action))


@scope_rule(DerivedIndicator)
def _visible_derived(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """A derived indicator goes with its form's version, as the items do."""
    if scope.is_admin or action is Action.VIEW:  # read with the items
        return sa.true()
    return DerivedIndicator.form_version_id.in_(_versions_of_visible_forms(scope, action))


url_argument("form_id", "form", Form)
url_argument("indicator_id", "indicator", Indicator)
url_argument("rule_id", "rule", ValidationRule)
url_argument("derived_id", "derived", DerivedIndicator)
