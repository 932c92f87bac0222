"""The indicator catalogue: indicators and validation rules, shared by all regions (§7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import db
from tenants.models import OrganizationType, _enum
from tenants.scoping import Action, Scope, scope_rule, shared_model, url_argument


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    SCORE = "score"


UNIT_LABELS = {Unit.COUNT: _l("people / items"), Unit.PERCENT: _l("%"), Unit.SCORE: _l("points")}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


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
    expression: Mapped[str | None] = mapped_column(sa.String(2000))  # kind expression only
    # kind jump: the change is suspicious above ``threshold`` (relative, 0.5 = 50 %) and at
    # least ``threshold_absolute`` (small counts jump by nature: 1 → 3 is not suspicious)
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    threshold_absolute: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    message_ru: Mapped[str] = mapped_column(sa.String(500))
    message_en: Mapped[str] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def message(self) -> str:
        return _localized(self.message_ru, self.message_en)


@scope_rule(Indicator)
def _visible_indicators(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """The catalogue is public to every user; only administrators change it.

    It is shared by every region: a regional coordinator who could add a required
    indicator or retire one would change the forms of every other region too.
    """
    return sa.true() if action is Action.VIEW or scope.is_admin else sa.false()


@scope_rule(ValidationRule)
def _visible_rules(scope: Scope, action: Action) -> sa.ColumnElement[bool]:
    """As the catalogue: everyone reads the rules, only administrators change them."""
    return sa.true() if action is Action.VIEW or scope.is_admin else sa.false()


url_argument("indicator_id", "indicator", Indicator)
url_argument("rule_id", "rule", ValidationRule)
shared_model(Indicator, "the indicator catalogue is one for every region")
shared_model(ValidationRule, "the validation rules of the catalogue are one for every region")
