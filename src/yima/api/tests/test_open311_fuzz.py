"""Open311 is public and form-encoded, outside the OpenAPI document: generated parameters,
odd or hostile, get an answer in the spec's shape and never a server error."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yima.api.services import api_key_create

from . import factories
from .open311 import read_json

text = st.text(max_size=30)
maybe = st.one_of(st.none(), text)
QUERY = ("service_request_id", "service_code", "start_date", "end_date", "status")
FORM = ("service_code", "lat", "long", "address_string", "address_id", "description", "phone")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _params(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def seeded(world):
    factories.assigned_report(world)
    return api_key_create(name="fuzz")[1]


@FUZZ
@given(st.fixed_dictionaries(dict.fromkeys(QUERY, maybe)), st.sampled_from(["json", "xml"]))
def test_searching_with_any_parameters_never_fails(seeded, params, fmt):
    response = Client().get(f"/open311/v2/requests.{fmt}", _params(params))

    assert response.status_code in (200, 400), response.content
    if fmt == "json":
        read_json(response)


@FUZZ
@given(st.fixed_dictionaries(dict.fromkeys(FORM, maybe)))
def test_filing_with_any_fields_never_fails(seeded, settings, form):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 10_000
    response = Client().post("/open311/v2/requests.json", {"api_key": seeded, **_params(form)})

    assert response.status_code in (201, 400, 404), response.content
    body = read_json(response)
    assert isinstance(body, list) and body


@FUZZ
@given(text.filter(lambda s: "/" not in s), st.sampled_from(["json", "xml"]))
def test_any_service_or_request_id_is_found_or_404(seeded, code, fmt):
    from urllib.parse import quote

    for path in (f"services/{quote(code)}", f"requests/{quote(code)}"):
        response = Client().get(f"/open311/v2/{path}.{fmt}")
        assert response.status_code in (200, 404), (path, response.content)
