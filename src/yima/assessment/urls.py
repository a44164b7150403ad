"""Contractor assessment under /assessment/: scorecards, one contractor's card, the records
behind each score, the weights, the Excel export and publishing a period's results."""

from django.urls import path

from yima.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.scorecard_list, name="list"),
    path("export/", views.scorecard_export, name="export"),
    path("publish/", views.scorecard_publish, name="publish"),
    path("weights/", views.weights_edit, name="weights"),
    path("<int:org_id>/", views.scorecard_detail, name="card"),
    path("<int:org_id>/evidence/<slug:item>/", views.evidence, name="evidence"),
]
