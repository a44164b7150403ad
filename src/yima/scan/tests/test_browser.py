"""The scan page in Chromium at 360 x 640, the size of a cheap phone: the public face with
JavaScript off, and a technician logging in from the scan page. The facility has what a real one
has: an inspection, a water sample and an open report."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yima.conftest import screenshot
from yima.core.testing import PASSWORD
from yima.facilities.services import facility_change_status, facility_update
from yima.scan.qr import label_path
from yima.scan.services import label_issue

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}


def fits_the_screen(page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    for box in (page.locator(sel).bounding_box() for sel in ("main", "h1", ".fcode")):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 0.5
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide"


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Transactional tests empty every table when they finish, seed data included: seed the
    checklists, inspection policy, standards and problem types again."""
    from importlib import import_module

    from django.apps import apps

    import_module("yima.operations.migrations.0002_seed_reference_data").seed(apps, None)
    import_module("yima.cases.migrations.0002_seed_case_types").seed(apps, None)


@pytest.fixture
def lived_in(world):
    """Facility A held to GB 18918 grade 1B, inspected 3 days ago (on site, all fine), sampled
    last week (met the standard), with one open report handed to its contractor and an
    open repair order."""
    from yima.cases.models import CaseType
    from yima.cases.services import case_assign, case_submit
    from yima.operations.models import ChecklistItem
    from yima.operations.services import inspection_record, sample_record, work_order_open

    facility = facility_update(
        facility=world.facility_a, actor=world.admin, standard="GB18918-2002", reason="按国标考核"
    )
    now = timezone.now()
    keys = ChecklistItem.objects.filter(template__process="").values_list("key", flat=True)
    inspection_record(
        facility=facility,
        actor=world.operator,
        client_id=uuid.uuid4(),
        answers=dict.fromkeys(keys, True),
        started_at=now - timedelta(days=3, minutes=25),
        finished_at=now - timedelta(days=3),
        coord_system="wgs84",
        latitude=facility.latitude,
        longitude=facility.longitude,
        accuracy_m=Decimal("6"),
    )
    sample_record(
        facility=facility,
        actor=world.operator,
        client_id=uuid.uuid4(),
        lab="南昌县环境监测站",
        sampled_at=now - timedelta(days=7),
        values={"ph": Decimal("7.2"), "cod": Decimal("38"), "nh3n": Decimal("4.1")},
    )
    case = case_submit(
        case_type=CaseType.objects.get(code="odour"),
        facility=facility,
        description="傍晚站点附近有明显臭味。",
    )
    case_assign(case=case, actor=world.county_regulator)
    work_order_open(
        facility=facility,
        actor=world.operator,
        source="inspection",
        description="格栅有杂物堵塞，需要清理",
    )
    facility.refresh_from_db()
    return facility


def test_public_face_without_javascript(page_for, world, lived_in):
    label_issue(facility=lived_in, actor=world.operator)
    page, base = page_for("public", js=False, **PHONE)
    page.goto(base + label_path(lived_in.code, 1))
    assert page.locator("h1").inner_text() == lived_in.name
    assert page.locator(".fcode").inner_text() == lived_in.display_code
    assert page.get_by_text("正版标识牌").is_visible()
    assert page.get_by_text("运行正常").is_visible()
    assert page.get_by_text("达标", exact=True).is_visible()
    assert page.get_by_role("link", name="异味").is_visible(), "the open report, to follow"
    call = page.locator(f'a[href="tel:{world.contractor_a.phone}"]').first
    assert call.is_visible()
    fits_the_screen(page)
    screenshot(page, "scan-public")


def test_a_villager_follows_a_report_from_the_scan_page_without_javascript(
    page_for, world, lived_in
):
    from yima.cases.models import Case

    case = Case.objects.get(facility=lived_in)
    page, base = page_for("public", js=False, **PHONE)
    page.goto(base + f"/f/{lived_in.code}/")
    page.get_by_label("反映过了？查询处理进度").fill(case.display_tracking.lower())
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert page.url == base + f"/cases/t/{case.tracking}/"
    page.goto(base + f"/f/{lived_in.code}/")
    page.get_by_role("link", name="我要反映问题").click()
    page.wait_for_load_state()
    assert page.url == base + f"/cases/new/?facility={lived_in.code}"
    assert page.get_by_text("这里已有人反映，正在处理").is_visible()


def test_contractor_logs_in_from_the_scan_page_and_lands_on_the_contractor_face(
    page_for, world, lived_in
):
    page, base = page_for("operator", login=False, **PHONE)
    page.goto(base + f"/f/{lived_in.code}/")
    page.get_by_role("link", name="工作人员登录").click()
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url == base + f"/f/{lived_in.code}/"
    assert page.get_by_role("heading", name="现场操作").is_visible()
    assert page.get_by_role("link", name="A4 标识牌（PDF）").is_visible()
    assert page.get_by_text("格栅有杂物堵塞").is_visible()
    assert page.get_by_role("link", name="开始巡检").is_visible()
    assert page.locator("nav.sitenav").get_by_role("link", name="工单").is_visible()
    fits_the_screen(page)
    screenshot(page, "scan-contractor")
    page.get_by_role("link", name="开始巡检").click()
    page.wait_for_load_state()
    assert page.url == base + f"/ops/f/{lived_in.code}/inspect/"


def test_regulator_face_on_a_phone(page_for, world, lived_in):
    label_issue(facility=lived_in, actor=world.operator)
    for to_status, reason in (("suspended", "进水泵故障，等待维修"), ("in_service", "水泵已更换")):
        facility_change_status(
            facility=lived_in, actor=world.county_regulator, to_status=to_status, reason=reason
        )
    page, base = page_for("county_regulator", **PHONE)
    page.goto(base + f"/f/{lived_in.code}/")
    assert page.get_by_role("heading", name="台账信息").is_visible()
    assert page.get_by_text("进水泵故障，等待维修").first.is_visible()
    supervision = page.locator("#supervision")
    assert supervision.get_by_text("按期").is_visible()
    assert supervision.get_by_text("已现场核实").is_visible()
    assert supervision.get_by_role("link", name=lived_in.cases.get().display_tracking).is_visible()
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
