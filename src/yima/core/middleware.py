"""When the database cannot be reached, answer 503 with a clear page instead of a 500.

A lost or refused database connection (PostgreSQL restarting, a network cut, SQLite locked for
too long) becomes a 503 with `Retry-After`: a short page in Chinese and English for people, a
JSON error body for /api/ and /open311/ clients; never a stack trace. Nothing needs restarting
afterwards: Django drops a broken connection at the end of the request and checks a kept one
before reusing it (CONN_HEALTH_CHECKS in settings.py), so the first request after the database
is back gets a fresh connection.

Errors raised by views are caught in `process_exception`. Errors raised inside other middleware
(e.g. saving the session after the view ran) are turned into 500 responses by Django before
they reach us; the `got_request_exception` signal marks the request, and this middleware, the
outermost one, swaps such a 500 for the 503.
"""

import json
import logging
import sqlite3
import sys
import xml.etree.ElementTree as ET

from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE_ZH = "系统暂时无法连接数据库，请稍后再试。"
MESSAGE_EN = "The system cannot reach its database at the moment. Please try again shortly."
# SQLite's OperationalError also means "no such table" or a syntax error: programming errors,
# which stay 500. Only these say the database is (for now) out of reach.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o")
_MARK = "_yima_database_unavailable"


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (not a bug in a query)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        text = str(cause).lower()
        return any(words in text for words in _SQLITE_UNAVAILABLE)
    # PostgreSQL (psycopg): connection failures, server shutdown, lock and resource errors.
    return True


def database_unavailable_response(request) -> HttpResponse:
    """The 503: JSON for the API and Open311 (XML for Open311's .xml), a page for people."""
    path = request.path
    if path.startswith("/open311/") and path.endswith(".xml"):
        root = ET.Element("errors")
        error = ET.SubElement(root, "error")
        ET.SubElement(error, "code").text = "503"
        ET.SubElement(error, "description").text = f"{MESSAGE_ZH} {MESSAGE_EN}"
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
        response = HttpResponse(body.encode(), status=503, content_type="text/xml; charset=utf-8")
    elif path.startswith("/open311/"):
        body = [{"code": 503, "description": f"{MESSAGE_ZH} {MESSAGE_EN}"}]
        response = _json(body)
    elif path.startswith("/api/"):
        # The REST API's one error shape (api/v1/errors.py).
        body = {"code": "database_unavailable", "message": f"{MESSAGE_ZH} {MESSAGE_EN}"}
        response = _json({**body, "errors": []})
    else:
        response = HttpResponse(_page(), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _page() -> str:
    # Rendered without the request: context processors would reach for the database.
    context = {"message_zh": MESSAGE_ZH, "message_en": MESSAGE_EN, "retry": RETRY_AFTER_SECONDS}
    try:
        return render_to_string("core/503.html", context)
    except Exception:  # e.g. static files not collected: the message matters, not the looks
        log.exception("The 503 page could not be rendered")
        return f"<!doctype html><meta charset=utf-8><h1>{MESSAGE_ZH}</h1><p>{MESSAGE_EN}</p>"


def _json(body) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False).encode(),
        status=503,
        content_type="application/json; charset=utf-8",
    )


def _log(request, exc: BaseException) -> None:
    # One line, no traceback: an outage would otherwise flood the log.
    log.warning("Database unavailable (%s %s): %s", request.method, request.path, exc)


def _mark_request(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_database_unavailable(exc):
        setattr(request, _MARK, exc)


got_request_exception.connect(_mark_request, dispatch_uid="yima.core.database_unavailable")


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: sees every response, and every exception a view raises."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            _log(request, exc)
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        _log(request, exception)
        return database_unavailable_response(request)
