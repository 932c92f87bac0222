"""Login sessions controlled by the server: a per-account generation, idle and absolute limits.

The session cookie is signed but lives in the browser, so a copy of it would work for as
long as the cookie does. Three things end it on the server instead: the account's
``session_generation`` no longer matches the one the session was opened with (logout,
password change, deactivation, role change bump it), no request for ``SESSION_IDLE_TIMEOUT``,
or ``SESSION_MAX_AGE`` since the login, however active the session is.
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from flask import current_app, session
from flask_login import login_user

from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import db
from portal.i18n import SESSION_LOCALE_KEY
from tenants.scoping import system_session

_STARTED = "_started"  # seconds since the epoch, UTC
_SEEN = "_seen"
# Flask-Login's keys and ours: what a session that ended must no longer carry.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", _STARTED, _SEEN)


def _now() -> int:
    return int(utcnow().replace(tzinfo=UTC).timestamp())


def begin(user: User) -> None:
    """Log ``user`` in on a fresh session (no session fixation) that keeps only the language."""
    locale = session.get(SESSION_LOCALE_KEY)
    session.clear()
    if locale:
        session[SESSION_LOCALE_KEY] = locale
    login_user(user)
    session.permanent = True
    session[_STARTED] = session[_SEEN] = _now()


def keep(user: User) -> None:
    """Let this session go on after its own generation was bumped (one's password change
    ends every other session); the login time and so the absolute limit stay as they were."""
    login_user(user)


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the account of a session that is still valid, else None."""
    user = _account(session_id)
    if user is None or _expired():
        for key in _LOGIN_KEYS:
            session.pop(key, None)
        return None
    session[_SEEN] = _now()
    return user


def _account(session_id: str) -> User | None:
    ident, _sep, generation = (session_id or "").partition(":")
    if not (ident.isascii() and ident.isdigit() and generation.isascii()
            and generation.isdigit()):
        return None  # also every session opened before generations existed
    # The scope is computed from this account: loading it must not wait for the scope.
    with system_session("loading the signed-in account and its role assignments"):
        # Every request needs the roles (the scope): one query, not two.
        user = db.session.get(User, int(ident),
                              options=[sa.orm.joinedload(User.role_assignments)])
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def _expired() -> bool:
    started, seen = session.get(_STARTED), session.get(_SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        return True
    now = _now()
    config = current_app.config
    return (now - seen > config["SESSION_IDLE_TIMEOUT"].total_seconds()
            or now - started > config["SESSION_MAX_AGE"].total_seconds())
