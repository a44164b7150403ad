"""Open311 GeoReport v2, reading: discovery, services, service definitions, requests. Each
answer is checked field by field against the spec, in JSON and in XML."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from freezegun import freeze_time

from yima.cases.services import case_close, case_hide, case_resolve

from . import factories
from .open311 import (
    REQUEST_FIELDS,
    SERVICE_FIELDS,
    element_dict,
    read_json,
    read_xml,
    xml_errors,
    xml_items,
)

V2 = "/open311/v2"
W3_WITH_ZONE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$"


@pytest.fixture
def anonymous(db):
    return Client()


# --- Discovery ---


def test_discovery_lists_the_georeport_v2_endpoint_in_both_formats(world, anonymous):
    as_json = read_json(anonymous.get("/open311/discovery.json"))
    root = read_xml(anonymous.get("/open311/discovery.xml"), "discovery")

    assert list(as_json) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = as_json["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] in ("production", "test")
    assert "12369" in as_json["contact"]

    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    xml_endpoint = root.find("endpoints/endpoint")
    assert xml_endpoint.findtext("specification") == endpoint["specification"]
    assert xml_endpoint.findtext("url") == endpoint["url"]
    assert [f.text for f in xml_endpoint.findall("formats/format")] == endpoint["formats"]


# --- Services ---


def test_services_list_the_problem_types_in_both_formats(world, anonymous):
    as_json = read_json(anonymous.get(f"{V2}/services.json"))
    as_xml = xml_items(anonymous.get(f"{V2}/services.xml"), "services", "service")

    codes = ["overflow", "odour", "not_running", "noise", "damaged", "other"]
    assert [s["service_code"] for s in as_json] == codes
    overflow = as_json[0]
    assert list(overflow) == SERVICE_FIELDS
    assert overflow["service_name"] == "污水溢流"
    assert overflow["metadata"] is False and overflow["type"] == "realtime"
    assert "Sewage overflow" in overflow["keywords"]
    assert "2" in overflow["description"] and "15" in overflow["description"]

    assert [s["service_code"] for s in as_xml] == codes
    assert list(as_xml[0]) == SERVICE_FIELDS
    assert as_xml[0]["metadata"] == "false"
    assert as_xml[0]["service_name"] == overflow["service_name"]
    assert as_xml[0]["description"] == overflow["description"]


def test_services_speak_english_when_asked(world, anonymous):
    services = read_json(anonymous.get(f"{V2}/services.json", headers={"Accept-Language": "en"}))

    assert services[0]["service_name"] == "Sewage overflow"


def test_an_inactive_type_is_not_offered(world, anonymous):
    from yima.cases.models import CaseType

    CaseType.objects.filter(code="noise").update(is_active=False)

    codes = [s["service_code"] for s in read_json(anonymous.get(f"{V2}/services.json"))]

    assert "noise" not in codes
    assert anonymous.get(f"{V2}/services/noise.json").status_code == 404


def test_a_service_definition_has_its_code_and_no_attributes(world, anonymous):
    as_json = read_json(anonymous.get(f"{V2}/services/odour.json"))
    root = read_xml(anonymous.get(f"{V2}/services/odour.xml"), "service_definition")

    assert as_json == {"service_code": "odour", "attributes": []}
    assert [child.tag for child in root] == ["service_code", "attributes"]
    assert root.findtext("service_code") == "odour" and list(root.find("attributes")) == []


def test_an_unknown_service_is_404_with_the_error_list_in_both_formats(world, anonymous):
    as_json = anonymous.get(f"{V2}/services/potholes.json")
    as_xml = anonymous.get(f"{V2}/services/potholes.xml")

    assert as_json.status_code == 404 and as_xml.status_code == 404
    errors = read_json(as_json)
    assert len(errors) == 1 and errors[0]["code"] == 404 and "potholes" in errors[0]["description"]
    assert xml_errors(as_xml) == [{"code": "404", "description": errors[0]["description"]}]


def test_an_unknown_format_is_404(world, anonymous):
    response = anonymous.get(f"{V2}/services.html")

    assert response.status_code == 404
    assert read_json(response)[0]["code"] == 404


# --- Requests ---


def _check_request_fields(item: dict, case, *, xml: bool) -> None:
    """One request against the spec's field list and what the case holds."""
    assert list(item) == REQUEST_FIELDS
    empty = None
    facility = case.facility
    assert item["service_request_id"] == case.display_tracking
    assert item["service_code"] == case.case_type.code
    assert item["service_name"] == case.case_type.name
    assert item["description"] == case.description
    assert item["agency_responsible"] == "南昌县生态环境分局"
    assert case.display_tracking in item["service_notice"]
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert item[field] is not None
        assert re.match(W3_WITH_ZONE, item[field]), item[field]
    assert parse_datetime(item["requested_datetime"]) == case.submitted_at.replace(microsecond=0)
    assert parse_datetime(item["expected_datetime"]) == case.resolve_due_at.replace(microsecond=0)
    assert item["address"] == "罗家村污水处理站, 罗家村, 莲塘镇, 南昌县"
    assert item["address_id"] == facility.code
    assert item["zipcode"] is empty and item["media_url"] is empty
    if xml:
        assert float(item["lat"]) == float(facility.latitude)
        assert float(item["long"]) == float(facility.longitude)
    else:
        assert item["lat"] == float(facility.latitude)
        assert item["long"] == float(facility.longitude)


