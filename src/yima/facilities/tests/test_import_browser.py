"""Importing in a real browser: upload, see the check with its errors, fix, check, import.

Screenshots go to test-artifacts/ (import-form.png, import-errors.png, import-check.png,
import-done.png, import-check-phone.png).
"""

import pytest

from yima.conftest import screenshot
from yima.facilities.models import Facility
from yima.facilities.tests.test_import_service import new_row, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_regulator_checks_a_workbook_fixes_it_and_imports_it(world, page_for, tmp_path):
    a = world.facility_a
    bad = workbook(
        tmp_path,
        [new_row(), new_row(设施名称="二号站", 建成年份="去年"), new_row(乡镇="不存在镇")],
        name="有错的台账.xlsx",
    )
    good = workbook(
        tmp_path,
        [
            new_row(),
            new_row(设施名称="二号站", 处理工艺="人工湿地", 排放等级="一级A"),
            new_row(设施编号=a.display_code, 设施名称="罗家村污水处理站（扩建）", 设计规模=60)
            | {"设计规模(m³/d)": 60},
        ],
        name="台账.xlsx",
    )
    page, base = page_for("regulator")
    page.goto(base + "/ledger/import/")
    assert page.locator("h1").inner_text() == "从 Excel 导入台账"
    screenshot(page, "import-form")

    page.set_input_files("#id_file", str(bad))
    page.click("button[value=check]")
    page.wait_for_selector(".import-errors")
    text = page.locator(".import-errors").inner_text()
    assert "发现 2 处问题，未写入任何内容。" in text
    assert "第 3 行" in text and "第 4 行" in text
    screenshot(page, "import-errors")

    page.goto(base + "/ledger/import/")
    page.set_input_files("#id_file", str(good))
    page.fill("#id_reason", "2024 年台账核查")
    page.click("button[value=check]")
    page.wait_for_selector(".import-done")
    assert "所有行均有效" in page.locator(".import-done").inner_text()
    changes = page.locator(".import-changes").inner_text()
    assert "罗家村污水处理站（扩建）" in changes and "30 → 60" in changes.replace("\n", " ")
    screenshot(page, "import-check")
    assert Facility.objects.count() == 2

    page.click("text=确认导入此工作簿")
    page.wait_for_selector(".import-done")
    assert "导入完成。" in page.locator(".import-done").inner_text()
    screenshot(page, "import-done")
    assert Facility.objects.count() == 4
    a.refresh_from_db()
    assert a.name == "罗家村污水处理站（扩建）"
    assert a.history.first().history_change_reason == "2024 年台账核查"


def test_check_result_reads_well_on_a_phone(world, page_for, tmp_path):
    path = workbook(tmp_path, [new_row(), new_row(设施编号=world.facility_a.code, 服务户数=99)])
    page, base = page_for("county_regulator", width=360, height=740)
    page.goto(base + "/ledger/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button[value=check]")
    page.wait_for_selector(".import-done")
    screenshot(page, "import-check-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
