"""Open311 URLs, mounted at /open311/ (namespace `open311`): the discovery document and
GeoReport v2 under v2/. Every resource ends in .json or .xml."""

from django.urls import re_path

from yima.api.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.services, name="services"),
    re_path(r"^v2/services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
]
