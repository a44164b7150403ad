"""The scan page in Chromium at 360 x 640, the size of a cheap phone: the public face with
JavaScript off, and a technician logging in from the scan page."""

import pytest

from yima.conftest import screenshot
from yima.core.testing import PASSWORD
from yima.facilities.services import facility_change_status
from yima.scan.qr import label_path
from yima.scan.services import label_issue

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}


def fits_the_screen(page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    for box in (page.locator(sel).bounding_box() for sel in ("main", "h1", ".fcode")):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 0.5


def test_public_face_without_javascript(page_for, world):
    label_issue(facility=world.facility_a, actor=world.operator)
    page, base = page_for("public", js=False, **PHONE)
    page.goto(base + label_path(world.facility_a.code, 1))
    assert page.locator("h1").inner_text() == world.facility_a.name
    assert page.locator(".fcode").inner_text() == world.facility_a.display_code
    assert page.get_by_text("正版标识牌").is_visible()
    assert page.get_by_text("尚无巡检记录").first.is_visible()
    call = page.locator(f'a[href="tel:{world.contractor_a.phone}"]').first
    assert call.is_visible()
    fits_the_screen(page)
    screenshot(page, "scan-public")


def test_contractor_logs_in_from_the_scan_page_and_lands_on_the_contractor_face(page_for, world):
    page, base = page_for("operator", login=False, **PHONE)
    page.goto(base + f"/f/{world.facility_a.code}/")
    page.get_by_role("link", name="工作人员登录").click()
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url == base + f"/f/{world.facility_a.code}/"
    assert page.get_by_role("heading", name="现场操作").is_visible()
    assert page.get_by_role("link", name="A4 标识牌（PDF）").is_visible()
    fits_the_screen(page)
    screenshot(page, "scan-contractor")


def test_regulator_face_on_a_phone(page_for, world):
    label_issue(facility=world.facility_a, actor=world.operator)
    facility_change_status(
        facility=world.facility_a,
        actor=world.county_regulator,
        to_status="suspended",
        reason="进水泵故障，等待维修",
    )
    page, base = page_for("county_regulator", **PHONE)
    page.goto(base + f"/f/{world.facility_a.code}/")
    assert page.get_by_role("heading", name="台账信息").is_visible()
    assert page.get_by_text("进水泵故障，等待维修").first.is_visible()
    fits_the_screen(page)
    screenshot(page, "scan-regulator")


def test_printing_page_for_a_county(page_for, world):
    page, base = page_for("regulator")
    page.goto(base + "/labels/?county=360121000000")
    assert page.get_by_role("heading", name="已选 1 个设施").is_visible()
    page.get_by_label("A4 不干胶标签，每页 3×8 个").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 PDF").click()
    assert download.value.suggested_filename == "yima-sheet-1.pdf"
    screenshot(page, "scan-labels")
