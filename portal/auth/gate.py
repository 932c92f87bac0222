"""Everything requires a login except the endpoints marked :func:`public`."""

from __future__ import annotations

from typing import Callable

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.auth.models import User
from tenants.scoping import system_session

_PUBLIC_ATTR = "_portal_public"


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in."""
    setattr(view, _PUBLIC_ATTR, True)
    return view


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # 404/405 for unknown URLs: nothing to protect
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, _PUBLIC_ATTR, False))


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, None otherwise (no open redirects)."""
    return _safe_next(target)


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an open redirect would let a phishing link bounce through us.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def safe_next_url(default: str) -> str:
    """The ``next`` parameter if it is a local path, ``default`` otherwise."""
    return _safe_next(request.args.get("next")) or default


def init_app(app: Flask) -> None:
    """Install the login gate. It must run before tenant ids in the URL are resolved."""
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        # The scope is computed from this account: loading it must not wait for the scope.
        with system_session("loading the signed-in account and its role assignments"):
            user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    @app.url_value_preprocessor
    def _require_login(endpoint, _values):
        if current_user.is_authenticated or _is_public(request.endpoint):
            return
        if request.method == "GET":
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(401)
