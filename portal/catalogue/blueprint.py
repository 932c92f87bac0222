"""URL rules of the catalogue; indicator ids are resolved through the scope before views run."""

from flask import Blueprint

from portal.catalogue import views

bp = Blueprint("catalogue", __name__, template_folder="templates")

bp.add_url_rule("/catalogue", "index", views.index, methods=["GET", "POST"])
bp.add_url_rule("/catalogue/<int:indicator_id>/retire", "retire", views.retire,
                methods=["POST"])
