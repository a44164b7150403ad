"""Open311 GeoReport v2, filing a report: POST requests.{json,xml} with an API key."""

from decimal import Decimal

import pytest
from django.test import Client

from yima.api.services import api_key_create, api_key_revoke
from yima.cases.choices import CaseChannel, CaseState
from yima.cases.models import Case, CaseEvent
from yima.cases.tracking import normalize
from yima.facilities.codes import compose, format_code

from .open311 import read_json, xml_errors, xml_items

URL = "/open311/v2/requests"


@pytest.fixture
def open311_key(world):
    """A key for a citizen app: not tied to any account."""
    return api_key_create(name="WeChat mini-program")[1]


def post(fmt="json", **data):
    return Client().post(f"{URL}.{fmt}", data)


def test_a_report_about_a_facility_is_filed_with_its_code(world, open311_key):
    response = post(
        api_key=open311_key,
        service_code="overflow",
        address_id=world.facility_a.display_code,
        description="井盖冒水，味道很大。",
        phone="138 1234 5678",
        first_name="明",
        last_name="王",
        email="wang@example.org",
        media_url="https://example.org/p.jpg",
    )

    assert response.status_code == 201
    body = read_json(response)
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    assert body[0]["account_id"] is None
    case = Case.objects.get(tracking=normalize(body[0]["service_request_id"]))
    assert body[0]["service_request_id"] == case.display_tracking
    assert case.channel == CaseChannel.OPEN311
    assert case.facility == world.facility_a and case.case_type.code == "overflow"
    assert case.state == CaseState.SUBMITTED
    assert case.description == "井盖冒水，味道很大。"
    assert case.reporter_phone == "13812345678"
    assert case.region == world.village_a  # handled by 南昌县's bureau
    assert case.resolve_due_at > case.accept_due_at
    assert case.resolve_due_at.astimezone().strftime("%Y-%m-%d") in body[0]["service_notice"]
    event = CaseEvent.objects.get(case=case)
    assert event.action == "submit" and event.by_reporter and event.actor is None
    # Names and e-mail are not kept.
    assert "王" not in str(Case.objects.filter(pk=case.pk).values().first())
    assert "example.org" not in str(Case.objects.filter(pk=case.pk).values().first())


def test_the_answer_comes_as_xml_too(world, open311_key):
    response = post(
        "xml", api_key=open311_key, service_code="odour", address_id=world.facility_b.code
    )

    assert response.status_code == 201
    items = xml_items(response, "service_requests", "request")
    assert list(items[0]) == ["service_request_id", "service_notice", "account_id"]
    assert Case.objects.get().display_tracking == items[0]["service_request_id"]


def test_the_notice_speaks_chinese_unless_english_is_asked(world, open311_key):
    data = {"api_key": open311_key, "service_code": "odour", "address_id": world.facility_a.code}

    chinese = read_json(Client().post(f"{URL}.json", data))[0]["service_notice"]
    english = read_json(Client().post(f"{URL}.json", data, headers={"Accept-Language": "en"}))

    assert "前受理" in chinese and "前办结" in chinese
    assert english[0]["service_notice"].startswith("Promised: accepted by")


def test_a_filed_report_can_be_followed_at_once(world, open311_key):
    filed = read_json(
        post(api_key=open311_key, service_code="noise", address_id=world.facility_a.code)
    )
    number = filed[0]["service_request_id"]

    followed = read_json(Client().get(f"{URL}/{number}.json"))

    assert followed[0]["service_request_id"] == number and followed[0]["status"] == "open"
    assert followed[0]["description"] == "噪声"  # no description given: the type's name


def test_a_report_by_position_goes_to_the_county_it_lies_in(world, open311_key):
    response = post(
        api_key=open311_key,
        service_code="other",
        lat="28.546",
        long="115.944",
        description="路边管道破裂",
    )

    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.facility is None
    assert case.latitude == Decimal("28.546000") and case.longitude == Decimal("115.944000")
    assert case.region == world.nanchang_county


def test_a_report_by_address_string_keeps_the_place(world, open311_key):
    response = post(
        api_key=open311_key,
        service_code="other",
        address_string="莲塘镇罗家村村口",
        description="排水沟堵塞",
    )

    assert response.status_code == 201
    assert Case.objects.get().subject == "莲塘镇罗家村村口"


