"""/api/v1/facilities: who sees which facility, the ledger's filters, pages, codes."""

from decimal import Decimal

import pytest

from yima.core.testing import facility_fields
from yima.facilities.services import facility_change_status, facility_register

LIST = "/api/v1/facilities"

# Who sees which of the world's two facilities (a: 南昌县, contractor A; b: 进贤县, contractor B).
SEES = {
    "regulator": {"a", "b"},
    "county_regulator": {"a"},
    "operator": {"a"},
    "other_operator": {"b"},
}


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["items"]]


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_lists_exactly_the_facilities_in_its_scope(world, api_as, persona):
    response = api_as(persona).get(LIST)

    assert response.status_code == 200
    expected = {getattr(world, f"facility_{x}").code for x in SEES[persona]}
    assert set(codes(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("persona", sorted(SEES))
@pytest.mark.parametrize("which", ["a", "b"])
def test_each_persona_opens_a_facility_in_scope_and_gets_404_outside(world, api_as, persona, which):
    facility = getattr(world, f"facility_{which}")

    response = api_as(persona).get(f"{LIST}/{facility.display_code}")

    if which in SEES[persona]:
        assert response.status_code == 200
        assert response.json()["code"] == facility.code
    else:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["", "/360121-2019-0001-8"])
def test_the_public_gets_401_and_a_stranger_403(world, api_as, path):
    assert api_as("public").get(LIST + path).status_code == 401
    assert api_as("stranger").get(LIST + path).status_code == 403


def test_a_facility_opens_by_grouped_compact_or_lower_case_code(world, api_as):
    api = api_as("regulator")
    code = world.facility_a.code

    for typed in (world.facility_a.display_code, code, code.lower(), code[:6] + " " + code[6:]):
        assert api.get(f"{LIST}/{typed}").json()["code"] == code


def test_a_mistyped_code_is_404_saying_why(world, api_as):
    wrong_check = world.facility_a.code[:14] + ("0" if world.facility_a.code[14] != "0" else "1")

    api = api_as("regulator")

    response = api.client.get(
        f"{LIST}/{wrong_check}", headers={**api.headers, "Accept-Language": "en"}
    )

    assert response.status_code == 404
    assert "check character" in response.json()["message"]


def test_the_detail_carries_the_ledger_fields_and_what_the_user_may_do(world, api_as):
    facility = world.facility_a

    regulator = api_as("county_regulator").get(f"{LIST}/{facility.code}").json()
    operator = api_as("operator").get(f"{LIST}/{facility.code}").json()

    assert regulator["display_code"] == facility.display_code
    assert regulator["county"] == {"code": "360121000000", "name": "南昌县"}
    assert regulator["town"]["name"] == "莲塘镇"
    assert regulator["village"]["name"] == "罗家村"
    assert regulator["latitude"] == pytest.approx(28.546)
    assert regulator["capacity_m3d"] == 30.0
    assert regulator["contractor"]["name"] == "江西清源环保运维有限公司"
    assert regulator["status"] == "in_service"
    assert regulator["operating_state"]["state"] == "unknown"
    assert regulator["scan_url"].endswith(f"/f/{facility.code}/")
    assert regulator["can_edit"] is True
    assert operator["can_edit"] is False


@pytest.fixture
def more_facilities(world):
    """Three more in 南昌县: a big MBR in 向塘镇 for contractor B, a small suspended wetland."""
    big = facility_register(
        actor=world.admin,
        **facility_fields(
            world.nanchang_county,
            world.xiangtang,
            world.village_b,
            name="新塘村大型站",
            capacity_m3d=Decimal("150"),
            process="mbr",
            contractor=world.contractor_b,
        ),
    )
    small = facility_register(
        actor=world.admin,
        **facility_fields(
            world.nanchang_county,
            world.liantang,
            None,
            name="莲塘小型湿地",
            capacity_m3d=Decimal("8"),
            process="wetland",
        ),
    )
    facility_change_status(facility=small, actor=world.admin, to_status="suspended", reason="检修")
    return big, small


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "大型"}, ["big"]),
        ({"q": "莲塘"}, ["a", "small"]),
        ({"county": "360121"}, ["a", "big", "small"]),
        ({"county": "360124000000"}, ["b"]),
        ({"town": "360121101"}, ["big"]),
        ({"status": "suspended"}, ["small"]),
        ({"process": "mbr"}, ["big"]),
        ({"capacity": "large"}, ["big"]),
        ({"capacity": "small"}, ["small"]),
        ({"capacity": "medium", "county": "360121"}, ["a"]),
    ],
)
def test_the_ledger_filters_work_through_the_api(world, api_as, more_facilities, params, expected):
    big, small = more_facilities
    names = {"a": world.facility_a, "b": world.facility_b, "big": big, "small": small}

    response = api_as("regulator").get(LIST, **params)

    assert response.status_code == 200
    assert sorted(codes(response)) == sorted(names[x].code for x in expected)


def test_filter_by_contractor_and_by_code_fragment(world, api_as, more_facilities):
    big, _small = more_facilities
    api = api_as("regulator")

    by_contractor = codes(api.get(LIST, contractor=world.contractor_b.pk))
    by_code = codes(api.get(LIST, q=world.facility_b.display_code.lower()))

    assert sorted(by_contractor) == sorted([world.facility_b.code, big.code])
    assert by_code == [world.facility_b.code]


def test_a_county_outside_the_scope_matches_nothing_instead_of_everything(world, api_as):
    response = api_as("county_regulator").get(LIST, county="360124")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_sorting_by_capacity_largest_first(world, api_as, more_facilities):
    big, small = more_facilities

    response = api_as("regulator").get(LIST, sort="-capacity")

    assert codes(response)[0] == big.code and codes(response)[-1] == small.code


@pytest.mark.parametrize(
    "params",
    [{"status": "broken"}, {"sort": "colour"}, {"county": "36"}, {"limit": 0}, {"limit": 501}],
)
def test_invalid_filter_values_are_422_naming_the_field(world, api_as, params):
    response = api_as("regulator").get(LIST, **params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"][0]["field"] == next(iter(params))


def test_pages_walk_the_list_with_next_and_previous(world, api_as, more_facilities):
    api = api_as("regulator")

    first = api.get(LIST, limit=3).json()
    second = api.client.get(first["next"], headers=api.headers).json()

    assert first["count"] == 4 and len(first["items"]) == 3 and first["previous"] is None
    assert "offset=3" in first["next"] and "limit=3" in first["next"]
    assert len(second["items"]) == 1 and second["next"] is None
    assert "offset=0" in second["previous"]
    all_codes = [i["code"] for i in first["items"] + second["items"]]
    assert len(set(all_codes)) == 4


def test_the_list_costs_the_same_queries_however_many_facilities(
    world, api_as, more_facilities, django_assert_num_queries
):
    api = api_as("regulator")
    api.get(LIST)  # warm: the key's last-use write happens once a minute

    with django_assert_num_queries(4):  # key, scope, count, page
        response = api.get(LIST)
    assert response.json()["count"] == 4
