"""/ops/f/<code>/sample/ and the sample page, for every persona."""

import json

import pytest

from yima.facilities.services import facility_update
from yima.operations.models import WaterSample
from yima.operations.tests.conftest import login_redirect

pytestmark = pytest.mark.django_db


def _url(world, facility="facility_a"):
    return f"/ops/f/{getattr(world, facility).code}/sample/"


def _post(**values):
    data = {"client_id": "6f1c1f5e-7a0e-4a4e-9d43-3f3b2f9a1c11", "lab": "南昌市环境监测站",
            "sampled_at": "2024-05-06T09:30", "water_temperature_c": "", "notes": ""}  # fmt: skip
    data.update(values)
    return data


def test_sample_page_by_persona(world, client_for):
    expected_a = {
        "operator": 200,
        "county_regulator": 200,
        "regulator": 200,
        "other_operator": 404,
        "stranger": 404,
    }
    for persona, status in expected_a.items():
        assert client_for(persona).get(_url(world)).status_code == status, persona
    assert client_for("county_regulator").get(_url(world, "facility_b")).status_code == 404
    assert client_for("regulator").get(_url(world, "facility_b")).status_code == 200
    assert login_redirect(client_for("public").get(_url(world)))


def test_placeholder_standard_is_announced_on_the_form(world, client_for):
    page = client_for("operator").get(_url(world)).content.decode()
    assert "尚未载入" in page and 'type="datetime-local"' in page


def test_recording_a_sample_shows_its_verdict(world, client_for):
    facility_update(
        facility=world.facility_a, actor=world.admin, reason="t", standard="GB18918-2002"
    )
    client = client_for("county_regulator")
    response = client.post(_url(world), _post(cod="75", nh3n="12", water_temperature_c="10"))
    sample = WaterSample.objects.get()
    assert response["Location"] == f"/ops/samples/{sample.pk}/"
    assert sample.compliance == "non_compliant"  # 1B: COD 60; NH3-N 15 in cold water passes
    page = client.get(response["Location"]).content.decode()
    assert "超标" in page and "≤ 60" in page and "≤ 15" in page


def test_the_same_sample_posted_twice_is_one_record(world, client_for):
    client = client_for("operator")
    data = _post(cod="30")
    assert client.post(_url(world), data, HTTP_ACCEPT="application/json").status_code == 201
    again = client.post(_url(world), data, HTTP_ACCEPT="application/json")
    assert again.status_code == 200 and json.loads(again.content)["created"] is False
    assert WaterSample.objects.count() == 1


def test_a_sample_with_no_values_is_refused(world, client_for):
    response = client_for("operator").post(_url(world), _post())
    assert response.status_code == 200 and "至少" in response.content.decode()
    assert not WaterSample.objects.exists()


def test_other_contractor_cannot_post_a_sample(world, client_for):
    assert client_for("other_operator").post(_url(world), _post(cod="1")).status_code == 404
    assert not WaterSample.objects.exists()


def test_sample_page_by_persona_after_recording(world, client_for):
    client_for("operator").post(_url(world), _post(cod="30"))
    url = f"/ops/samples/{WaterSample.objects.get().pk}/"
    for persona, status in {
        "operator": 200,
        "county_regulator": 200,
        "other_operator": 404,
    }.items():
        assert client_for(persona).get(url).status_code == status, persona
    assert login_redirect(client_for("public").get(url))
