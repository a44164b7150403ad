"""The ledger list (/ledger/): who may open it, search, filters, sorting, pages, query count."""

from decimal import Decimal

import pytest
from django.urls import reverse

from yima.core.testing import facility_fields
from yima.facilities.choices import Status
from yima.facilities.services import facility_register

pytestmark = pytest.mark.django_db

URL = "/ledger/"


def codes_on(response) -> list[str]:
    return [f.code for f in response.context["facilities"]]


def add_facility(world, *, town=None, village=None, **kw):
    town = town or world.xiangtang
    return facility_register(
        actor=world.admin, **facility_fields(world.nanchang_county, town, village, **kw)
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("regulator", 200),
        ("county_regulator", 200),
        ("operator", 200),
        ("other_operator", 200),
        ("stranger", 403),
    ],
)
def test_list_opens_for_staff_and_refuses_a_user_without_organisation(client_for, persona, status):
    assert client_for(persona).get(URL).status_code == status


def test_anonymous_visitor_is_sent_to_login(client_for):
    response = client_for("public").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("regulator", True, True),
        ("county_regulator", True, False),
        ("operator", True, False),
        ("other_operator", False, True),
    ],
)
def test_list_shows_only_facilities_in_scope(world, client_for, persona, sees_a, sees_b):
    body = client_for(persona).get(URL).content.decode()
    assert (world.facility_a.display_code in body) is sees_a
    assert (world.facility_b.display_code in body) is sees_b


def test_code_is_shown_grouped_and_demo_village_is_marked(world, client_for):
    body = client_for("county_regulator").get(URL).content.decode()
    assert f'<td class="code"><a href="/ledger/{world.facility_a.code}/">' in body
    assert world.facility_a.display_code in body
    assert '罗家村<span class="demo-mark">（演示）</span>' in body


def test_result_count_is_shown(world, client_for):
    add_facility(world)
    assert "共 2 个设施" in client_for("county_regulator").get(URL).content.decode()


@pytest.mark.parametrize("typed", ["{grouped}", "{compact_lower}", "{serial}"])
def test_search_finds_a_facility_by_code_as_typed(world, client_for, typed):
    other = add_facility(world, year_built=2021)
    code = world.facility_a.code
    q = typed.format(
        grouped=world.facility_a.display_code,
        compact_lower=code.lower(),
        serial=world.facility_a.display_code[7:16],
    )
    response = client_for("regulator").get(URL, {"q": q})
    assert world.facility_a.code in codes_on(response)
    assert other.code not in codes_on(response)


def test_search_finds_by_village_and_by_name(world, client_for):
    client = client_for("regulator")
    assert codes_on(client.get(URL, {"q": "李渡"})) == [world.facility_b.code]
    named = add_facility(world, name="向塘集镇一体化站")
    assert codes_on(client.get(URL, {"q": "集镇"})) == [named.code]


def test_filter_by_town_shows_only_that_towns_facilities(world, client_for):
    in_xiangtang = add_facility(world, town=world.xiangtang, village=world.village_b)
    response = client_for("county_regulator").get(URL, {"town": world.xiangtang.code})
    assert codes_on(response) == [in_xiangtang.code]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"county": "360124000000"}, ["b"]),
        ({"status": Status.SUSPENDED}, ["new"]),
        ({"process": "mbr"}, ["new"]),
        ({"capacity": "large"}, ["new"]),
        ({"capacity": "medium"}, ["a", "b"]),
    ],
)
def test_filters_narrow_the_list(world, client_for, params, expected):
    new = add_facility(world, process="mbr", capacity_m3d=Decimal("150"), status=Status.SUSPENDED)
    by_name = {"a": world.facility_a.code, "b": world.facility_b.code, "new": new.code}
    response = client_for("regulator").get(URL, params)
    assert sorted(codes_on(response)) == sorted(by_name[k] for k in expected)


def test_filter_by_contractor(world, client_for):
    response = client_for("regulator").get(URL, {"contractor": world.contractor_b.pk})
    assert codes_on(response) == [world.facility_b.code]


