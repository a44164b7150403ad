"""/ops/overdue/: due and overdue inspections per contractor and per county."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from freezegun import freeze_time

from yima.core.testing import make_world
from yima.operations.tests.conftest import login_redirect, make_inspection

pytestmark = pytest.mark.django_db
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def late_world(db):
    """The shared personas, registered at T0 (so the world fixture cannot be used here)."""
    with freeze_time(T0):
        world = make_world()
        make_inspection(world)  # facility_a inspected at T0, due T0 + 14 d
    return world


def client_for(world, persona):
    client = Client()
    if persona != "public":
        client.force_login(getattr(world, persona))
    return client


def test_overdue_page_by_persona(late_world):
    w = late_world
    personas = ("regulator", "county_regulator", "operator", "other_operator", "stranger")
    with freeze_time(T0 + timedelta(days=20)):
        pages = {p: client_for(w, p).get("/ops/overdue/") for p in personas}
    text = {p: r.content.decode() for p, r in pages.items()}
    assert pages.pop("stranger").status_code == 403  # no organisation: not staff
    assert all(r.status_code == 200 for r in pages.values())
    a, b = w.facility_a.name, w.facility_b.name
    assert a in text["regulator"] and b in text["regulator"]
    assert a in text["county_regulator"] and b not in text["county_regulator"]
    assert a in text["operator"] and b not in text["operator"]
    assert b in text["other_operator"] and a not in text["other_operator"]
    assert "6 天" in text["operator"]  # due T0+14, now T0+20
    assert "南昌县" in text["regulator"]  # the per-county table is for regulators
    assert "进贤县" not in text["county_regulator"]
    assert login_redirect(client_for(w, "public").get("/ops/overdue/"))


def test_due_soon_tab(late_world):
    with freeze_time(T0 + timedelta(days=12)):
        page = (
            client_for(late_world, "operator").get("/ops/overdue/?state=due_soon").content.decode()
        )
    assert late_world.facility_a.name in page


def test_filter_by_contractor_and_county(late_world):
    w = late_world
    client = client_for(w, "regulator")
    with freeze_time(T0 + timedelta(days=20)):
        by_contractor = client.get(f"/ops/overdue/?contractor={w.contractor_b.pk}")
        by_county = client.get("/ops/overdue/?county=360121")
    assert w.facility_a.name not in _rows(by_contractor) and w.facility_b.name in _rows(
        by_contractor
    )
    assert w.facility_a.name in _rows(by_county) and w.facility_b.name not in _rows(by_county)


def _rows(response) -> str:
    return "".join(str(f.name) for f in response.context["page"])


def test_overdue_page_query_count_does_not_grow(late_world, django_assert_max_num_queries):
    from yima.core.testing import facility_fields
    from yima.facilities.services import facility_register

    w = late_world
    for _ in range(10):
        facility_register(
            actor=w.admin,
            **facility_fields(
                w.nanchang_county, w.liantang, w.village_a, contractor=w.contractor_a
            ),
        )
    client = client_for(w, "regulator")
    with freeze_time(T0 + timedelta(days=60)), django_assert_max_num_queries(8):
        assert client.get("/ops/overdue/").status_code == 200
