"""URL rules of the accounts module."""

from flask import Blueprint

from portal.auth import views

bp = Blueprint("auth", __name__, template_folder="templates")

bp.add_url_rule("/login", "login", views.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", views.logout, methods=["POST"])
bp.add_url_rule("/password", "change_password", views.change_password, methods=["GET", "POST"])
bp.add_url_rule("/set-password/<token>", "set_password", views.set_password,
                methods=["GET", "POST"])
bp.add_url_rule("/language", "language", views.switch_language, methods=["POST"])
