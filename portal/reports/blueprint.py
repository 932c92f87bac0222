"""URL rules of the reports module; ids are resolved through the scope before views run."""

from flask import Blueprint

from portal.reports import admin_views, status_views, views

bp = Blueprint("reports", __name__, template_folder="templates", static_folder="static",
               static_url_path="/reports-static")

bp.add_url_rule("/organizations/<int:org_id>/reports/<int:period_id>", "form", views.form,
                methods=["GET", "POST"])
bp.add_url_rule("/reports/<int:report_id>/confirm", "confirm", views.confirm, methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/accept", "accept", views.accept, methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/return", "return_report", views.return_report,
                methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/reopen", "reopen", views.reopen, methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/history", "history", views.history)
bp.add_url_rule("/municipalities/<int:municipality_id>/periods/<int:period_id>/status",
                "municipal_status", status_views.municipal_status)
bp.add_url_rule("/regions/<int:region_id>/periods/<int:period_id>/status", "regional_status",
                status_views.regional_status)
bp.add_url_rule("/regions/<int:region_id>/periods", "periods", admin_views.periods,
                methods=["GET", "POST"])
bp.add_url_rule("/regions/<int:region_id>/head-confirmation", "toggle_confirmation",
                admin_views.toggle_confirmation, methods=["POST"])
bp.add_url_rule("/periods/<int:period_id>/toggle", "toggle_period", admin_views.toggle_period,
                methods=["POST"])
bp.add_url_rule("/catalogue", "catalogue", admin_views.catalogue, methods=["GET", "POST"])
bp.add_url_rule("/catalogue/<int:indicator_id>/retire", "retire", admin_views.retire,
                methods=["POST"])
