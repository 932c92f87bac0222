"""The pages of forms: the national template (everyone reads it, administrators change it)
and a region's own forms (its people read them, its coordinators change them)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.admin.forms import ActionForm
from portal.catalogue import operations, queries
from portal.catalogue.definition import ItemKind
from portal.catalogue.forms import IndicatorForm
from portal.catalogue.models import UNIT_LABELS, Form, Indicator, section_label
from portal.catalogue.standard import SECTIONS
from tenants.scoping import Action, allows, require


def index():
    """The national template of the quarterly form: regions copy it, only administrators
    change it (a region's own form: :func:`show`)."""
    template = operations.template()
    if template is None:
        abort(404)
    return _form_page(template, "catalogue.index")


def _form_page(owner: Form, endpoint: str):
    form = IndicatorForm()
    form.section.choices = [SelectChoice(code, section_label(code)) for code in SECTIONS]
    can_manage = allows(Action.MANAGE, owner)
    if request.method == "POST" and not can_manage:
        abort(403)  # even an invalid form: the answer must not depend on what was sent
    here = url_for(endpoint)
    if form.validate_on_submit():
        try:
            operations.add_indicator(
                owner, code=form.code.data, label_ru=form.label_ru.data,
                label_en=form.label_en.data,
                kind=ItemKind(form.unit.data), section=form.section.data,
                applies_to=list(form.applies_to.data))
        except operations.CatalogueError as problem:
            form.code.errors.append(str(problem))
        else:
            flash(_("The indicator has been added."), "success")
            return redirect(here)
    version = operations.latest_version(owner)
    return render_template("catalogue/index.html", indicators=queries.all_indicators(version),
                           form=form, can_manage=can_manage, action_form=ActionForm(),
                           unit_labels=UNIT_LABELS, owner=owner, version=version)


def retire(indicator: Indicator):
    """Retire an item (the form's coordinators; a template's: administrators only)."""
    require(Action.MANAGE, indicator)
    owner = indicator.form_version.form
    if ActionForm().validate_on_submit():
        operations.retire_indicator(indicator)
        flash(_("The indicator has been retired; its history is kept."), "success")
    if owner.is_template and owner.code == operations.QUARTERLY:
        return redirect(url_for("catalogue.index"))
    return redirect(url_for("catalogue.form", form_id=owner.id))
