"""Ledger page URLs (mounted at /ledger/ in the `facilities` namespace)."""

from django.urls import path, register_converter

from yima.facilities import views
from yima.regions.choices import Level


class TypedCodeConverter:
    """A facility code as typed: starts with a digit, may be grouped or lower-case.

    Requiring the leading digit keeps words such as `new/` or `export/` free for other pages.
    """

    regex = r"[0-9][^/]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TypedCodeConverter, "facility_code")

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_create, name="create"),
    path("options/filter-towns/", views.filter_town_options, name="filter_towns"),
    path("options/towns/", views.region_options, {"level": Level.TOWN}, name="town_options"),
    path(
        "options/villages/",
        views.region_options,
        {"level": Level.VILLAGE},
        name="village_options",
    ),
    path("<facility_code:code>/", views.facility_detail, name="detail"),
    path("<facility_code:code>/edit/", views.facility_edit, name="edit"),
    path("<facility_code:code>/status/", views.facility_status, name="status"),
    path("<facility_code:code>/delete/", views.facility_delete, name="delete"),
]
