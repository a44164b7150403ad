"""Helpers for Open311 tests: read an answer in either format into Python values, checking the
envelope the spec requires on the way (content type, UTF-8, the XML declaration and root)."""

import json
import xml.etree.ElementTree as ET

# GeoReport v2, "GET Service Requests" response: the fields of a request, in the spec's order.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]


def read_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def read_xml(response, root_tag: str) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == root_tag
    assert root.attrib == {}  # no namespace, no foreign attributes
    return root


def element_dict(element: ET.Element) -> dict:
    """Child tag -> text ('' and None both mean empty) for a flat element."""
    return {child.tag: child.text for child in element}


def xml_items(response, root_tag: str, item_tag: str) -> list[dict]:
    root = read_xml(response, root_tag)
    assert all(child.tag == item_tag for child in root)
    return [element_dict(child) for child in root]


def xml_errors(response) -> list[dict]:
    return xml_items(response, "errors", "error")
