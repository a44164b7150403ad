"""yima's URLs plus `/bench/constant/`, the floor of the scan benchmark.

The constant view does no work of its own: what it costs is Django's request cycle (every
middleware of yima's settings) and gunicorn. The scan page can be no faster than that.
"""

from django.http import HttpResponse
from django.urls import path

from yima.urls import urlpatterns as yima_urlpatterns


def constant(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/constant/", constant, name="bench_constant"), *yima_urlpatterns]
