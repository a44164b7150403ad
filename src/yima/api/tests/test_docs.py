"""The OpenAPI document and the interactive docs, which must work without internet access."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from yima.conftest import screenshot


def test_the_openapi_document_describes_every_endpoint_and_both_credentials(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["version"] == "1"
    paths = set(document["paths"])
    for path in (
        "/api/v1/me",
        "/api/v1/facilities",
        "/api/v1/facilities/{code}",
        "/api/v1/inspections",
        "/api/v1/inspections/{inspection_id}",
        "/api/v1/samples",
        "/api/v1/samples/{sample_id}",
        "/api/v1/work-orders",
        "/api/v1/work-orders/{work_order_id}",
        "/api/v1/cases",
        "/api/v1/cases/{tracking}",
        "/api/v1/cases/{tracking}/actions/{action}",
    ):
        assert path in paths, path
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["ApiKeyAuth"].items()
    assert schemes["SessionAuth"]["in"] == "cookie"
    listed = document["paths"]["/api/v1/facilities"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {
        "q", "county", "town", "status", "process", "contractor", "capacity", "sort",
        "limit", "offset",
    }  # fmt: skip
    assert {"401", "403", "404", "422"} <= set(listed["responses"])


def test_the_docs_page_loads_everything_from_this_server(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", html)
    assert external == []
    for asset in re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html):
        assert finders.find(asset), asset


@pytest.mark.browser
def test_the_docs_work_offline_and_try_a_call_with_the_session(page_for):
    page, base = page_for("county_regulator")
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(base + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "yima API" in page.inner_text(".swagger-ui .info .title")

    page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/me$")).click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert "county_regulator" in page.inner_text(".live-responses-table")
    screenshot(page, "api-docs-offline")
    assert outside == []
