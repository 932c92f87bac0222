"""URL rules of the reports module; ids are resolved through the scope before views run."""

from flask import Blueprint

from portal.reports import period_views, views

bp = Blueprint("reports", __name__, template_folder="templates", static_folder="static",
               static_url_path="/reports-static")

bp.add_url_rule("/organizations/<int:org_id>/reports/<int:period_id>", "form", views.form,
                methods=["GET", "POST"])
bp.add_url_rule("/reports/<int:report_id>/confirm", "confirm", views.confirm, methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/withdraw", "withdraw", views.withdraw,
                methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/accept", "accept", views.accept, methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/return", "return_report", views.return_report,
                methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/reopen", "reopen", views.reopen, methods=["POST"])
bp.add_url_rule("/reports/<int:report_id>/history", "history", views.history)
bp.add_url_rule("/report-values/<int:value_id>/evidence", "evidence_file", views.evidence_file)
bp.add_url_rule("/regions/<int:region_id>/periods", "periods", period_views.periods,
                methods=["GET", "POST"])
bp.add_url_rule("/regions/<int:region_id>/head-confirmation", "toggle_confirmation",
                period_views.toggle_confirmation, methods=["POST"])
bp.add_url_rule("/periods/<int:period_id>/toggle", "toggle_period", period_views.toggle_period,
                methods=["POST"])
