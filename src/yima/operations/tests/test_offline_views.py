"""The service worker script and the sync token the offline queue asks for."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_under_ops_with_its_scope(client):
    response = client.get("/ops/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/ops/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    assert "/static/operations/ops.js" in body and "/static/core/yima.css" in body


def test_sync_token_for_a_logged_in_user(client_for):
    response = client_for("operator").get("/ops/sync-token/", HTTP_ACCEPT="application/json")
    data = json.loads(response.content)
    assert data["user"] == "operator" and len(data["csrf"]) >= 32


def test_sync_token_refused_when_logged_out(client_for):
    response = client_for("public").get("/ops/sync-token/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401


def test_queued_post_with_header_token_passes_csrf(world):
    from django.test import Client

    from yima.operations.tests.conftest import inspection_post

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    token = json.loads(client.get("/ops/sync-token/", HTTP_ACCEPT="application/json").content)[
        "csrf"
    ]
    url = f"/ops/f/{world.facility_a.code}/inspect/"
    refused = client.post(url, inspection_post(), HTTP_ACCEPT="application/json")
    assert refused.status_code == 403
    response = client.post(
        url, inspection_post(), HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201