def test_a_key_of_a_bureau_account_works_as_the_bearer_header_too(world):
    _key, secret = api_key_create(name="12345 hotline", user=world.regulator)

    response = Client().post(
        f"{URL}.json",
        {"service_code": "overflow", "address_id": world.facility_a.code},
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_without_an_api_key_it_is_403(world, fmt):
    response = post(fmt, service_code="overflow", address_id=world.facility_a.code)

    assert response.status_code == 403
    errors = read_json(response) if fmt == "json" else xml_errors(response)
    assert str(errors[0]["code"]) == "403" and "api_key" in errors[0]["description"]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_with_a_wrong_or_revoked_api_key_it_is_403(world, fmt):
    key, secret = api_key_create(name="old app")
    api_key_revoke(key=key)

    wrong = post(
        fmt, api_key="yima_guess", service_code="overflow", address_id=world.facility_a.code
    )
    revoked = post(fmt, api_key=secret, service_code="overflow", address_id=world.facility_a.code)

    assert wrong.status_code == 403 and revoked.status_code == 403
    assert Case.objects.count() == 0


def test_without_a_service_code_it_is_400(world, open311_key):
    response = post(api_key=open311_key, address_id=world.facility_a.code)

    assert response.status_code == 400
    assert "service_code" in read_json(response)[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404(world, open311_key, fmt):
    response = post(
        fmt, api_key=open311_key, service_code="potholes", address_id=world.facility_a.code
    )

    assert response.status_code == 404
    errors = read_json(response) if fmt == "json" else xml_errors(response)
    assert str(errors[0]["code"]) == "404"


@pytest.mark.parametrize(
    ("data", "mentions"),
    [
        ({}, "location"),
        ({"lat": "28.5"}, "long"),
        ({"lat": "north", "long": "115.9"}, "lat"),
        ({"lat": "NaN", "long": "115.9"}, "lat"),
        ({"lat": "91", "long": "115.9"}, "lat"),
        ({"address_id": "360121-2019-0001-0"}, "address_id"),
        ({"address_id": format_code(compose("360121", 2019, 999))}, "no facility"),
        ({"address_string": "村" * 201}, "address_string"),
        ({"address_id": "", "phone": "12345", "address_string": "村口"}, "phone"),
    ],
)
def test_bad_locations_and_fields_are_400_naming_the_field(world, open311_key, data, mentions):
    response = Client().post(
        f"{URL}.json",
        {"api_key": open311_key, "service_code": "other", **data},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 400, response.content
    descriptions = " ".join(e["description"] for e in read_json(response))
    assert mentions in descriptions
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_description_over_4000_characters_is_400(world, open311_key, fmt):
    response = post(
        fmt,
        api_key=open311_key,
        service_code="other",
        address_id=world.facility_a.code,
        description="水" * 4001,
    )

    assert response.status_code == 400
    errors = read_json(response) if fmt == "json" else xml_errors(response)
    assert "4000" in errors[0]["description"]
    assert Case.objects.count() == 0


def test_exactly_4000_characters_are_accepted(world, open311_key):
    response = post(
        api_key=open311_key,
        service_code="other",
        address_id=world.facility_a.code,
        description="水" * 4000,
    )

    assert response.status_code == 201


def test_too_many_reports_from_one_client_are_429_with_retry_after(world, open311_key, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 2
    data = {"api_key": open311_key, "service_code": "other", "address_string": "村口"}

    statuses = [Client().post(f"{URL}.json", data).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    last = Client().post(f"{URL}.json", data)
    assert int(last["Retry-After"]) > 0
    assert read_json(last)[0]["code"] == 429


def test_a_bureau_relay_is_not_held_to_the_per_client_limit(world, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 1
    _key, secret = api_key_create(name="12345 hotline", user=world.county_regulator)
    data = {"api_key": secret, "service_code": "other", "address_string": "村口"}

    statuses = [Client().post(f"{URL}.json", data).status_code for _ in range(3)]

    assert statuses == [201, 201, 201]


def test_other_methods_are_405(world):
    response = Client().put(f"{URL}.json")

    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert Client().post("/open311/v2/services.json").status_code == 405


def test_control_characters_are_dropped_from_typed_text(world, open311_key):
    response = post(
        api_key=open311_key,
        service_code="other",
        address_string="村口\x00\x0b",
        description="管道\x00破裂\x1f，\n请尽快处理",
    )

    assert response.status_code == 201
    case = Case.objects.get()
    assert case.description == "管道破裂，\n请尽快处理" and case.subject == "村口"


def test_behind_a_proxy_the_limit_counts_each_client_not_the_proxy(world, open311_key, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 1
    settings.YIMA_CLIENT_IP_HEADER = "X-Real-IP"
    data = {"api_key": open311_key, "service_code": "other", "address_string": "村口"}

    def from_(ip):
        return Client(REMOTE_ADDR="10.0.0.1").post(f"{URL}.json", data, headers={"X-Real-IP": ip})

    assert [from_("1.2.3.4").status_code, from_("5.6.7.8").status_code] == [201, 201]
    assert from_("1.2.3.4").status_code == 429
