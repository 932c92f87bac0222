"""The indicator catalogue page: everyone reads it, only administrators change it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.admin.forms import ActionForm
from portal.catalogue import operations, queries
from portal.catalogue.forms import IndicatorForm
from portal.catalogue.models import UNIT_LABELS, Indicator, Unit, section_label
from portal.catalogue.standard import SECTIONS
from tenants.scoping import Action, current_scope, require


def index():
    """The indicator catalogue, shared by every region: only administrators change it."""
    form = IndicatorForm()
    form.section.choices = [SelectChoice(code, section_label(code)) for code in SECTIONS]
    can_manage = current_scope().is_admin
    if request.method == "POST" and not can_manage:
        abort(403)  # even an invalid form: the answer must not depend on what was sent
    if form.validate_on_submit():
        try:
            operations.add_indicator(
                code=form.code.data, label_ru=form.label_ru.data, label_en=form.label_en.data,
                unit=Unit(form.unit.data), section=form.section.data,
                applies_to=list(form.applies_to.data))
        except operations.CatalogueError as problem:
            form.code.errors.append(str(problem))
        else:
            flash(_("The indicator has been added."), "success")
            return redirect(url_for("catalogue.index"))
    return render_template("catalogue/index.html", indicators=queries.all_indicators(),
                           form=form, can_manage=can_manage, action_form=ActionForm(),
                           unit_labels=UNIT_LABELS)


def retire(indicator: Indicator):
    """Retire an indicator (administrators only)."""
    require(Action.MANAGE, indicator)
    if ActionForm().validate_on_submit():
        operations.retire_indicator(indicator)
        flash(_("The indicator has been retired; its history is kept."), "success")
    return redirect(url_for("catalogue.index"))
