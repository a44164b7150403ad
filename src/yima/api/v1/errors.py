"""One error body for every failure of the REST API:

    {"code": "not_found", "message": "…", "errors": [{"field": "limit", "message": "…"}]}

`code` is stable for programs; `message` is for people (Chinese unless the request asks for
English); `errors` lists field problems (validation only).
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yima.core.middleware import database_unavailable_response, is_database_unavailable

NOT_AUTHENTICATED = gettext_noop(
    "Sign in, or send an API key in the header “Authorization: Bearer <key>”."
)
NOT_STAFF = gettext_noop("Your account does not belong to a bureau or contractor yet.")
NOT_FOUND = gettext_noop("Not found, or not visible to you.")
INVALID = gettext_noop("Some values are not valid.")
FORBIDDEN = gettext_noop("You may not do this.")

CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found"}
CODES |= {405: "method_not_allowed", 409: "conflict", 422: "invalid"}


# The error statuses every operation documents (OpenAPI `responses`).
ERROR_STATUSES = frozenset({400, 401, 403, 404, 405, 422})


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] = []


class ApiError(Exception):
    """Raise from an endpoint to answer with this status, code and (already translated) text."""

    def __init__(self, status: int, message: str, *, code: str = "", errors=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.errors = errors or []


class KeyRejected(AuthenticationError):
    """An Authorization header was sent but its key is unknown, revoked or malformed: 401,
    even if the browser also has a session (a wrong key must never fall back silently)."""

    def __init__(self, message: str):
        super().__init__(401, message)


def _body(code: str, message: str, errors=None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or []}


def _field_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": field if field != "__all__" else "", "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": str(m)} for m in exc.messages]


def _loc(loc) -> str:
    # ninja reports ("query", "filters", "limit"); clients care about the last part.
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header", "cookie")]
    return parts[-1] if parts else ""


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn exceptions into the one error body."""

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return api.create_response(
            request, _body(exc.code, exc.message, exc.errors), status=exc.status
        )

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        # ninja's own AuthenticationError (no credentials at all) says only "Unauthorized".
        message = exc.message if isinstance(exc, KeyRejected) else _(NOT_AUTHENTICATED)
        response = api.create_response(request, _body("not_authenticated", message), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="yima"'
        return response

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc: NinjaValidationError):
        errors = [
            {"field": _loc(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors
        ]
        return api.create_response(request, _body("invalid", _(INVALID), errors), status=422)

    @api.exception_handler(DjangoValidationError)
    def service_invalid(request, exc: DjangoValidationError):
        errors = _field_errors(exc)
        message = errors[0]["message"] if len(errors) == 1 else _(INVALID)
        return api.create_response(request, _body("invalid", message, errors), status=422)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        message = str(exc) or _(FORBIDDEN)
        return api.create_response(request, _body("forbidden", message), status=403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body("not_found", _(NOT_FOUND)), status=404)

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return api.create_response(request, _body("not_found", _(NOT_FOUND)), status=404)

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_unavailable(request, exc):
        # The database is out of reach (restarting, network cut): 503 with Retry-After, as
        # every page answers then (core/middleware.py). Other database errors stay 500.
        if not is_database_unavailable(exc):
            raise exc
        return database_unavailable_response(request)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # ninja raises these itself, e.g. 403 "CSRF check Failed" for session calls.
        code = CODES.get(exc.status_code, "error")
        return api.create_response(request, _body(code, str(exc)), status=exc.status_code)
