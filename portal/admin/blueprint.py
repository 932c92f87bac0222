"""URL rules of the administration pages (administrators only)."""

from flask import Blueprint, abort

from portal.admin import views
from tenants.scoping import current_scope

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.before_request
def _administrators_only():
    if not current_scope().is_admin:
        abort(403)


bp.add_url_rule("/users", "users", views.users)
bp.add_url_rule("/users/new", "user_new", views.user_new, methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>", "user", views.user_detail)
bp.add_url_rule("/users/<int:user_id>/roles", "user_add_role", views.user_add_role,
                methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/roles/<int:assignment_id>/remove", "user_remove_role",
                views.user_remove_role, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/active", "user_active", views.user_active,
                methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/link", "user_link", views.user_link, methods=["POST"])
bp.add_url_rule("/organizations", "organizations", views.organizations)
bp.add_url_rule("/organizations/new", "organization_new", views.organization_new,
                methods=["GET", "POST"])
bp.add_url_rule("/organizations/<int:org_id>/edit", "organization_edit",
                views.organization_edit, methods=["GET", "POST"])
bp.add_url_rule("/organizations/<int:org_id>/active", "organization_active",
                views.organization_active, methods=["POST"])
