"""Request handlers of the accounts module."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import operations
from portal.auth.forms import ChangePasswordForm, LoginForm, NewPasswordForm
from portal.auth.gate import public, safe_next_url
from portal.auth.tokens import InvalidLink, user_for_token
from portal.i18n import SESSION_LOCALE_KEY

_LINK_PROBLEMS = {
    "expired": lambda: _("This link has expired. Ask your administrator for a new one."),
    "used": lambda: _("This link has already been used. Ask your administrator for a new one."),
    "invalid": lambda: _("This link is not valid. Check that it was copied completely."),
}


@public
def login():
    """Log in by login name or e-mail; repeated failures lock the account for a while."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = operations.authenticate(form.login.data, form.password.data)
        if result.outcome is operations.LoginOutcome.OK:
            locale = session.get(SESSION_LOCALE_KEY)
            session.clear()  # no session fixation: a fresh session after login
            if locale:
                session[SESSION_LOCALE_KEY] = locale
            login_user(result.user)
            session.permanent = True
            return redirect(safe_next_url(url_for("home.index")))
        form.password.errors.append(_login_problem(result))
    return render_template("auth/login.html", form=form)


def _login_problem(result: operations.LoginResult) -> str:
    if result.outcome is operations.LoginOutcome.LOCKED:
        return _("Too many failed attempts. Try again in %(n)d min.", n=result.minutes_left)
    if result.outcome is operations.LoginOutcome.INACTIVE:
        return _("This account is deactivated. Contact your administrator.")
    return _("Wrong login or password.")


def logout():
    """End the session (POST only, so a link on another site cannot log anyone out)."""
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@login_required
def change_password():
    """Change one's own password, confirming the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            operations.set_password(current_user, form.password.data)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@public
def set_password(token: str):
    """Set a password through the one-time link the administrator handed over."""
    try:
        user = user_for_token(token)
    except InvalidLink as problem:
        message = _LINK_PROBLEMS[problem.reason]()
        return render_template("auth/link_invalid.html", message=message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        operations.set_password(user, form.password.data)
        logout_user()
        flash(_("Your password has been set. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, account=user)


@public
def switch_language():
    """Remember the chosen interface language (per user when logged in)."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session[SESSION_LOCALE_KEY] = locale
    if current_user.is_authenticated:
        operations.set_locale(current_user, locale)
    return redirect(safe_next_url(url_for("home.index")))
