"""Registering a facility (/ledger/new/) and the dependent region dropdowns."""

import pytest
from django.urls import reverse

from yima.facilities.codes import parse_code
from yima.facilities.models import Facility

pytestmark = pytest.mark.django_db

URL = "/ledger/new/"


def form_data(world, **overrides) -> dict:
    data = {
        "name": "向塘镇新塘村污水处理站",
        "county": world.nanchang_county.code,
        "town": world.xiangtang.code,
        "village": world.village_b.code,
        "longitude": "115.970000",
        "latitude": "28.450000",
        "year_built": "2021",
        "capacity_m3d": "25",
        "process": "a2o",
        "households": "80",
        "population": "310",
        "standard": "DB36/1102-2019",
        "grade": "1B",
        "receiving_water": "抚河",
        "contractor": str(world.contractor_a.pk),
        "status": "in_service",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("regulator", 200),
        ("county_regulator", 200),
        ("operator", 403),
        ("other_operator", 403),
        ("stranger", 403),
    ],
)
def test_only_regulators_may_open_the_register_form(client_for, persona, status):
    assert client_for(persona).get(URL).status_code == status


def test_anonymous_visitor_is_sent_to_login(client_for):
    response = client_for("public").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_contractor_cannot_register_by_posting(world, client_for):
    before = Facility.objects.count()
    assert client_for("operator").post(URL, form_data(world)).status_code == 403
    assert Facility.objects.count() == before


def test_county_regulator_registers_a_facility_and_gets_its_code(world, client_for):
    response = client_for("county_regulator").post(URL, form_data(world), follow=True)
    facility = Facility.objects.get(name="向塘镇新塘村污水处理站")
    assert facility.code.startswith("3601212021")
    assert parse_code(facility.code).compact == facility.code
    assert response.redirect_chain[-1][0] == reverse("facilities:detail", args=[facility.code])
    assert facility.display_code in response.content.decode()
    assert "已登记" in response.content.decode()
    assert facility.village == world.village_b
    assert facility.contractor == world.contractor_a


def test_county_regulator_is_offered_only_their_county(world, client_for):
    form = client_for("county_regulator").get(URL).context["form"]
    assert list(form.fields["county"].queryset) == [world.nanchang_county]
    assert form.initial["county"] == world.nanchang_county.code
    assert set(form.fields["town"].queryset) == {world.liantang, world.xiangtang}


def test_county_outside_scope_is_a_form_error_and_nothing_is_written(world, client_for):
    before = Facility.objects.count()
    data = form_data(
        world,
        county=world.jinxian.code,
        town=world.jinxian_town.code,
        village=world.village_c.code,
        longitude="116.240000",
        latitude="28.380000",
    )
    response = client_for("county_regulator").post(URL, data)
    assert response.status_code == 200
    assert "county" in response.context["form"].errors
    assert Facility.objects.count() == before


def test_town_of_another_county_is_rejected(world, client_for):
    data = form_data(world, town=world.jinxian_town.code, village=None)
    response = client_for("regulator").post(URL, data)
    assert "town" in response.context["form"].errors
    assert not Facility.objects.filter(name=data["name"]).exists()


def test_village_of_another_town_is_rejected(world, client_for):
    response = client_for("regulator").post(URL, form_data(world, village=world.village_a.code))
    assert "village" in response.context["form"].errors


def test_coordinates_outside_the_county_are_rejected(world, client_for):
    # 进贤县's coordinates for a facility said to be in 南昌县.
    data = form_data(world, longitude="116.240000", latitude="28.380000")
    response = client_for("regulator").post(URL, data)
    assert "南昌县" in str(response.context["form"].errors["longitude"])


def test_longitude_without_latitude_is_rejected(world, client_for):
    response = client_for("regulator").post(URL, form_data(world, latitude=""))
    assert "latitude" in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("year_built", "1970"), ("capacity_m3d", "0"), ("process", "magic")],
)
def test_invalid_values_are_shown_on_the_form(world, client_for, field, value):
    response = client_for("regulator").post(URL, form_data(world, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "errorlist" in response.content.decode()


def test_refresh_without_javascript_reloads_the_lists_without_saving(world, client_for):
    data = form_data(world, town=world.xiangtang.code, _refresh="1")
    response = client_for("regulator").post(URL, data)
    assert not Facility.objects.filter(name=data["name"]).exists()
    form = response.context["form"]
    assert not form.errors
    assert set(form.fields["village"].queryset) == {world.village_b}


def test_town_options_are_the_counties_towns_in_scope(world, client_for):
    url = reverse("facilities:town_options")
    body = client_for("regulator").get(url, {"county": world.jinxian.code}).content.decode()
    assert world.jinxian_town.code in body
    assert world.liantang.code not in body
    out_of_scope = client_for("county_regulator").get(url, {"county": world.jinxian.code})
    assert world.jinxian_town.code not in out_of_scope.content.decode()


def test_village_options_are_the_towns_villages_marked_as_demo(world, client_for):
    url = reverse("facilities:village_options")
    body = client_for("county_regulator").get(url, {"town": world.liantang.code}).content.decode()
    assert f'<option value="{world.village_a.code}">罗家村（演示）</option>' in body
    assert world.village_b.code not in body


@pytest.mark.parametrize(("persona", "status"), [("public", 302), ("operator", 403)])
def test_region_options_are_for_regulators(client_for, persona, status):
    assert client_for(persona).get(reverse("facilities:town_options")).status_code == status
