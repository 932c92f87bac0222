"""Locale selection and formatting helpers shared by templates and views."""

from __future__ import annotations

import os

from flask import current_app, has_request_context, request, session
from flask_babel import gettext
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


def with_unit(label: str, unit: str) -> str:
    """«Label, unit» for headers and axis titles — the label alone when it already names the
    unit (or there is none), so that a unit is never said twice."""
    if not unit or unit.casefold() in label.casefold():
        return label
    return gettext("%(label)s, %(unit)s", label=label, unit=unit)


def end_sentence(text: str) -> str:
    """``text`` as a finished sentence: a full stop added unless it already ends with one
    (an abbreviation such as «г.» included), so that no sentence ends in «..»."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def sentence_case(text: str) -> str:
    """A message shown on its own starts with a capital letter; the catalogue keeps some in
    lower case because they are also joined after a prefix («Строка 3: …»)."""
    return text[:1].upper() + text[1:]
