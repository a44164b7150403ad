"""Scan URLs, mounted at the site root: `/f/...` for facilities, `/labels/...` for printing.

`/f/<code>/<serial>-<token>` is what a sign's QR code carries (no trailing slash: every
character makes the QR code denser). Codes are matched loosely here and parsed in the views, so
a typed variant is redirected to the canonical URL and a bad one gets a helpful page.
"""

from django.urls import path, re_path

from yima.scan import views

app_name = "scan"
urlpatterns = [
    path("f/", views.lookup, name="lookup"),
    path("f/<str:code>/", views.facility_page, name="facility"),
    path("f/<str:code>/<int:serial>-<str:token>", views.facility_page, name="label"),
    path("f/<str:code>/qr.svg", views.qr_download, {"kind": "svg"}, name="qr_svg"),
    path("f/<str:code>/qr.png", views.qr_download, {"kind": "png"}, name="qr_png"),
    path("f/<str:code>/sign.pdf", views.sign_pdf, name="sign_pdf"),
    path("f/<str:code>/reissue/", views.reissue, name="reissue"),
    re_path(r"^f/(?P<rest>.+)/$", views.not_found, name="not_found"),
    path("labels/", views.labels, name="labels"),
    path("labels/print/", views.labels_print, name="labels_print"),
    path("labels/jobs/<uuid:job_id>/", views.job, name="job"),
    path("labels/jobs/<uuid:job_id>/progress/", views.job_progress, name="job_progress"),
    path("labels/jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
]
