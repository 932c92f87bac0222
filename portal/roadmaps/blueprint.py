"""URL rules of roadmaps, their execution and the presence check.

Ids are resolved through the scope before any view runs; views check EDIT where they write.
"""

from flask import Blueprint

from portal.roadmaps import execution_views, presence_views, views

bp = Blueprint("roadmaps", __name__, template_folder="templates", static_folder="static",
               static_url_path="/roadmaps-static")

bp.add_url_rule("/organizations/<int:org_id>/roadmaps", "index", views.index)
bp.add_url_rule("/organizations/<int:org_id>/roadmaps/new", "create", views.create,
                methods=["POST"])
bp.add_url_rule("/organizations/<int:org_id>/roadmaps/import", "import_roadmap",
                views.import_roadmap, methods=["POST"])
bp.add_url_rule("/roadmaps/<int:roadmap_id>", "show", views.show)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/roadmap.xlsx", "export", views.export)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/delete", "delete", views.delete, methods=["POST"])
bp.add_url_rule("/roadmaps/<int:roadmap_id>/events/new", "event_new", views.event_new,
                methods=["GET", "POST"])
bp.add_url_rule("/roadmap-events/<int:event_id>/edit", "event_edit", views.event_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/roadmap-events/<int:event_id>/delete", "event_delete", views.event_delete,
                methods=["POST"])
bp.add_url_rule("/roadmap-events/<int:event_id>/move", "event_move", views.event_move,
                methods=["POST"])

bp.add_url_rule("/roadmaps/<int:roadmap_id>/execution", "print_report",
                execution_views.print_report)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/execution.xlsx", "print_xlsx",
                execution_views.print_xlsx)
bp.add_url_rule("/reports/<int:report_id>/roadmap", "report_execution",
                execution_views.report_execution, methods=["GET", "POST"])

bp.add_url_rule("/presence", "my_area", presence_views.my_area)
bp.add_url_rule("/municipalities/<int:municipality_id>/presence", "presence",
                presence_views.municipality_presence)
bp.add_url_rule("/municipalities/<int:municipality_id>/presence.xlsx", "presence_xlsx",
                presence_views.municipality_presence_xlsx)
bp.add_url_rule("/regions/<int:region_id>/presence", "presence_region",
                presence_views.region_presence)
bp.add_url_rule("/regions/<int:region_id>/presence/checklist", "checklist",
                presence_views.region_checklist, methods=["GET", "POST"])
