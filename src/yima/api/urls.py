"""REST API URLs, mounted at /api/v1/ (namespace `api-v1`)."""

from django.urls import path

from yima.api.v1.api import api

urlpatterns = [path("", api.urls)]
