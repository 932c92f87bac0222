"""URL rules of the home page."""

from flask import Blueprint

from portal.home import views

bp = Blueprint("home", __name__, template_folder="templates")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/favicon.ico", "favicon", views.favicon)
