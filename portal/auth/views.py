"""Request handlers of the accounts module."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal.auth import operations, sessions
from portal.auth.forms import ChangePasswordForm, LoginForm, NewPasswordForm
from portal.auth.gate import public, safe_next_url
from portal.auth.tokens import InvalidLink, user_for_token
from portal.database import reads_first
from portal.i18n import SESSION_LOCALE_KEY

_LINK_PROBLEMS = {
    "expired": lambda: _("This link has expired. Ask your administrator for a new one."),
    "used": lambda: _("This link has already been used or a newer one has been issued. Ask your "
                      "administrator for a new one."),
    "invalid": lambda: _("This link is not valid. Check that it was copied completely."),
}


@public
@reads_first  # the password hash is checked before the login is recorded
def login():
    """Log in by login name or e-mail; repeated failures lock the account for a while."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = operations.authenticate(form.login.data, form.password.data)
        if result.outcome is operations.LoginOutcome.OK:
            sessions.begin(result.user)
            return redirect(safe_next_url(url_for("home.index")))
        # One message for every refusal: it must not tell whether the login exists, is
        # locked or deactivated (the lockout is named, for every login alike).
        config = current_app.config
        form.password.errors.append(_(
            "Wrong login or password. After %(n)d failed attempts in a row logging in is "
            "paused for %(m)d min. If it keeps failing, contact your administrator.",
            n=config["LOGIN_MAX_FAILURES"], m=int(config["LOGIN_LOCKOUT"].total_seconds() // 60)))
    return render_template("auth/login.html", form=form)


def logout():
    """End the session (POST only, so a link on another site cannot log anyone out).

    Every session of the account ends, a copied cookie included.
    """
    operations.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@login_required
def change_password():
    """Change one's own password, confirming the current one; other sessions end."""
    account = current_user._get_current_object()
    form = ChangePasswordForm(account)
    if form.validate_on_submit():
        if not account.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            operations.set_password(account, form.password.data)
            sessions.keep(account)
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
    form = NewPasswordForm(user)
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
