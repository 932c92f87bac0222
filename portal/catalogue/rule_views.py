"""The validation rules of a form: everyone who may see the form reads them; the form's
region's coordinators (a template's: the administrators) change them.

A change goes to the form's editable version (portal.catalogue.editor): a rule of a frozen
version is changed in the copy the change makes, never in place.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.admin.forms import ActionForm
from portal.catalogue import editor, operations, queries, rule_operations
from portal.catalogue.forms import RuleForm
from portal.catalogue.models import SEVERITY_LABELS, Form, RuleKind, Severity, ValidationRule
from portal.catalogue.operations import CatalogueError
from tenants.scoping import Action, allows, require


def _rules_url(form: Form) -> str:
    """The rules page of ``form`` (the template's keeps its old address)."""
    if form.is_template and form.code == operations.QUARTERLY:
        return url_for("catalogue.rules")
    return url_for("catalogue.form_rules", form_id=form.id)


def rules():
    """The rules of the national quarterly template; administrators change them."""
    template = operations.template()
    if template is None:
        abort(404)
    return _rules_page(template)


def form_rules(form: Form):
    """The rules of a form, for those who edit it (its region's coordinators, the
    administrator); everyone else reads a form's rules through its reports."""
    require(Action.MANAGE, form)
    return _rules_page(form)


def _rules_page(owner: Form):
    form = RuleForm()
    can_manage = allows(Action.MANAGE, owner)
    if request.method == "POST" and not can_manage:
        abort(403)  # even an invalid form: the answer must not depend on what was sent
    if form.validate_on_submit():
        try:
            rule_operations.add_rule(
                operations.editable_version(owner), code=form.code.data,
                severity=Severity(form.severity.data), expression=form.expression.data or "",
                message_ru=form.message_ru.data, message_en=form.message_en.data)
        except CatalogueError as problem:
            form.expression.errors.append(str(problem))
        else:
            flash(_("The rule has been added."), "success")
            return redirect(_rules_url(owner))
    version = operations.latest_version(owner)
    return render_template("catalogue/rules.html", rules=queries.all_rules(version), form=form,
                           can_manage=can_manage, severity_labels=SEVERITY_LABELS,
                           action_form=ActionForm(), owner=owner,
                           version=version), 422 if form.errors else 200


def edit_rule(rule: ValidationRule):
    """Change a rule's condition (the jump rule: its thresholds), severity and messages."""
    require(Action.MANAGE, rule)
    owner = rule.form_version.form
    form = RuleForm(obj=rule)
    del form.code
    if form.validate_on_submit():
        try:
            target = editor.editable_rule(rule)
            rule_operations.update_rule(
                target, severity=Severity(form.severity.data), message_ru=form.message_ru.data,
                message_en=form.message_en.data, expression=form.expression.data or "",
                threshold=form.threshold.data, threshold_absolute=form.threshold_absolute.data)
        except CatalogueError as problem:
            field = form.threshold if rule.kind is RuleKind.JUMP else form.expression
            field.errors = [*field.errors, str(problem)]
        else:
            flash(_("The rule has been saved."), "success")
            return redirect(_rules_url(owner))
    return render_template("catalogue/rule_edit.html", rule=rule, form=form,
                           is_jump=rule.kind is RuleKind.JUMP, rules_url=_rules_url(owner))


def set_active(rule: ValidationRule):
    """Deactivate or activate a rule (in the form's editable version)."""
    require(Action.MANAGE, rule)
    owner = rule.form_version.form
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            rule_operations.set_rule_active(editor.editable_rule(rule), active)
        except CatalogueError as problem:
            flash(str(problem), "danger")
        else:
            flash(_("The rule is active again.") if active else
                  _("The rule has been deactivated; it is kept and can be activated again."),
                  "success")
    return redirect(_rules_url(owner))
