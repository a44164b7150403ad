"""A facility's page (/ledger/<code>/): who may see it, code forms, attributes, histories."""

import pytest
from django.urls import reverse
from django.utils import timezone

from yima.facilities.models import Facility
from yima.facilities.services import facility_change_status, facility_update

pytestmark = pytest.mark.django_db


def url(facility) -> str:
    return reverse("facilities:detail", args=[facility.code])


@pytest.mark.parametrize(
    ("persona", "status_a", "status_b"),
    [
        ("regulator", 200, 200),
        ("county_regulator", 200, 404),
        ("operator", 200, 404),
        ("other_operator", 404, 200),
        ("stranger", 404, 404),
    ],
)
def test_facility_page_only_for_those_who_can_see_it(
    world, client_for, persona, status_a, status_b
):
    client = client_for(persona)
    assert client.get(url(world.facility_a)).status_code == status_a
    assert client.get(url(world.facility_b)).status_code == status_b


def test_anonymous_visitor_is_sent_to_login(world, client_for):
    response = client_for("public").get(url(world.facility_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_grouped_code_redirects_to_the_compact_one(world, client_for):
    response = client_for("regulator").get(f"/ledger/{world.facility_b.display_code}/")
    assert response.status_code == 301
    assert response["Location"] == url(world.facility_b)


def test_lower_case_x_redirects_to_the_compact_code(world, client_for):
    Facility.objects.filter(pk=world.facility_a.pk).update(code="36012120190019X")
    response = client_for("regulator").get("/ledger/36012120190019x/")
    assert response.status_code == 301
    assert response["Location"] == "/ledger/36012120190019X/"


@pytest.mark.parametrize("code", ["360121201900019", "12345", "360121-2019-0001-9"])
def test_malformed_or_mistyped_code_is_not_found(client_for, code):
    assert client_for("regulator").get(f"/ledger/{code}/").status_code == 404


def test_page_shows_every_attribute(world, client_for):
    body = client_for("county_regulator").get(url(world.facility_a)).content.decode()
    for text in [
        world.facility_a.display_code,
        "罗家村污水处理站",
        "南昌县",
        "莲塘镇",
        "罗家村",
        "115.944000",
        "28.546000",
        "2019",
        "30 m³/d",
        "A/O",
        "DB36/1102-2019",
        "江西清源环保运维有限公司",
        "0791-88880001",
    ]:
        assert text in body, text


def test_edit_links_only_for_those_who_may_edit(world, client_for):
    edit = reverse("facilities:edit", args=[world.facility_a.code])
    assert edit in client_for("county_regulator").get(url(world.facility_a)).content.decode()
    assert edit not in client_for("operator").get(url(world.facility_a)).content.decode()


def test_page_links_to_the_public_scan_page(world, client_for):
    body = client_for("operator").get(url(world.facility_a)).content.decode()
    assert f'href="/f/{world.facility_a.code}/"' in body


def test_status_history_shows_from_to_date_reason_and_who(world, client_for):
    facility_change_status(
        facility=world.facility_a,
        actor=world.county_regulator,
        to_status="suspended",
        reason="水泵损坏，停机维修",
    )
    response = client_for("regulator").get(url(world.facility_a))
    changes = list(response.context["status_changes"])
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("in_service", "suspended"),
        ("", "in_service"),
    ]
    body = response.content.decode()
    assert "水泵损坏，停机维修" in body
    assert timezone.localdate().isoformat() in body
    assert "county_regulator" in body


def test_change_history_shows_old_and_new_values_with_who_and_why(world, client_for):
    facility_update(
        facility=world.facility_a,
        actor=world.county_regulator,
        reason="2024年普查更正",
        town=world.xiangtang,
        village=world.village_b,
        households=120,
    )
    response = client_for("regulator").get(url(world.facility_a))
    latest = response.context["history"][0]
    assert latest.who == world.county_regulator
    assert latest.reason == "2024年普查更正"
    changes = {c.label: (c.old, c.new) for c in latest.changes}
    assert changes["乡镇"] == ("莲塘镇", "向塘镇")
    assert changes["行政村"] == ("罗家村", "新塘村")
    assert changes["服务户数"] == ("—", "120")
    body = response.content.decode()
    assert "2024年普查更正" in body
    assert "向塘镇" in body


def test_history_names_regions_without_a_query_per_change(
    world, client_for, django_assert_max_num_queries
):
    client = client_for("regulator")
    for village, town in [
        (world.village_b, world.xiangtang),
        (world.village_a, world.liantang),
    ] * 5:
        facility_update(
            facility=world.facility_a, actor=world.regulator, reason="x", town=town, village=village
        )
    with django_assert_max_num_queries(12):
        response = client.get(url(world.facility_a))
    assert len(response.context["history"]) == 11
