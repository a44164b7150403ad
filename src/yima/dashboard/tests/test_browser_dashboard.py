"""The dashboard in Chromium with no internet: every request that does not go to the test server
is aborted, and the map (county outlines, facility markers, popups) and the trend charts must
still draw. Screenshots at desktop and phone width go to test-artifacts/."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yima.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offline(page, base: str) -> list[str]:
    """Abort every request not to the live server; return the list of what was attempted."""
    attempted: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(base):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    page.route("**/*", handle)
    return attempted


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


@pytest.fixture
def activity(world):
    """facility_a inspected normal an hour ago (with a flow reading), facility_b abnormal, and a
    sample of each, through the services."""
    from django.test import TestCase

    from yima.facilities.models import Facility
    from yima.operations.services import inspection_record, sample_record

    Facility.objects.update(standard="GB18918-2002")
    at = timezone.now() - timedelta(hours=1)
    for facility, actor, outcome, cod in (
        (world.facility_a, world.operator, "normal", "45"),
        (world.facility_b, world.other_operator, "abnormal", "200"),
    ):
        facility.refresh_from_db()
        with TestCase.captureOnCommitCallbacks(execute=True):
            inspection_record(
                facility=facility,
                actor=actor,
                client_id=uuid.uuid4(),
                answers={},
                outcome=outcome,
                started_at=at - timedelta(minutes=20),
                finished_at=at,
                flow_m3d=Decimal("21"),
            )
            sample_record(
                facility=facility,
                actor=world.regulator,
                client_id=uuid.uuid4(),
                lab="南昌市环境监测站",
                sampled_at=at,
                values={"cod": Decimal(cod), "ph": Decimal("7.1")},
            )
    return world


def _wait_for_dashboard(page):
    page.wait_for_selector("#dash-map[data-ready]")
    page.wait_for_selector("#chart-compliance canvas")


def test_dashboard_map_and_charts_draw_with_no_internet(page_for, activity):
    page, base = page_for("regulator", width=1280, height=900)
    attempted = _offline(page, base)
    errors = _errors(page)
    page.goto(f"{base}/dashboard/")
    _wait_for_dashboard(page)

    assert page.locator("#dash-map path.dash-county").count() == 2  # 南昌县, 进贤县
    assert page.locator("#dash-map path.dash-marker").count() == 2
    assert page.locator("#dash-map path.dash-marker-normal").count() == 1
    assert page.locator("#dash-map path.dash-marker-abnormal").count() == 1
    for chart in ("inspections", "reports", "compliance"):
        assert page.locator(f"#chart-{chart} canvas").count() == 1
    assert page.locator(".dash-tile").count() == 7
    screenshot(page, "dashboard-desktop")

    # A marker's popup names the facility and links to its ledger page.
    page.locator("#dash-map path.dash-marker-abnormal").click()
    popup = page.locator(".leaflet-popup-content .dash-popup")
    popup.wait_for()
    assert activity.facility_b.name in popup.inner_text()
    link = popup.locator("a")
    assert link.get_attribute("href") == f"/ledger/{activity.facility_b.code}/"
    screenshot(page, "dashboard-map-popup")

    assert attempted == []  # nothing tried to leave the machine (no CDN, no tiles)
    assert errors == []  # no script error, no blocked inline code


def test_drill_down_in_the_browser_and_the_map_follows(page_for, activity):
    page, base = page_for("regulator", width=1280, height=900)
    _offline(page, base)
    page.goto(f"{base}/dashboard/")
    _wait_for_dashboard(page)
    page.locator(".dash-table th[scope=row] a", has_text="南昌县").click()
    page.wait_for_url("**/dashboard/?region=360121000000*")
    _wait_for_dashboard(page)
    assert page.locator("h1").inner_text().endswith("南昌县")
    assert page.locator("#dash-map path.dash-county").count() == 1
    assert page.locator("#dash-map path.dash-marker").count() == 1
    page.locator(".dash-crumbs a", has_text="全部辖区").click()
    page.wait_for_url("**/dashboard/?period=*")
    assert page.locator(".dash-table th[scope=row] a").count() == 2


def test_phone_width_wraps_tiles_and_scrolls_tables(page_for, activity):
    page, base = page_for("county_regulator", width=390, height=844)
    attempted = _offline(page, base)
    errors = _errors(page)
    page.goto(f"{base}/dashboard/")
    _wait_for_dashboard(page)
    # Nothing but the tables' own scroll boxes is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first, second = page.locator(".dash-tile").nth(1), page.locator(".dash-tile").nth(2)
    assert first.bounding_box()["y"] == second.bounding_box()["y"]  # two tiles a row
    assert page.locator("#dash-map path.dash-marker").count() == 1  # only 南昌县's facility
    assert page.locator("#dash-map path.dash-county").count() == 1
    screenshot(page, "dashboard-phone")
    page.goto(f"{base}/dashboard/evidence/operating/all/")
    screenshot(page, "dashboard-evidence-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert attempted == [] and errors == []


def test_a_map_with_more_facilities_than_it_draws_says_so(page_for, activity, settings):
    """YIMA_DASHBOARD_MAP_POINTS caps the markers (a province has 100,000): the one needing
    attention (abnormal) is drawn, and a note says how many of how many."""
    settings.YIMA_DASHBOARD_MAP_POINTS = 1
    page, base = page_for("regulator", width=1280, height=900)
    _offline(page, base)
    errors = _errors(page)
    page.goto(f"{base}/dashboard/")
    _wait_for_dashboard(page)
    assert page.locator("#dash-map path.dash-marker").count() == 1
    assert page.locator("#dash-map path.dash-marker-abnormal").count() == 1
    note = page.locator(".dash-map-limited")
    assert (
        note.inner_text()
        == "地图显示最需要关注的 1 个设施（共 2 个）：选择区县或乡镇可查看其全部设施。"
    )
    screenshot(page, "dashboard-map-limited")
    assert errors == []
