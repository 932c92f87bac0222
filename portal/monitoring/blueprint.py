"""URL rules of monitoring: stage 1 per pair and period, stage 2 per participant.

Ids are resolved through the scope before any view runs: pair, pair member and record ids
with PERSONAL_DATA (404 outside the organization's curator and head); the organization's
page requires PERSONAL_DATA, writes require EDIT (portal/monitoring/views.py).
"""

from flask import Blueprint

from portal.monitoring import views

bp = Blueprint("monitoring", __name__, template_folder="templates")

_PAIR = "/mentoring/pairs/<int:pair_id>/monitoring"
bp.add_url_rule("/organizations/<int:org_id>/monitoring", "overview", views.overview)
bp.add_url_rule(_PAIR, "pair", views.pair_page)
bp.add_url_rule(f"{_PAIR}/periods/new", "record_new", views.record_new, methods=["GET", "POST"])
bp.add_url_rule("/monitoring/records/<int:monitoring_record_id>", "record_edit",
                views.record_edit, methods=["GET", "POST"])
_MEMBER = "/monitoring/members/<int:pair_member_id>"
bp.add_url_rule(f"{_MEMBER}/before", "answers_before", views.answers_before,
                methods=["GET", "POST"])
bp.add_url_rule(f"{_MEMBER}/after", "answers_after", views.answers_after,
                methods=["GET", "POST"])
