"""Open311 responses in both formats from one Python value.

XML follows the spec's examples: a declaration with encoding, a root element, one child per
list item (`<services><service>…`), `true`/`false` for booleans and an empty element for a
missing value. JSON is the Spark-convention mapping of the same: arrays for lists, null for
missing values. Both are UTF-8.
"""

import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")

# The element each list's items get in XML.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


# Characters XML 1.0 cannot carry at all (control characters other than tab and newlines).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        element.text = _text(value)


def to_xml(root_tag: str, value) -> bytes:
    root = ET.Element(root_tag)
    _fill(root, value)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def respond(fmt: str, root_tag: str, value, *, status: int = 200) -> HttpResponse:
    """`value` as JSON or as XML under `root_tag` (e.g. "services")."""
    if fmt == "xml":
        return HttpResponse(
            to_xml(root_tag, value), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        json.dumps(value, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def error(fmt: str, status: int, *descriptions: str, headers: dict | None = None) -> HttpResponse:
    """The spec's error list: `[{"code": 400, "description": "…"}]` / `<errors><error>…`."""
    body = [{"code": status, "description": str(text)} for text in descriptions]
    response = respond(fmt if fmt in FORMATS else "json", "errors", body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