def test_a_request_reads_field_by_field_in_json_and_xml(world, anonymous):
    case = factories.assigned_report(world)

    as_json = read_json(anonymous.get(f"{V2}/requests/{case.display_tracking}.json"))
    as_xml = xml_items(
        anonymous.get(f"{V2}/requests/{case.display_tracking}.xml"), "service_requests", "request"
    )

    assert len(as_json) == 1 and len(as_xml) == 1
    _check_request_fields(as_json[0], case, xml=False)
    _check_request_fields(as_xml[0], case, xml=True)
    assert as_json[0]["status"] == "open" == as_xml[0]["status"]
    assert as_json[0]["status_notes"] == as_xml[0]["status_notes"] == "正在处理"


def test_a_request_opens_by_compact_or_lower_case_number(world, anonymous):
    case = factories.report(world)

    for typed in (case.tracking, case.tracking.lower()):
        response = anonymous.get(f"{V2}/requests/{typed}.json")
        assert read_json(response)[0]["service_request_id"] == case.display_tracking


def test_handled_and_closed_reports_are_closed_with_the_public_note(world, anonymous):
    case = factories.assigned_report(world)
    case_resolve(case=case, actor=world.operator, public_note="已疏通管道。")

    handled = read_json(anonymous.get(f"{V2}/requests/{case.tracking}.json"))[0]
    case_close(case=case, actor=world.county_regulator, fixed=False, public_note="需改造管网。")
    closed = read_json(anonymous.get(f"{V2}/requests/{case.tracking}.json"))[0]

    assert handled["status"] == "closed"
    assert "已疏通管道。" in handled["status_notes"]
    assert closed["status"] == "closed"
    assert "需改造管网。" in closed["status_notes"] and "没有解决" in closed["status_notes"]
    assert closed["updated_datetime"] >= handled["updated_datetime"]


def test_requests_never_show_the_phone_or_staff_names(world, anonymous):
    case = factories.assigned_report(
        world, description="有事打 13987654321 找我。", phone="13812345678"
    )
    case_resolve(
        case=case,
        actor=world.operator,
        public_note="已处理，电话 13700001234",
        internal_note="内部",
    )
    world.operator.first_name, world.operator.last_name = "小明", "王"
    world.operator.save()

    for fmt in ("json", "xml"):
        for url in (f"{V2}/requests.{fmt}", f"{V2}/requests/{case.tracking}.{fmt}"):
            text = anonymous.get(url).content.decode()
            assert case.display_tracking in text
            for secret in ("13812345678", "13987654321", "13700001234", "operator", "王小明"):
                assert secret not in text, (url, secret)
            assert "内部" not in text
            assert "139****4321" in text


def test_a_hidden_report_does_not_exist_for_open311(world, anonymous):
    case = case_hide(case=factories.report(world), actor=world.county_regulator, reason="辱骂")

    assert anonymous.get(f"{V2}/requests/{case.tracking}.json").status_code == 404
    assert read_json(anonymous.get(f"{V2}/requests.json")) == []


