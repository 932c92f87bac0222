"""URL rules of the catalogue; form, indicator and rule ids are resolved through the scope
first (a form of another region is not found)."""

from flask import Blueprint

from portal.catalogue import derived_views, form_views, rule_views, views

bp = Blueprint("catalogue", __name__, template_folder="templates")

bp.add_url_rule("/catalogue", "index", views.index, methods=["GET", "POST"])
bp.add_url_rule("/catalogue/<int:indicator_id>/retire", "retire", views.retire,
                methods=["POST"])
bp.add_url_rule("/catalogue/rules", "rules", rule_views.rules, methods=["GET", "POST"])
bp.add_url_rule("/catalogue/rules/<int:rule_id>", "edit_rule", rule_views.edit_rule,
                methods=["GET", "POST"])
bp.add_url_rule("/catalogue/rules/<int:rule_id>/active", "set_rule_active",
                rule_views.set_active, methods=["POST"])
# The form editor (issue 11 §1): a region's forms, items, rules and definition file.
bp.add_url_rule("/regions/<int:region_id>/forms", "region_forms", form_views.region_forms,
                methods=["GET", "POST"])
bp.add_url_rule("/forms/<int:form_id>", "form", form_views.show, methods=["GET", "POST"])
bp.add_url_rule("/forms/<int:form_id>/rules", "form_rules", rule_views.form_rules,
                methods=["GET", "POST"])
bp.add_url_rule("/forms/<int:form_id>/derived", "form_derived", derived_views.form_derived,
                methods=["GET", "POST"])
bp.add_url_rule("/forms/derived/<int:derived_id>/delete", "delete_derived",
                derived_views.delete_derived, methods=["POST"])
bp.add_url_rule("/forms/<int:form_id>/definition.xlsx", "download", form_views.download)
bp.add_url_rule("/forms/<int:form_id>/definition", "upload", form_views.upload,
                methods=["POST"])
bp.add_url_rule("/forms/items/<int:indicator_id>", "edit_item", form_views.edit_item,
                methods=["GET", "POST"])
bp.add_url_rule("/forms/items/<int:indicator_id>/move", "move_item", form_views.move_item,
                methods=["POST"])
bp.add_url_rule("/forms/items/<int:indicator_id>/restore", "restore_item",
                form_views.restore_item, methods=["POST"])
