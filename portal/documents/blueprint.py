"""URL rules of the documents register. Ids are resolved through the scope before the view."""

from flask import Blueprint

from portal.documents import views

bp = Blueprint("documents", __name__, template_folder="templates")

bp.add_url_rule("/organizations/<int:org_id>/documents", "register", views.register)
bp.add_url_rule("/organizations/<int:org_id>/documents/upload", "upload", views.upload,
                methods=["GET", "POST"])
bp.add_url_rule("/documents/<int:document_id>", "history", views.history)
bp.add_url_rule("/document-versions/<int:version_id>/file", "download", views.download)
