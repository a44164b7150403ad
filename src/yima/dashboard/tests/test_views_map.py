"""The dashboard map's data: facilities with their state (points.json) and the outlines of the
counties in the user's scope (counties.geojson), for the small city of test_views_home."""

import json
import re

import pytest

from yima.dashboard.tests.test_views_home import get, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    with small_city() as data:
        yield data


def points(city, persona, **params) -> dict:
    response = get(city, persona, "/dashboard/map/points.json", **params)
    assert response.status_code == 200
    return {p["code"]: p for p in json.loads(response.content)["points"]}


def test_points_carry_state_position_and_a_link(city):
    w = city.world
    found = points(city, "regulator")
    assert set(found) == {w.facility_a.code, w.facility_b.code, city.facility_c.code}
    a = found[w.facility_a.code]
    assert a["state"] == "normal"  # inspected 23 March, next due 6 April
    assert a["url"] == f"/ledger/{w.facility_a.code}/"
    assert (a["lat"], a["lon"]) == (28.546, 115.944)
    assert found[w.facility_b.code]["state"] == "abnormal"
    assert found[city.facility_c.code]["state"] == "overdue"  # never inspected, due 15 March


def test_points_stay_in_scope(city):
    w = city.world
    assert set(points(city, "county_regulator")) == {w.facility_a.code, city.facility_c.code}
    assert set(points(city, "other_operator")) == {w.facility_b.code}
    assert set(points(city, "regulator", region="360121100000")) == {w.facility_a.code}
    assert (
        get(
            city, "county_regulator", "/dashboard/map/points.json", region="360124000000"
        ).status_code
        == 404
    )


def counties(city, persona, **params) -> dict:
    response = get(city, persona, "/dashboard/map/counties.geojson", **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_counties_of_the_scope_as_geojson(city):
    both = counties(city, "regulator")
    assert both["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in both["features"]} == {"南昌县", "进贤县"}
    geometry = both["features"][0]["geometry"]
    assert geometry["type"] in ("Polygon", "MultiPolygon")
    # WGS-84 degrees around Nanchang, not projected metres or an offset datum.
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"][0][0]
    )
    lon, lat = ring[0]
    assert 115 < lon < 117 and 28 < lat < 29.5
    assert len(json.dumps(both)) < 200_000  # simplified outlines, not the 10 MB source


def test_counties_limited_to_the_users_county(city):
    names = {f["properties"]["name"] for f in counties(city, "county_regulator")["features"]}
    assert names == {"南昌县"}
    names = {f["properties"]["name"] for f in counties(city, "other_operator")["features"]}
    assert names == {"进贤县"}
    one = counties(city, "regulator", region="360124100000")["features"]
    assert [f["properties"]["code"] for f in one] == ["360124"]


def test_map_data_needs_staff(city):
    for url in ("/dashboard/map/points.json", "/dashboard/map/counties.geojson"):
        assert get(city, "public", url).status_code == 302
        assert get(city, "stranger", url).status_code == 403


def test_tile_layer_only_when_configured(city, settings):
    body = get(city, "regulator").content.decode()
    assert '"tiles": ""' in body
    settings.YIMA_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.YIMA_MAP_TILE_ATTRIBUTION = "天地图"
    body = get(city, "regulator").content.decode()
    config = json.loads(re.search(r"id=\"dash-map-config\"[^>]*>(.*?)</script>", body)[1])
    assert config["tiles"] == "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    assert config["attribution"] == "天地图"
