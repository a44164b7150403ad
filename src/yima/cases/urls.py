"""Case URLs under /cases/: public pages (new, follow, t/<tracking>) and staff pages."""

from django.urls import path

from yima.cases import views, views_staff

app_name = "cases"
urlpatterns = [
    # Public, no account.
    path("new/", views.new_case, name="new"),
    path("follow/", views.follow, name="follow"),
    path("t/<str:tracking>/", views.case_public, name="public"),
    path("t/<str:tracking>/evaluate/", views.case_evaluate, name="evaluate"),
    # Staff.
    path("", views_staff.case_list, name="list"),
    path("overdue/", views_staff.case_list, {"overdue_only": True}, name="overdue"),
    path("<str:tracking>/", views_staff.case_detail, name="detail"),
    path("<str:tracking>/act/<slug:action>/", views_staff.case_act, name="act"),
    path("<str:tracking>/photos/<int:photo_id>/", views_staff.case_photo, name="photo"),
]