def test_an_unknown_request_is_404_in_both_formats(world, anonymous):
    as_json = anonymous.get(f"{V2}/requests/ABCD-EFGH.json")
    as_xml = anonymous.get(f"{V2}/requests/not-a-number.xml")

    assert as_json.status_code == 404 and read_json(as_json)[0]["code"] == 404
    assert as_xml.status_code == 404 and xml_errors(as_xml)[0]["code"] == "404"


def test_requests_list_in_both_formats_newest_first(world, anonymous):
    older = factories.report(world)
    newer = factories.report(world, code="odour", facility=world.facility_b)

    as_json = read_json(anonymous.get(f"{V2}/requests.json"))
    as_xml = xml_items(anonymous.get(f"{V2}/requests.xml"), "service_requests", "request")

    ids = [newer.display_tracking, older.display_tracking]
    assert [r["service_request_id"] for r in as_json] == ids
    assert [r["service_request_id"] for r in as_xml] == ids
    assert as_json[0]["agency_responsible"] == "南昌市生态环境局"
    for item in as_xml:
        assert list(item) == REQUEST_FIELDS


def test_requests_filter_by_ids_code_and_status(world, anonymous):
    a = factories.report(world)
    b = factories.report(world, code="odour")
    c = factories.assigned_report(world, code="noise")
    case_resolve(case=c, actor=world.operator, public_note="已处理")

    def ids(**params):
        response = anonymous.get(f"{V2}/requests.json", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in read_json(response)}

    listed = f"{a.display_tracking},{c.tracking.lower()},ZZZZ-ZZZZ"
    assert ids(service_request_id=listed) == {a.display_tracking, c.display_tracking}
    # service_request_id overrides the other arguments.
    assert ids(service_request_id=a.tracking, status="closed") == {a.display_tracking}
    assert ids(service_code="odour,noise") == {b.display_tracking, c.display_tracking}
    assert ids(status="closed") == {c.display_tracking}
    assert ids(status="open") == {a.display_tracking, b.display_tracking}
    assert ids(status="open,closed") == {x.display_tracking for x in (a, b, c)}


def test_requests_default_to_the_last_90_days_and_filter_by_dates(world, anonymous):
    now = timezone.now()
    with freeze_time(now - timedelta(days=100)):
        old = factories.report(world)
    with freeze_time(now - timedelta(days=10)):
        recent = factories.report(world)

    def ids(**params):
        response = anonymous.get(f"{V2}/requests.json", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in read_json(response)}

    assert ids() == {recent.display_tracking}
    start = (now - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert ids(start_date=start, end_date=end) == {old.display_tracking}
    assert ids(start_date=start) == {old.display_tracking}  # start + 90 days
    assert ids(end_date=(now - timedelta(days=5)).date().isoformat()) == {recent.display_tracking}


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
        {"start_date": "2025-06-01T00:00:00Z", "end_date": "2025-05-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"end_date": "2025-13-40"},
        {"status": "pending"},
    ],
)
def test_bad_searches_are_400_with_the_error_list(world, anonymous, params):
    as_json = anonymous.get(f"{V2}/requests.json", params)
    as_xml = anonymous.get(f"{V2}/requests.xml", params)

    assert as_json.status_code == 400 and as_xml.status_code == 400
    assert read_json(as_json)[0]["code"] == 400
    assert xml_errors(as_xml)[0]["code"] == "400"


def test_the_list_costs_a_fixed_number_of_queries(world, anonymous, django_assert_num_queries):
    for _ in range(5):
        factories.assigned_report(world)

    with django_assert_num_queries(2):  # bureaus, requests
        response = anonymous.get(f"{V2}/requests.xml")
    assert len(read_xml(response, "service_requests")) == 5


def test_requests_are_utf8_text_not_escapes(world, anonymous):
    factories.report(world)

    body = anonymous.get(f"{V2}/requests.json").content

    assert "污水溢流".encode() in body


def test_an_element_without_a_value_is_empty_in_xml(world, anonymous):
    case = factories.report(world)
    root = read_xml(anonymous.get(f"{V2}/requests/{case.tracking}.xml"), "service_requests")

    fields = element_dict(root.find("request"))
    assert fields["zipcode"] is None and fields["media_url"] is None


def test_odd_characters_in_codes_find_nothing_rather_than_failing(world, anonymous):
    factories.report(world)

    assert anonymous.get(f"{V2}/services/%00.json").status_code == 404
    assert read_json(anonymous.get(f"{V2}/requests.json", {"service_code": "\x00"})) == []
