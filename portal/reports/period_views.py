"""The regional centre's controls: reporting periods and the head-confirmation setting."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.admin.forms import ActionForm
from portal.reports import head_confirmation, operations, period_operations, queries
from portal.reports.forms import PeriodForm
from portal.reports.models import Period
from tenants.models import Region
from tenants.scoping import Action, allows, require


def periods(region: Region):
    """The region's quarters; its regional coordinator opens and closes them."""
    form = PeriodForm()
    can_manage = allows(Action.MANAGE, region)
    if form.validate_on_submit():
        require(Action.MANAGE, region)
        try:
            period = period_operations.open_period(region, form.year.data, form.quarter.data,
                                            form.opens_on.data, form.deadline.data)
        except operations.ReportError as problem:
            flash(str(problem), "danger")  # refused: the request commits nothing
        else:
            flash(_("The period %(label)s is open.", label=period.label), "success")
            return redirect(url_for("reports.periods", region_id=region.id))
    return render_template("reports/periods.html", region=region, form=form,
                           periods=queries.periods_of(region.id), can_manage=can_manage,
                           action_form=ActionForm(), without_head=(
                               head_confirmation.count_without_head(region) if can_manage
                               else None))


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
            period_operations.open_period(period.region, period.year, period.quarter)
            flash(_("The period %(label)s is open.", label=period.label), "success")
    return redirect(url_for("reports.periods", region_id=period.region_id))
