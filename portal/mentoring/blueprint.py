"""URL rules of the register of participants and their pairs and groups.

Ids are resolved through the scope before any view runs: participant and pair ids with
PERSONAL_DATA (404 outside the organization's curator and head); views require
PERSONAL_DATA on organization pages of person-level data, and EDIT where they write.
"""

from flask import Blueprint

from portal.mentoring import file_views, views

bp = Blueprint("mentoring", __name__, template_folder="templates")

_ORG = "/organizations/<int:org_id>/mentoring"
bp.add_url_rule(_ORG, "overview", views.overview)
bp.add_url_rule(f"{_ORG}/participants", "participants", views.participants)
bp.add_url_rule(f"{_ORG}/participants/new", "participant_new", views.participant_new,
                methods=["GET", "POST"])
bp.add_url_rule("/mentoring/participants/<int:participant_id>", "participant_edit",
                views.participant_edit, methods=["GET", "POST"])
bp.add_url_rule("/mentoring/participants/<int:participant_id>/withdraw", "participant_withdraw",
                views.participant_withdraw, methods=["POST"])
bp.add_url_rule(f"{_ORG}/pairs", "pairs", views.pairs)
bp.add_url_rule(f"{_ORG}/pairs/new", "pair_new", views.pair_new, methods=["GET", "POST"])
bp.add_url_rule("/mentoring/pairs/<int:pair_id>", "pair_edit", views.pair_edit,
                methods=["GET", "POST"])
bp.add_url_rule(f"{_ORG}/access-log", "access_log", views.access_log)

# Files of the register (portal/mentoring/file_views.py).
bp.add_url_rule(f"{_ORG}/participants/template.xlsx", "register_template",
                file_views.register_template)
bp.add_url_rule(f"{_ORG}/participants/export.xlsx", "register_export",
                file_views.register_export)
bp.add_url_rule(f"{_ORG}/participants/import", "register_import", file_views.register_import,
                methods=["GET", "POST"])
bp.add_url_rule("/mentoring/participants/<int:participant_id>/consent", "consent_upload",
                file_views.consent_upload, methods=["POST"])
bp.add_url_rule("/mentoring/participants/<int:participant_id>/consent/file", "consent_download",
                file_views.consent_download)
