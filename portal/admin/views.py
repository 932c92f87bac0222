"""Request handlers of the administration pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms import SelectChoice

from portal.admin import queries
from portal.admin.forms import ActionForm, OrganizationForm, RoleForm, UserCreateForm
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.auth.tokens import set_password_url
from tenants import operations as registry
from tenants.models import Organization, OrganizationType, Role, RoleAssignment, Subordination


def _page() -> int:
    return max(request.args.get("page", 1, type=int), 1)


def _flash_link(account: User) -> None:
    link = set_password_url(account)
    flash(Markup(_("One-time link to set the password of %(login)s (give it to the person): "
                   "%(link)s", login=escape(account.login),
                   link=Markup('<code class="user-select-all">%s</code>') % link)), "info")


def users():
    """All accounts with their roles, searchable."""
    search = request.args.get("q", "").strip()
    return render_template("admin/users.html", pagination=queries.users_page(search, _page()),
                           search=search)


def user_new():
    """Create an account with its first role; show the one-time set-password link."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            account = accounts.create_user_with_role(
                form.login.data, form.full_name.data, form.email.data, Role(form.role.data),
                form.scope_code.data)
        except accounts.AccountError as problem:
            form.login.errors.append(str(problem))
        except accounts.UnknownScope:
            form.scope_code.errors.append(_scope_problem(Role(form.role.data)))
        else:
            _flash_link(account)
            return redirect(url_for("admin.user", user_id=account.id))
    return render_template("admin/user_new.html", form=form)


def _scope_problem(role: Role) -> str:
    return _("No %(level)s has this code.", level={
        Role.REGIONAL: _("region"), Role.MUNICIPAL: _("municipality"),
    }.get(role, _("organization")))


def user_detail(account: User):
    """An account: its roles, activation and set-password link."""
    return render_template("admin/user.html", account=account, role_form=RoleForm(),
                           action_form=ActionForm())


def user_add_role(account: User):
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.assign_role(account, Role(form.role.data), form.scope_code.data)
        except accounts.UnknownScope:
            flash(_scope_problem(Role(form.role.data)), "danger")
        else:
            flash(_("The role has been assigned."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


def user_remove_role(account: User, assignment: RoleAssignment):
    if ActionForm().validate_on_submit():
        accounts.remove_role(account, assignment)
        flash(_("The role has been withdrawn."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


def user_active(account: User):
    if ActionForm().validate_on_submit():
        accounts.set_active(account, not account.active)
        flash(_("The account has been activated.") if account.active
              else _("The account has been deactivated."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


def user_link(account: User):
    if ActionForm().validate_on_submit():
        _flash_link(account)
    return redirect(url_for("admin.user", user_id=account.id))


def organizations():
    """The registry of organizations with filters."""
    search = request.args.get("q", "").strip()
    municipality_id = request.args.get("municipality", type=int)
    try:
        org_type = OrganizationType(request.args.get("type", ""))
    except ValueError:
        org_type = None
    return render_template(
        "admin/organizations.html",
        pagination=queries.organizations_page(search, municipality_id, org_type, _page()),
        search=search, municipality_id=municipality_id, org_type=org_type,
        municipalities=queries.municipality_choices(), types=list(OrganizationType),
        action_form=ActionForm(),
    )


def _save(form: OrganizationForm, org: Organization | None):
    form.municipality_id.choices = [SelectChoice(mid, label)
                                    for mid, label in queries.municipality_choices()]
    if form.validate_on_submit():
        try:
            org = registry.save_organization(
                org, code=form.code.data, name=form.name.data, short_name=form.short_name.data,
                org_type=OrganizationType(form.type.data),
                subordination=Subordination(form.subordination.data),
                municipality_id=form.municipality_id.data,
            )
        except registry.RegistryError as problem:
            form.code.errors.append(str(problem))
        else:
            flash(_("The organization has been saved."), "success")
            return redirect(url_for("tenants.organization", org_id=org.id))
    return render_template("admin/organization_form.html", form=form, organization=org)


def organization_new():
    return _save(OrganizationForm(), None)


def organization_edit(organization: Organization):
    return _save(OrganizationForm(obj=organization), organization)


def organization_active(organization: Organization):
    if ActionForm().validate_on_submit():
        registry.set_organization_active(organization, not organization.is_active)
        flash(_("The organization has been reopened.") if organization.is_active
              else _("The organization has been closed; its history is kept."), "success")
    return redirect(url_for("tenants.organization", org_id=organization.id))
