"""Error pages in the user's language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal.extensions import db

_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please log in to continue."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("Nothing was found at this address, or it is outside your area of "
                   "responsibility."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("The file is too large."),
    500: lambda: _("Something went wrong on our side. Nothing was saved; please try again."),
}


def _render(code: int, message: str | None = None):
    return render_template("error.html", code=code, message=message or _MESSAGES[code]()), code


def init_app(app: Flask) -> None:
    """Register handlers for the HTTP errors users can meet."""

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return _render(400, _("The form has expired or was not sent by this portal. "
                              "Reload the page and try again."))

    for code in (400, 401, 403, 404, 405, 413):
        app.register_error_handler(code, lambda _e, code=code: _render(code))

    @app.errorhandler(500)
    def _server_error(_error):
        db.session.rollback()
        return _render(500)
