"""The validation rules page: everyone reads the rules, only administrators change them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.admin.forms import ActionForm
from portal.catalogue import operations, queries, rule_operations
from portal.catalogue.forms import RuleForm
from portal.catalogue.models import SEVERITY_LABELS, RuleKind, Severity, ValidationRule
from portal.catalogue.operations import CatalogueError
from tenants.scoping import Action, current_scope, require


def _template_version():
    """The rules page shows the national template's latest version (a region's own form
    keeps its rules in its versions, copied from the template)."""
    template = operations.template()
    if template is None:
        abort(404)
    return operations.latest_version(template)


def rules():
    """Every rule of the template; administrators add new ones here."""
    version = _template_version()
    form = RuleForm()
    can_manage = current_scope().is_admin
    if request.method == "POST" and not can_manage:
        abort(403)  # even an invalid form: the answer must not depend on what was sent
    if form.validate_on_submit():
        try:
            rule_operations.add_rule(
                version, code=form.code.data, severity=Severity(form.severity.data),
                expression=form.expression.data or "", message_ru=form.message_ru.data,
                message_en=form.message_en.data)
        except CatalogueError as problem:
            form.expression.errors.append(str(problem))
        else:
            flash(_("The rule has been added."), "success")
            return redirect(url_for("catalogue.rules"))
    return render_template("catalogue/rules.html", rules=queries.all_rules(version), form=form,
                           can_manage=can_manage, severity_labels=SEVERITY_LABELS,
                           action_form=ActionForm())


def edit_rule(rule: ValidationRule):
    """Change a rule's condition (the jump rule: its thresholds), severity and messages."""
    require(Action.MANAGE, rule)
    form = RuleForm(obj=rule)
    del form.code
    if form.validate_on_submit():
        try:
            rule_operations.update_rule(
                rule, severity=Severity(form.severity.data), message_ru=form.message_ru.data,
                message_en=form.message_en.data, expression=form.expression.data or "",
                threshold=form.threshold.data, threshold_absolute=form.threshold_absolute.data)
        except CatalogueError as problem:
            field = form.threshold if rule.kind is RuleKind.JUMP else form.expression
            field.errors = [*field.errors, str(problem)]
        else:
            flash(_("The rule has been saved."), "success")
            return redirect(url_for("catalogue.rules"))
    return render_template("catalogue/rule_edit.html", rule=rule, form=form,
                           is_jump=rule.kind is RuleKind.JUMP)


def set_active(rule: ValidationRule):
    """Deactivate or activate a rule (administrators only)."""
    require(Action.MANAGE, rule)
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        rule_operations.set_rule_active(rule, active)
        flash(_("The rule is active again.") if active else
              _("The rule has been deactivated; it is kept and can be activated again."),
              "success")
    return redirect(url_for("catalogue.rules"))