def test_filter_dropdowns_only_offer_what_is_in_scope(world, client_for):
    body = client_for("county_regulator").get(URL).content.decode()
    assert world.nanchang_county.name in body
    assert world.jinxian.name not in body
    assert world.contractor_b.name not in body


def test_town_filter_left_over_from_another_county_is_ignored(world, client_for):
    response = client_for("regulator").get(
        URL, {"county": world.jinxian.code, "town": world.liantang.code}
    )
    assert codes_on(response) == [world.facility_b.code]


def test_sorting_by_clicking_a_column_header(world, client_for):
    big = add_facility(world, capacity_m3d=Decimal("500"))
    small = add_facility(world, capacity_m3d=Decimal("5"))
    client = client_for("county_regulator")
    ascending = client.get(URL, {"sort": "capacity"})
    assert codes_on(ascending)[0] == small.code
    header = next(c for c in ascending.context["columns"] if c["key"] == "capacity")
    assert header["direction"] == "asc"
    assert "sort=-capacity" in header["query"]
    descending = client.get(URL + "?" + header["query"])
    assert codes_on(descending)[0] == big.code


def test_pages_keep_the_filters(world, client_for, settings):
    settings.YIMA_PAGE_SIZE = 5
    for _ in range(7):
        add_facility(world, status=Status.SUSPENDED)
    client = client_for("county_regulator")
    first = client.get(URL, {"status": Status.SUSPENDED, "sort": "-code"})
    assert len(codes_on(first)) == 5
    body = first.content.decode()
    assert 'href="?status=suspended&amp;sort=-code&amp;page=2"' in body
    second = client.get(URL, {"status": Status.SUSPENDED, "sort": "-code", "page": 2})
    assert len(codes_on(second)) == 2
    assert world.facility_a.code not in codes_on(second)


def test_out_of_range_page_shows_the_last_page(world, client_for):
    response = client_for("county_regulator").get(URL, {"page": 99})
    assert codes_on(response) == [world.facility_a.code]


# Session, user, scope, count, rows, and the filter dropdowns: none of them per row.
LIST_QUERIES = 8


@pytest.mark.parametrize("rows", [5, 50])
def test_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_max_num_queries, rows
):
    for i in range(rows - 1):
        add_facility(world, village=[world.village_b, None][i % 2], contractor=world.contractor_a)
    client = client_for("county_regulator")
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(URL)
    assert len(codes_on(response)) == rows


def test_register_and_import_buttons_only_for_regulators(client_for):
    regulator = client_for("county_regulator").get(URL)
    operator = client_for("operator").get(URL)
    assert reverse("facilities:create") in regulator.content.decode()
    assert reverse("facilities:create") not in operator.content.decode()
    assert operator.context["import_url"] is None


def test_excel_download_link_carries_the_filters(world, client_for):
    response = client_for("county_regulator").get(URL, {"town": world.liantang.code})
    export_url = response.context["export_url"]
    if export_url is None:
        pytest.skip("the Excel export page is not there yet")
    assert f'href="{export_url}?town={world.liantang.code}"' in response.content.decode()


def test_town_options_follow_the_chosen_county(world, client_for):
    url = reverse("facilities:filter_towns")
    body = client_for("regulator").get(url, {"county": world.jinxian.code}).content.decode()
    assert world.jinxian_town.code in body
    assert world.liantang.code not in body


def test_town_options_need_a_staff_login(client_for):
    url = reverse("facilities:filter_towns")
    assert client_for("public").get(url).status_code == 302
    assert client_for("stranger").get(url).status_code == 403


def test_list_is_in_chinese_by_default(client_for):
    body = client_for("county_regulator").get(URL).content.decode()
    assert "设施台账" in body
    assert 'lang="zh-hans"' in body


def test_list_is_in_english_when_the_browser_asks_for_it(client_for):
    body = client_for("county_regulator").get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Facility ledger" in body
    assert "设施台账" not in body


def test_language_cookie_switches_to_english(client_for, settings):
    client = client_for("county_regulator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Facility ledger" in client.get(URL).content.decode()
