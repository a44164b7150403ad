"""The offline plumbing: the service worker script (served under /ops/ so it may control the
field pages) and a token endpoint the queue calls before sending."""

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from yima.operations.views.common import staff_view

SW_VERSION = "1"


@never_cache
def service_worker(request):
    assets = [static("core/yima.css"), static("operations/ops.js")]
    body = render_to_string(
        "operations/sw.js", {"assets": assets, "version": SW_VERSION + ":" + "|".join(assets)}
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/ops/"
    return response


@never_cache
@staff_view
def sync_token(request):
    """A fresh CSRF token and who is logged in: the queue only sends its own user's items."""
    return JsonResponse({"csrf": get_token(request), "user": request.user.get_username()})
