"""Writes of the validation rules (the rule editor): checked first, then flushed; the request
commits. An expression is parsed against the catalogue before it is stored, so the engine
never meets one that does not parse."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.catalogue import expressions
from portal.catalogue.definition import RuleDefinition
from portal.catalogue.models import FormVersion, Indicator, RuleKind, Severity, ValidationRule
from portal.catalogue.operations import CatalogueError
from portal.extensions import db
from portal.textcheck import too_long_for_columns


def known_codes(version_id: int) -> dict[str, str]:
    """The codes a rule of a version may name, with their kinds: its items in use, in order."""
    rows = db.session.execute(sa.select(Indicator.code, Indicator.kind)
                              .where(Indicator.form_version_id == version_id,
                                     Indicator.retired_at.is_(None))
                              .order_by(Indicator.position, Indicator.id))
    return {code: kind.value for code, kind in rows}


def checked_expression(text: str, version_id: int) -> str:
    """``text`` stripped, or :class:`CatalogueError` with the parser's message."""
    text = (text or "").strip()
    try:
        expressions.parse(text, known_codes(version_id))
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


def _check_editable(version: FormVersion) -> None:
    """A version a period opened with never changes: its reports keep their checks."""
    if version.frozen:
        raise CatalogueError(_("This version of the form is in use by an opened period; "
                               "its rules cannot change."))


def add_rule(version: FormVersion, *, code: str, severity: Severity, expression: str,
             message_ru: str, message_en: str) -> ValidationRule:
    """Add an active expression rule to an editable version; codes stay unique in it."""
    _check_editable(version)
    _check_texts(code, message_ru, message_en)
    if db.session.scalar(sa.select(ValidationRule.id)
                         .filter_by(code=code, form_version_id=version.id)) is not None:
        raise CatalogueError(_("A rule with this code already exists."))
    rule = ValidationRule(form_version_id=version.id, code=code, kind=RuleKind.EXPRESSION,
                          severity=severity, expression=checked_expression(expression, version.id),
                          message_ru=message_ru, message_en=message_en, active=True)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(rule: ValidationRule, *, severity: Severity, message_ru: str, message_en: str,
                expression: str = "", threshold: Decimal | None = None,
                threshold_absolute: Decimal | None = None) -> None:
    """Change a rule: its expression, or for the jump rule its two thresholds."""
    _check_editable(rule.form_version)
    _check_texts(rule.code, message_ru, message_en)
    if rule.kind is RuleKind.JUMP:
        if threshold is None or threshold < 0 or (threshold_absolute or 0) < 0:
            raise CatalogueError(_("Give the relative threshold (0.5 = 50 %) and the smallest "
                                   "change, neither negative."))
        rule.threshold, rule.threshold_absolute = threshold, threshold_absolute
    else:
        rule.expression = checked_expression(expression, rule.form_version_id)
    rule.severity, rule.message_ru, rule.message_en = severity, message_ru, message_en
    db.session.flush()


def set_rule_active(rule: ValidationRule, active: bool) -> None:
    """Deactivate a rule (it stays, and can be activated again) or activate it."""
    _check_editable(rule.form_version)
    rule.active = active
    db.session.flush()


# -- rules of a definition (issue 11 §7) ------------------------------------------------------

JUMP_CODE = "jump_from_previous"
_JUMP_MESSAGES = ("Значение сильно отличается от прошлого периода.",
                  "The value differs much from the previous period.")


def store_definition_rules(version: FormVersion, rules: tuple[RuleDefinition, ...],
                           jump: tuple[Decimal | None, Decimal | None] = (None, None)) -> None:
    """Store a definition's rules in a fresh version: each expression checked against the
    version's items (refused naming the rule's row), and the jump warning as the jump rule."""
    for rule in rules:
        try:
            expression = checked_expression(rule.expression, version.id)
        except CatalogueError as problem:
            raise CatalogueError(_("Rule in row %(row)d: %(problem)s", row=rule.row,
                                   problem=str(problem))) from None
        db.session.add(ValidationRule(
            form_version_id=version.id, code=rule.code, kind=RuleKind.EXPRESSION,
            severity=rule.severity, expression=expression, message_ru=rule.message_ru,
            message_en=rule.message_en or rule.message_ru, active=True))
    relative, absolute = jump
    if relative is not None:
        db.session.add(ValidationRule(
            form_version_id=version.id, code=JUMP_CODE, kind=RuleKind.JUMP,
            severity=Severity.WARNING, threshold=relative, threshold_absolute=absolute,
            message_ru=_JUMP_MESSAGES[0], message_en=_JUMP_MESSAGES[1], active=True))
    db.session.flush()


def definition_rules(version: FormVersion) -> tuple[tuple[RuleDefinition, ...],
                                                     tuple[Decimal, Decimal | None] | None]:
    """A version's active rules as definitions, and its jump thresholds (None: no jump rule;
    an absolute threshold of None: the standard one, see portal.reports.validation)."""
    rules, jump = [], None
    for rule in db.session.scalars(sa.select(ValidationRule).filter_by(
            form_version_id=version.id, active=True).order_by(ValidationRule.id)):
        if rule.kind is RuleKind.JUMP:
            jump = (rule.threshold, rule.threshold_absolute)
        else:
            rules.append(RuleDefinition(code=rule.code, severity=rule.severity,
                                        expression=rule.expression or "",
                                        message_ru=rule.message_ru, message_en=rule.message_en))
    return tuple(rules), jump
