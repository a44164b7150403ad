"""Excel in and out of the ledger (included in the `facilities` namespace under /ledger/)."""

from django.urls import path

from yima.facilities import views_excel

urlpatterns = [
    path("export.xlsx", views_excel.ledger_export, name="export"),
    path("import/", views_excel.ledger_import, name="import"),
    path("import/<int:pk>/", views_excel.import_job, name="import_job"),
    path("import/<int:pk>/apply/", views_excel.import_job_apply, name="import_job_apply"),
]
