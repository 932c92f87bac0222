"""URL rules of personalised mentoring programmes.

Pair, programme and plan-event ids are resolved through the scope with PERSONAL_DATA before
any view runs (404 outside the organization's curator and head); the organization's list
requires PERSONAL_DATA (403 for the external contour); views require EDIT where they write.
"""

from flask import Blueprint

from portal.programmes import plan_views, views

bp = Blueprint("programmes", __name__, template_folder="templates")

_P = "/mentoring/programmes/<int:programme_id>"
_EVENT = "/mentoring/plan-events/<int:plan_event_id>"  # its programme: the event's own
bp.add_url_rule("/organizations/<int:org_id>/mentoring/programmes", "programmes",
                views.programmes)
bp.add_url_rule("/mentoring/pairs/<int:pair_id>/programme", "programme_new",
                views.programme_new, methods=["GET", "POST"])
bp.add_url_rule(_P, "programme", views.programme)
bp.add_url_rule(f"{_P}/edit", "programme_edit", views.programme_edit, methods=["GET", "POST"])
bp.add_url_rule(f"{_P}/print", "print_page", views.print_page)
bp.add_url_rule(f"{_P}/programme.docx", "docx", views.docx)
bp.add_url_rule(f"{_P}/extend", "extend", plan_views.extend, methods=["POST"])
bp.add_url_rule(f"{_P}/finish", "finish", plan_views.finish, methods=["POST"])
bp.add_url_rule(f"{_P}/events/new", "event_new", plan_views.event_new, methods=["GET", "POST"])
bp.add_url_rule(_EVENT, "event_edit", plan_views.event_edit, methods=["GET", "POST"])
bp.add_url_rule(f"{_EVENT}/delete", "event_delete", plan_views.event_delete, methods=["POST"])
bp.add_url_rule(f"{_EVENT}/done", "event_done", plan_views.event_done, methods=["POST"])
bp.add_url_rule(f"{_EVENT}/evidence", "evidence", plan_views.evidence)
