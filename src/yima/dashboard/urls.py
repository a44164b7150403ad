"""Dashboard URLs under /dashboard/: the figures page, the records behind each figure, the
"needs action" lists and the map's data."""

from django.urls import path

from yima.dashboard import views, views_exports

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("evidence/<slug:figure>/<slug:part>/", views.evidence, name="evidence"),
    path("actions/<slug:name>/", views.actions, name="actions"),
    path("map/points.json", views.map_points, name="map_points"),
    path("map/counties.geojson", views.map_counties, name="map_counties"),
    # Downloads (views_exports.py): Excel of the tables and lists, the monthly report.
    path("export/breakdown.xlsx", views_exports.breakdown_xlsx, name="export_breakdown"),
    path("export/actions/<slug:name>.xlsx", views_exports.actions_xlsx, name="export_actions"),
    path(
        "export/evidence/<slug:figure>/<slug:part>.xlsx",
        views_exports.evidence_xlsx,
        name="export_evidence",
    ),
    path("report/<str:period>.xlsx", views_exports.report_xlsx, name="report_xlsx"),
    path("report/<str:period>.pdf", views_exports.report_pdf, name="report_pdf"),
]
