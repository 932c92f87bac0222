"""URL rules of the dashboards; tenant ids are resolved through the scope before views run.

Filters (period, indicator, counted states, type, organizations) and the export's chart
and format travel in the query string, so no route takes an argument unknown to the
isolation walk; a period id from the query string is looked up among the periods the
scope lets the user see, in the region of the page.
"""

from flask import Blueprint

from dashboards import views

bp = Blueprint("dashboards", __name__, template_folder="templates", static_folder="static",
               static_url_path="/dashboards/static")

bp.add_url_rule("/dashboards", "index", views.index)
bp.add_url_rule("/dashboards/regions/<int:region_id>", "regional", views.regional)
bp.add_url_rule("/dashboards/regions/<int:region_id>/export", "regional_export",
                views.regional_export)
bp.add_url_rule("/dashboards/municipalities/<int:municipality_id>", "municipal",
                views.municipal)
bp.add_url_rule("/dashboards/municipalities/<int:municipality_id>/export", "municipal_export",
                views.municipal_export)
bp.add_url_rule("/dashboards/organizations/<int:org_id>", "institution", views.institution)
bp.add_url_rule("/dashboards/organizations/<int:org_id>/export", "institution_export",
                views.institution_export)
bp.add_url_rule(views.PLOTLY_URL, "plotly_js", views.plotly_js)
