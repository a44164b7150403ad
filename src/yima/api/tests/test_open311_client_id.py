"""Open311 POST with yima's `client_id`: a retry answers 201 with the same report; different
ids are different reports; a bad id is a 400 in the spec's error format."""

import uuid

import pytest
from django.test import Client

from yima.api.services import api_key_create
from yima.cases.models import Case

from .open311 import read_json

URL = "/open311/v2/requests"


@pytest.fixture
def open311_key(world):
    return api_key_create(name="WeChat mini-program")[1]


def post(world, key, fmt="json", **data):
    payload = {
        "api_key": key,
        "service_code": "overflow",
        "address_id": world.facility_a.display_code,
        "description": "井盖冒水",
        **data,
    }
    return Client().post(f"{URL}.{fmt}", payload)


def test_a_report_sent_twice_with_one_client_id_is_one_report(world, open311_key):
    client_id = str(uuid.uuid4())
    first = post(world, open311_key, client_id=client_id)
    again = post(world, open311_key, client_id=client_id)

    assert first.status_code == again.status_code == 201
    assert read_json(first) == read_json(again)  # same number, same promise
    case = Case.objects.get()
    assert read_json(first)[0]["service_request_id"] == case.display_tracking
    assert str(case.client_id) == client_id


def test_reports_with_different_client_ids_are_two_reports(world, open311_key):
    first = post(world, open311_key, client_id=str(uuid.uuid4()))
    second = post(world, open311_key, client_id=str(uuid.uuid4()))
    assert first.status_code == second.status_code == 201
    numbers = {read_json(r)[0]["service_request_id"] for r in (first, second)}
    assert len(numbers) == 2 and Case.objects.count() == 2


def test_without_a_client_id_every_post_is_a_new_report(world, open311_key):
    post(world, open311_key)
    post(world, open311_key)
    assert Case.objects.count() == 2


def test_a_retry_is_answered_even_when_the_rate_limit_is_reached(world, open311_key, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 1
    client_id = str(uuid.uuid4())
    first = post(world, open311_key, client_id=client_id)
    assert post(world, open311_key, client_id=str(uuid.uuid4())).status_code == 429
    again = post(world, open311_key, client_id=client_id)
    assert again.status_code == 201
    assert read_json(again) == read_json(first)
    assert Case.objects.count() == 1


def test_a_client_id_that_is_not_a_uuid_is_refused(world, open311_key):
    response = post(world, open311_key, client_id="retry-1")
    assert response.status_code == 400
    body = read_json(response)
    assert body[0]["code"] == 400 and "client_id" in body[0]["description"]
    assert Case.objects.count() == 0


def test_a_client_id_reused_for_another_facility_is_refused(world, open311_key):
    client_id = str(uuid.uuid4())
    assert post(world, open311_key, client_id=client_id).status_code == 201
    other = post(world, open311_key, client_id=client_id, address_id=world.facility_b.code)
    assert other.status_code == 400
    assert read_json(other)[0]["description"].startswith("client_id: ")
    assert Case.objects.count() == 1


def test_the_xml_format_answers_a_retry_the_same_way(world, open311_key):
    client_id = str(uuid.uuid4())
    first = post(world, open311_key, fmt="xml", client_id=client_id)
    again = post(world, open311_key, fmt="xml", client_id=client_id)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert Case.objects.count() == 1
