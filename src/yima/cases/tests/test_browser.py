"""In Chromium at 360 x 640 (a cheap phone, as in WeChat): a villager files a report about
facility_a from the scan page's link, then follows it by typing its tracking number."""

import pytest

from yima.cases.models import Case
from yima.cases.tests.factories import jpeg_with_gps
from yima.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}


def fits_the_screen(page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide"


def test_a_villager_files_a_report_and_follows_it_by_number(page_for, world, tmp_path):
    page, base = page_for("public", **PHONE)
    page.goto(f"{base}/cases/new/?facility={world.facility_a.code}")
    assert page.get_by_text(world.facility_a.name).is_visible()
    fits_the_screen(page)
    screenshot(page, "case-choose")
    page.get_by_role("link", name="污水溢流").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "反映问题：污水溢流"
    page.fill("#id_description", "井盖旁边有污水冒出来，已经两天了，气味很大。")
    photo = tmp_path / "manhole.jpg"
    photo.write_bytes(jpeg_with_gps((1200, 900)))
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_reporter_phone", "138 1234 5678")
    honeypot = page.locator("#id_website").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # out of sight, left of the screen
    fits_the_screen(page)
    screenshot(page, "case-new")

    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    case = Case.objects.get()
    assert page.locator(".cp-number").inner_text() == case.display_tracking
    assert page.get_by_text("反映已提交").is_visible()
    assert "13812345678" not in page.content()
    assert case.photos.count() == 1
    fits_the_screen(page)
    screenshot(page, "case-filed")

    # Later, on another phone: type the number the way it was read out.
    page, base = page_for("public", **PHONE)
    page.goto(f"{base}/cases/follow/")
    typed = f"{case.tracking[:4].lower()} {case.tracking[4:].lower()}"
    page.fill("#id_number", typed)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/cases/t/{case.tracking}/"
    assert page.locator("h1").inner_text() == case.display_tracking
    assert page.get_by_text("等待受理").first.is_visible()
    assert page.get_by_text("收到反映").is_visible()
    fits_the_screen(page)
    screenshot(page, "case-follow")
