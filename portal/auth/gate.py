"""Everything requires a login except the endpoints marked :func:`public`."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from urllib.parse import unquote

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.urls import iri_to_uri

from portal.auth import sessions
from portal.extensions import login_manager

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


_MAX_TARGET = 2048
_MAX_DECODING = 4  # %25 chains deeper than this are refused, not decoded further


def local_path(target: str | None) -> str | None:
    """``target`` as a URI if it is a path on this site (``/...``), None otherwise.

    The one place that decides where a ``next`` may lead (no open redirects). Browsers drop
    tabs and newlines inside URLs and read a backslash as a slash, so ``/<tab>/evil`` or
    ``/\\evil`` become ``//evil``: another host. CR/LF would also break the Location header.
    Such characters are refused in plain and in percent-encoded form.
    """
    if not target or len(target) > _MAX_TARGET:
        return None
    layer = target
    for depth in range(_MAX_DECODING):
        if not _is_plain_local(layer, decoded=depth > 0):
            return None
        decoded = unquote(layer)
        if decoded == layer:
            return iri_to_uri(target)
        layer = decoded
    return None  # encoded more often than any link of ours


def _is_plain_local(path: str, decoded: bool) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    # Raw targets may hold no whitespace at all; decoded ones keep plain spaces (a search
    # term in the query), never controls, line breaks or invisible format characters.
    refused = ("C", "Zl", "Zp") if decoded else ("C", "Z")
    return not any(ch == "\\" or unicodedata.category(ch).startswith(refused) for ch in path)


def safe_next_url(default: str, target: str | None = None) -> str:
    """``target`` (by default the ``next`` parameter) if it is a local path, else ``default``."""
    if target is None:
        target = request.args.get("next")
    return local_path(target) or default


def init_app(app: Flask) -> None:
    """Install the login gate. It must run before tenant ids in the URL are resolved."""
    login_manager.login_view = "auth.login"
    login_manager.user_loader(sessions.load_user)  # runs on every request (see below)

    @app.url_value_preprocessor
    def _require_login(endpoint, _values):
        if current_user.is_authenticated or _is_public(request.endpoint):
            return
        if request.method == "GET":
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(401)
