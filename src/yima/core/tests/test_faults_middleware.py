"""The database out of reach: pages answer 503 with a clear page, the API and Open311 with
their JSON error, all with Retry-After and no stack trace; other errors stay what they are.
(test_faults_server.py does the same against a real gunicorn and a cut PostgreSQL.)"""

import json
import sqlite3
from unittest import mock

import pytest
from django.db.utils import InterfaceError, OperationalError, ProgrammingError
from django.test import Client

from yima.core.middleware import MESSAGE_EN, MESSAGE_ZH, is_database_unavailable


def _refused() -> OperationalError:
    try:
        raise OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
            "Connection refused"
        )
    except OperationalError as exc:
        return exc


def _sqlite(message: str) -> OperationalError:
    try:
        try:
            raise sqlite3.OperationalError(message)
        except sqlite3.OperationalError as cause:
            raise OperationalError(message) from cause
    except OperationalError as exc:
        return exc


def _down():
    """Every query fails as if PostgreSQL refused the connection."""
    return mock.patch("django.db.backends.utils.CursorWrapper._execute", side_effect=_refused())


@pytest.fixture
def db_down(world):
    with _down() as patched:
        yield patched


def _client() -> Client:
    # raise_request_exception=False: see the response a visitor would get, not the exception.
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_a_page_answers_503_with_a_clear_bilingual_page(db_down, world):
    response = _client().get(f"/f/{world.facility_a.code}/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "系统暂时无法连接数据库，请稍后再试" in page
    assert "cannot reach its database" in page
    assert page.index(MESSAGE_ZH) < page.index(MESSAGE_EN)  # Chinese first
    for leak in ("Traceback", "Connection refused", "5432", "OperationalError"):
        assert leak not in page


@pytest.mark.django_db
def test_a_report_form_post_answers_503(db_down, world):
    response = _client().post(
        f"/cases/new/?facility={world.facility_a.code}&type=overflow",
        {"case_type": "overflow", "description": "冒水"},
    )
    assert response.status_code == 503
    assert MESSAGE_ZH in response.content.decode()


@pytest.mark.django_db
def test_the_rest_api_answers_503_with_its_json_error(world):
    from yima.api.services import api_key_create

    _key, secret = api_key_create(name="regulator app", user=world.regulator)
    with _down():
        response = _client().get("/api/v1/facilities", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = json.loads(response.content)
    assert body["code"] == "database_unavailable"
    assert MESSAGE_ZH in body["message"] and body["errors"] == []


@pytest.mark.django_db
def test_open311_answers_503_in_its_own_error_format(world):
    from yima.api.services import api_key_create

    _key, secret = api_key_create(name="WeChat mini-program")
    data = {"api_key": secret, "service_code": "overflow", "address_id": world.facility_a.code}
    with _down():
        response = _client().post("/open311/v2/requests.json", data)
        xml = _client().get("/open311/v2/requests.xml")
    assert response.status_code == 503
    assert json.loads(response.content) == [
        {"code": 503, "description": f"{MESSAGE_ZH} {MESSAGE_EN}"}
    ]
    assert xml.status_code == 503
    assert xml["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>503</code>" in xml.content


@pytest.mark.django_db
def test_a_query_bug_is_still_a_500_not_a_503(world):
    try:
        raise ProgrammingError('relation "cases_case" does not exist')
    except ProgrammingError as exc:
        bug = exc
    with mock.patch("django.db.backends.utils.CursorWrapper._execute", side_effect=bug):
        response = _client().get(f"/f/{world.facility_a.code}/")
    assert response.status_code == 500


@pytest.mark.django_db
def test_an_error_inside_another_middleware_is_also_a_503(world, monkeypatch):
    """Saving the session after the view ran: Django turns it into a 500 before we see it."""
    from django.contrib.sessions.backends.db import SessionStore

    monkeypatch.setattr(SessionStore, "save", mock.Mock(side_effect=_refused()))
    client = _client()
    response = client.post(
        f"/cases/new/?facility={world.facility_a.code}&type=overflow",
        {"case_type": "overflow", "description": "冒水", "website": "", "seen": ""},
    )
    assert response.status_code == 503
    assert MESSAGE_ZH in response.content.decode()


def test_which_errors_mean_the_database_is_out_of_reach():
    assert is_database_unavailable(_refused())
    assert is_database_unavailable(InterfaceError("connection already closed"))
    assert is_database_unavailable(_sqlite("database is locked"))
    assert not is_database_unavailable(_sqlite("no such table: cases_case"))
    assert not is_database_unavailable(ProgrammingError("syntax error"))
    assert not is_database_unavailable(ValueError("nothing to do with the database"))
