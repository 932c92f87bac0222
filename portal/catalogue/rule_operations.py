"""Writes of the validation rules (the rule editor): checked first, then flushed; the request
commits. An expression is parsed against the catalogue before it is stored, so the engine
never meets one that does not parse."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue import expressions
from portal.catalogue.models import Indicator, RuleKind, Severity, ValidationRule
from portal.catalogue.operations import CatalogueError
from portal.extensions import db
from portal.textcheck import too_long_for_columns


def known_codes() -> list[str]:
    """The codes a rule may name: the indicators in use, in form order."""
    return list(db.session.scalars(sa.select(Indicator.code).where(Indicator.retired_at.is_(None))
                                   .order_by(Indicator.position, Indicator.id)))


def checked_expression(text: str) -> str:
    """``text`` stripped, or :class:`CatalogueError` with the parser's message."""
    text = (text or "").strip()
    try:
        expressions.parse(text, known_codes())
    except expressions.ExpressionError as exc:
        raise CatalogueError(exc.message) from None
    return text


def _check_texts(code: str, message_ru: str, message_en: str) -> None:
    problem = too_long_for_columns({_("Code"): (ValidationRule.code, code),
                                    _("Message in Russian"): (ValidationRule.message_ru,
                                                              message_ru),
                                    _("Message in English"): (ValidationRule.message_en,
                                                              message_en)})
    if problem:
        raise CatalogueError(problem)


def add_rule(*, code: str, severity: Severity, expression: str, message_ru: str,
             message_en: str) -> ValidationRule:
    """Add an active expression rule; codes stay unique."""
    _check_texts(code, message_ru, message_en)
    if db.session.scalar(sa.select(ValidationRule.id).filter_by(code=code)) is not None:
        raise CatalogueError(_("A rule with this code already exists."))
    rule = ValidationRule(code=code, kind=RuleKind.EXPRESSION, severity=severity,
                          expression=checked_expression(expression), message_ru=message_ru,
                          message_en=message_en, active=True)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(rule: ValidationRule, *, severity: Severity, message_ru: str, message_en: str,
                expression: str = "", threshold: Decimal | None = None,
                threshold_absolute: Decimal | None = None) -> None:
    """Change a rule: its expression, or for the jump rule its two thresholds."""
    _check_texts(rule.code, message_ru, message_en)
    if rule.kind is RuleKind.JUMP:
        if threshold is None or threshold < 0 or (threshold_absolute or 0) < 0:
            raise CatalogueError(_("Give the relative threshold (0.5 = 50 %) and the smallest "
                                   "change, neither negative."))
        rule.threshold, rule.threshold_absolute = threshold, threshold_absolute
    else:
        rule.expression = checked_expression(expression)
    rule.severity, rule.message_ru, rule.message_en = severity, message_ru, message_en
    db.session.flush()


def set_rule_active(rule: ValidationRule, active: bool) -> None:
    """Deactivate a rule (it stays, and can be activated again) or activate it."""
    rule.active = active
    db.session.flush()
