"""URL rules of the status pages; ids are resolved through the scope before views run."""

from flask import Blueprint

from portal.status import views

bp = Blueprint("status", __name__, template_folder="templates")

bp.add_url_rule("/municipalities/<int:municipality_id>/periods/<int:period_id>/status",
                "municipal_status", views.municipal_status)
bp.add_url_rule("/regions/<int:region_id>/periods/<int:period_id>/status", "regional_status",
                views.regional_status)
