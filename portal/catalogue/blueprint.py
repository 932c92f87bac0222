"""URL rules of the catalogue; indicator and rule ids are resolved through the scope first."""

from flask import Blueprint

from portal.catalogue import rule_views, views

bp = Blueprint("catalogue", __name__, template_folder="templates")

bp.add_url_rule("/catalogue", "index", views.index, methods=["GET", "POST"])
bp.add_url_rule("/catalogue/<int:indicator_id>/retire", "retire", views.retire,
                methods=["POST"])
bp.add_url_rule("/catalogue/rules", "rules", rule_views.rules, methods=["GET", "POST"])
bp.add_url_rule("/catalogue/rules/<int:rule_id>", "edit_rule", rule_views.edit_rule,
                methods=["GET", "POST"])
bp.add_url_rule("/catalogue/rules/<int:rule_id>/active", "set_rule_active",
                rule_views.set_active, methods=["POST"])
