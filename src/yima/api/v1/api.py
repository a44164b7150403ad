"""The REST API, version 1, mounted at /api/v1/: one NinjaAPI with a router per domain.

Docs: /api/v1/docs (Swagger UI served from the static files of django-ninja, no CDN) and the
OpenAPI document at /api/v1/openapi.json. See docs/api.md.
"""

from datetime import datetime

from django.utils import timezone
from ninja import NinjaAPI, Router, Schema
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from yima.accounts.scope import scope_for
from yima.api.v1 import cases, errors, facilities, operations
from yima.api.v1.auth import AUTH
from yima.api.v1.errors import ERROR_STATUSES, ErrorOut

DESCRIPTION = """
yima's REST API for staff integrations: the facility ledger, inspections, water samples,
repair work orders and public reports, each filtered to what the calling user may see.

**Authentication.** Send an API key as `Authorization: Bearer yima_…` (ask an administrator:
`yima create-api-key NAME --user USERNAME`); the key acts as its user. In the browser, a
signed-in session works too (unsafe methods need the CSRF token).

**Errors** share one body: `{"code": "not_found", "message": "…", "errors": [...]}` with 401
(no or bad credentials), 403 (not allowed), 404 (not there or not visible to you), 422
(invalid parameters or a step the report's state does not allow).

**Lists** are pages: `?limit=50&offset=0` (limit at most 500), answered with `count`, `next`,
`previous` and `items`. Times are ISO 8601 in the site's zone (+08:00).

Public reports can also be filed and followed without an account through Open311 GeoReport v2
at `/open311/v2/`.
"""


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times in the site's zone (2025-03-01T23:59:59.999+08:00): a promised deadline reads as
    the local day it was promised for."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


class Utf8Renderer(JSONRenderer):
    # Chinese names as characters, not \uXXXX escapes (still UTF-8 JSON).
    encoder_class = LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="yima API",
    version="1",
    description=DESCRIPTION,
    auth=AUTH,
    renderer=Utf8Renderer(),
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": True, "defaultModelsExpandDepth": 0}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

me = Router(tags=["me"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str


class ScopeOut(Schema):
    is_admin: bool
    region_prefixes: list[str]
    contractor_ids: list[int]


class MeOut(Schema):
    username: str
    name: str
    organisations: list[OrganisationOut]
    scope: ScopeOut
    key: str | None = None


@me.get("/me", response={200: MeOut, ERROR_STATUSES: ErrorOut}, summary="Who you are")
def whoami(request):
    """The user the credentials act as, their organisations and what they may see: a quick
    check that a key works."""
    user = request.user
    scope = scope_for(user)
    key = getattr(request, "api_key", None)
    return {
        "username": user.username,
        "name": str(user),
        "organisations": list(user.organisations.order_by("name")),
        "scope": {
            "is_admin": scope.is_admin,
            "region_prefixes": list(scope.region_prefixes),
            "contractor_ids": list(scope.contractor_ids),
        },
        "key": f"{key.name} ({key.prefix}…)" if key is not None else None,
    }


api.add_router("", me)
api.add_router("/facilities", facilities.router)
api.add_router("", operations.router)
api.add_router("/cases", cases.router)
