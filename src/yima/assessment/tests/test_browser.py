"""In Chromium: the scorecard list and contractor A's card, on a desktop and on a 390 px
phone; screenshots go to test-artifacts/ (assessment-*.png)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yima.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _some_work(world):
    """A little of everything this month, through the services, at the real time."""
    from yima.cases.models import CaseType
    from yima.cases.services import case_assign, case_evaluate, case_resolve, case_submit
    from yima.facilities.services import facility_update
    from yima.operations.choices import WorkOrderSource
    from yima.operations.services import (
        inspection_record,
        sample_record,
        work_order_complete,
        work_order_open,
        work_order_start,
    )

    now = timezone.now()
    a = facility_update(
        facility=world.facility_a, actor=world.admin, reason="一级B", standard="GB18918-2002"
    )
    for facility, actor, on_site in (
        (a, world.operator, True),
        (a, world.operator, False),
        (world.facility_b, world.other_operator, True),
    ):
        position = (
            {"latitude": facility.latitude, "longitude": facility.longitude, "accuracy_m": 5}
            if on_site
            else {}
        )
        inspection_record(
            facility=facility,
            actor=actor,
            client_id=uuid.uuid4(),
            answers={},
            finished_at=now - timedelta(hours=2),
            **position,
        )
    for cod in ("45", "80"):
        sample_record(
            facility=a,
            actor=world.regulator,
            client_id=uuid.uuid4(),
            lab="南昌市环境监测站",
            sampled_at=now - timedelta(hours=3),
            values={"cod": Decimal(cod)},
        )
    order = work_order_open(
        facility=a,
        actor=world.regulator,
        source=WorkOrderSource.REGULATOR,
        description="风机异响",
        due_on=timezone.localdate(),
    )
    order = work_order_start(work_order=order, actor=world.operator)
    work_order_complete(work_order=order, actor=world.operator, resolution="更换轴承")
    case = case_submit(
        case_type=CaseType.objects.get(code="odour"),
        facility=a,
        description="晚上有臭味",
        reporter_phone="13812345678",
    )
    case = case_assign(case=case, actor=world.regulator)
    case = case_resolve(case=case, actor=world.operator, public_note="已清掏")
    case_evaluate(case=case, rating=5, fixed=True, filed_in_session=True)


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_scorecards_and_a_card_on_desktop_and_phone(page_for, world):
    _some_work(world)
    period = f"{timezone.localdate():%Y-%m}"
    for name, size in (("desktop", {}), ("phone", PHONE)):
        page, base = page_for("regulator", **size)
        page.goto(f"{base}/assessment/?period={period}")
        assert page.get_by_role("link", name=world.contractor_a.name).is_visible()
        assert page.get_by_role("link", name=world.contractor_b.name).is_visible()
        assert page.locator("nav.sitenav a[aria-current=page]").inner_text() == "运维考核"
        if size:
            _fits(page, PHONE["width"])
        screenshot(page, f"assessment-list-{name}")

        page.get_by_role("link", name=world.contractor_a.name).click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == world.contractor_a.name
        assert page.get_by_text("现场核验率").is_visible()
        assert page.locator("table.card-items a[href*='/evidence/verified_on_site/']").count() >= 1
        if size:
            _fits(page, PHONE["width"])
        screenshot(page, f"assessment-card-{name}")

    page.locator("table.card-items a[href*='/evidence/repairs_on_time/']").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("1 条记录").is_visible()
    _fits(page, PHONE["width"])
    screenshot(page, "assessment-evidence-phone")
