"""The regional centre's controls: reporting periods and the head-confirmation setting."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from portal.admin.forms import ActionForm
from portal.catalogue import operations as catalogue_operations
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import Form
from portal.catalogue.operations import QUARTERLY
from portal.reports import head_confirmation, operations, period_operations, queries
from portal.reports.forms import PeriodForm
from portal.reports.models import Period
from tenants.models import Region
from tenants.scoping import Action, allows, require


def periods(region: Region):
    """The region's collections, by form; its regional coordinator opens and closes them."""
    form = PeriodForm()
    forms = catalogue_queries.forms_of(region.id)
    form.form_id.choices = [SelectChoice(f.id, f.name) for f in forms]
    if request.method == "GET" and forms:
        form.form_id.data = next((f.id for f in forms if f.code == QUARTERLY), forms[0].id)
    can_manage = allows(Action.MANAGE, region)
    if form.validate_on_submit():
        require(Action.MANAGE, region)
        try:
            own = {f.id: f for f in forms}
            if form.form_id.data is not None and form.form_id.data not in own:
                abort(404)  # another region's form, or none at all: never opened from here
            period = _open(region, own.get(form.form_id.data), form)
        except operations.ReportError as problem:
            flash(str(problem), "danger")  # refused: the request commits nothing
        else:
            flash(_("The period %(label)s is open.", label=period.label), "success")
            return redirect(url_for("reports.periods", region_id=region.id))
    return render_template("reports/periods.html", region=region, form=form,
                           by_form=_by_form(queries.periods_of(region.id)),
                           can_manage=can_manage,
                           action_form=ActionForm(), without_head=(
                               head_confirmation.count_without_head(region) if can_manage
                               else None))


def _open(region: Region, chosen: Form | None, form: PeriodForm) -> Period:
    """Open what the form asks for: a period of the chosen form (the quarterly one, copied
    from the template, when the region has no form yet)."""
    chosen = chosen or catalogue_operations.quarterly_form(region)
    return period_operations.open_form_period(
        chosen, form.opens_on.data, form.deadline.data, title=form.title.data or None,
        year=form.year.data, number=form.quarter.data)


def _by_form(periods: list[Period]) -> list[tuple[Form, list[Period]]]:
    """The periods grouped by their form, forms by name (the quarterly one first)."""
    groups: dict[int, tuple[Form, list[Period]]] = {}
    for period in periods:
        groups.setdefault(period.form_id, (period.form, []))[1].append(period)
    return sorted(groups.values(), key=lambda g: (g[0].code != QUARTERLY, g[0].name))


def toggle_confirmation(region: Region):
    """Switch the region's rule that the head confirms a report before it is reviewed."""
    require(Action.MANAGE, region)
    if ActionForm().validate_on_submit():
        released = period_operations.set_head_confirmation(
            region, not region.requires_head_confirmation, current_user)
        flash(_("Reports now need the head's confirmation.") if region.requires_head_confirmation
              else _("Reports no longer need the head's confirmation."), "success")
        if released:
            flash(ngettext("%(num)d report waiting for the head has gone on to review.",
                           "%(num)d reports waiting for the head have gone on to review.",
                           released), "info")
    return redirect(url_for("reports.periods", region_id=region.id))


def toggle_period(period: Period):
    """Close an open period or reopen a closed one."""
    require(Action.MANAGE, period)
    if ActionForm().validate_on_submit():
        if period.is_open:
            period_operations.close_period(period)
            flash(_("The period %(label)s is closed.", label=period.label), "success")
        else:
            period_operations.open_collection(period.form, (period.starts_on, period.ends_on))
            flash(_("The period %(label)s is open.", label=period.label), "success")
    return redirect(url_for("reports.periods", region_id=period.region_id))
