"""URL rules for browsing the tenant hierarchy. Ids are resolved by the scoping helper."""

from flask import Blueprint

from tenants import views

bp = Blueprint("tenants", __name__, template_folder="templates")

bp.add_url_rule("/regions/<int:region_id>", "region", views.region)
bp.add_url_rule("/municipalities/<int:municipality_id>", "municipality", views.municipality)
bp.add_url_rule("/organizations/<int:org_id>", "organization", views.organization)
