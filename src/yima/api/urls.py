"""REST API URLs, mounted at /api/v1/ (namespace `api-v1`).

Two answers django-ninja gives outside the API's error handlers are put into the API's one
error body here: 405 for a method a path does not take, and 404 for a path that does not exist.
"""

import json
from functools import wraps

from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt

from yima.api.v1.api import api

NO_SUCH_ENDPOINT = gettext_noop("There is no such endpoint. See /api/v1/docs.")
METHOD_NOT_ALLOWED = gettext_noop("This endpoint does not take this method.")


def _error(status: int, code: str, message: str) -> HttpResponse:
    body = {"code": code, "message": message, "errors": []}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


def _json_405(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _error(405, "method_not_allowed", _(METHOD_NOT_ALLOWED))
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def no_such_endpoint(request, rest):
    return _error(404, "not_found", _(NO_SUCH_ENDPOINT))


# (Not unpacked into module names: a module-level `app_name` would namespace the include.)
_patterns, _app, _namespace = api.urls
_patterns = [
    URLPattern(p.pattern, _json_405(p.callback), p.default_args, p.name)
    if isinstance(p, URLPattern)
    else p
    for p in _patterns
]
urlpatterns = [
    path("", (_patterns, _app, _namespace)),
    re_path(r"^(?P<rest>.*)$", no_such_endpoint),
]
