"""Locale selection and formatting helpers shared by templates and views."""

from __future__ import annotations

import os

from flask import current_app, has_request_context, request, session
from flask_login import current_user

SESSION_LOCALE_KEY = "locale"


def select_locale() -> str:
    """The user's saved choice, then the session, then Accept-Language, then Russian."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # CLI commands speak PORTAL_LOCALE, else the shell's language (LANG=en_US.UTF-8).
        lang = (os.environ.get("PORTAL_LOCALE") or os.environ.get("LANGUAGE")
                or os.environ.get("LANG") or "")[:2].lower()
        return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get(SESSION_LOCALE_KEY)
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(languages)
    if best:
        return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]
