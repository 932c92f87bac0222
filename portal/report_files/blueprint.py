"""URL rules of report files (templates, uploads, exports); ids resolved through the scope."""

from flask import Blueprint

from portal.report_files import views

bp = Blueprint("report_files", __name__, template_folder="templates")

_ORG = "/organizations/<int:org_id>/reports/<int:period_id>"
_MUN = "/municipalities/<int:municipality_id>/periods/<int:period_id>"

bp.add_url_rule(f"{_ORG}/template.xlsx", "template", views.template)
bp.add_url_rule(f"{_ORG}/export.xlsx", "export", views.export)
bp.add_url_rule(f"{_ORG}/upload", "upload", views.upload_report, methods=["GET", "POST"])
bp.add_url_rule(f"{_ORG}/upload/<token>", "preview", views.preview)
bp.add_url_rule(f"{_ORG}/upload/<token>/save", "confirm", views.confirm, methods=["POST"])
bp.add_url_rule(f"{_MUN}/template.xlsx", "bulk_template", views.bulk_template)
bp.add_url_rule(f"{_MUN}/export.xlsx", "municipal_export", views.municipal_export)
bp.add_url_rule(f"{_MUN}/upload", "bulk_upload", views.bulk_upload, methods=["GET", "POST"])
bp.add_url_rule(f"{_MUN}/upload/<token>", "bulk_preview", views.bulk_preview)
bp.add_url_rule(f"{_MUN}/upload/<token>/save", "bulk_confirm", views.bulk_confirm,
                methods=["POST"])
