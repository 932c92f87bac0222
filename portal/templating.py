"""Template globals: the user's scope, the languages, Russian-aware number formatting."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Flask, current_app
from flask_babel import format_decimal, get_locale

from portal.i18n import sentence_case
from tenants.scoping import current_scope


def init_app(app: Flask) -> None:
    """Expose helpers every template may use."""

    @app.context_processor
    def _globals():
        return {
            "scope": current_scope,
            "languages": current_app.config["LANGUAGES"],
            "current_locale": lambda: str(get_locale()),
        }

    app.jinja_env.filters["number"] = lambda value: "—" if value is None else format_decimal(value)
    app.jinja_env.filters["number_text"] = _number_text
    app.jinja_env.filters["sentence"] = sentence_case
    app.jinja_env.filters["org_type_label"] = _org_type_label
    app.jinja_env.policies["ext.i18n.trimmed"] = True


def _number_text(value: str) -> str:
    """A number kept as text (the change history) written the reader's way; other text as is."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError):
        return value
    return format_decimal(number) if number.is_finite() else value


def _org_type_label(value: str) -> str:
    from tenants.models import OrganizationType

    return OrganizationType(value).label
