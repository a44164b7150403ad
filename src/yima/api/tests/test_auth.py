"""Who may call the REST API: a valid key (acting as its user), a signed-in session (with CSRF
on unsafe methods); nobody else."""

import json

import pytest
from django.test import Client

from yima.api.models import ApiKey
from yima.api.services import api_key_create, api_key_revoke

from .factories import report

ME = "/api/v1/me"


def test_without_credentials_every_endpoint_answers_401_with_a_bearer_challenge(db):
    response = Client().get("/api/v1/facilities")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


def test_a_valid_key_acts_as_its_user(world):
    _key, secret = api_key_create(name="hotline", user=world.county_regulator)

    response = Client().get(ME, headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    assert response.json()["username"] == "county_regulator"
    assert response.json()["scope"]["region_prefixes"] == ["360121"]


def test_using_a_key_records_when(world):
    key, secret = api_key_create(name="hotline", user=world.regulator)

    Client().get(ME, headers={"Authorization": f"Bearer {secret}"})

    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer yima_wrongwrongwrongwrongwrongwrongwrongwrong", "Bearer ", "Token abc", "Basic eA=="],
)
def test_a_wrong_key_or_header_is_401(world, header):
    response = Client().get(ME, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_key_is_401(world):
    key, secret = api_key_create(name="hotline", user=world.regulator)
    api_key_revoke(key=key)

    response = Client().get("/api/v1/facilities", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 401


def test_a_wrong_key_is_401_even_with_a_session(client_for):
    client = client_for("regulator")

    response = client.get(ME, headers={"Authorization": "Bearer yima_not-a-key"})

    assert response.status_code == 401


def test_an_open311_only_key_may_not_use_the_rest_api(world):
    _key, secret = api_key_create(name="mini-program")

    response = Client().get("/api/v1/facilities", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 403
    assert (
        "Open311"
        in Client()
        .get(ME, headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})
        .json()["message"]
    )


def test_a_signed_in_session_works_without_a_key(client_for):
    response = client_for("operator").get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == "operator"
    assert response.json()["key"] is None


def test_a_session_needs_the_csrf_token_for_unsafe_methods(world):
    case = report(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.county_regulator)
    url = f"/api/v1/cases/{case.tracking}/actions/accept"

    refused = client.post(url, "{}", content_type="application/json")
    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does in a browser
    token = client.cookies["csrftoken"].value
    accepted = client.post(url, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "accepted"


def test_a_key_needs_no_csrf_token(world):
    case = report(world)
    _key, secret = api_key_create(name="hotline", user=world.county_regulator)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/api/v1/cases/{case.tracking}/actions/accept",
        json.dumps({"public_note": "已受理"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 200


def test_a_user_without_organisation_is_403_on_data(world):
    _key, secret = api_key_create(name="x", user=world.stranger)

    response = Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert ApiKey.objects.get().last_used_at is not None


def test_a_wrong_method_or_path_gets_the_same_error_body(world, api_as):
    api = api_as("regulator")

    wrong_method = api.post("/api/v1/facilities")
    wrong_path = api.get("/api/v1/facilites")

    assert wrong_method.status_code == 405 and "GET" in wrong_method["Allow"]
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert wrong_path.status_code == 404 and wrong_path.json()["code"] == "not_found"
