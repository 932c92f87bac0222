"""The derived indicators of a form (issue 11 §8) in the form editor: listed, added and
deleted by the form's region's coordinators (a template's: the administrator), exactly as
its items. A change goes to the form's editable version (a frozen one is copied first)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.admin.forms import ActionForm
from portal.catalogue import derived_operations, operations, queries
from portal.catalogue.derived_sheet import UNITS, codes_of
from portal.catalogue.editor_forms import DerivedForm
from portal.catalogue.models import DerivedIndicator, Form
from portal.catalogue.operations import CatalogueError
from tenants.scoping import Action, require


def form_derived(form: Form):
    """The form's derived indicators and the form adding one."""
    require(Action.MANAGE, form)
    sent = DerivedForm()
    if sent.validate_on_submit():
        try:
            derived_operations.add_derived(
                form, code=sent.code.data, label_ru=sent.label_ru.data.strip(),
                label_en=(sent.label_en.data or "").strip(),
                numerator=codes_of(sent.numerator.data),
                denominator=codes_of(sent.denominator.data), scale=UNITS[sent.unit.data])
        except CatalogueError as problem:
            sent.numerator.errors = [*sent.numerator.errors, str(problem)]
        else:
            flash(_("The derived indicator has been added."), "success")
            return redirect(url_for("catalogue.form_derived", form_id=form.id))
    version = operations.latest_version(form)
    rows = queries.derived_rows(version) if version else []
    return render_template("catalogue/derived.html", owner=form, version=version, rows=rows,
                           form=sent, action_form=ActionForm()), 422 if sent.errors else 200


def delete_derived(derived: DerivedIndicator):
    """Delete a derived indicator from the form's editable version (periods already opened
    keep theirs)."""
    require(Action.MANAGE, derived)
    owner = derived.form_version.form
    if ActionForm().validate_on_submit():
        derived_operations.delete_derived(derived)
        flash(_("The derived indicator has been deleted."), "success")
    return redirect(url_for("catalogue.form_derived", form_id=owner.id))
