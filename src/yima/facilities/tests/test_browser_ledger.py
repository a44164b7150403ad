"""The ledger in a real browser: a county regulator logs in, filters by town, opens a facility.

Screenshots go to test-artifacts/ (ledger-list.png, ledger-detail.png, ledger-list-phone.png).
"""

import pytest

from yima.conftest import screenshot
from yima.core.testing import facility_fields
from yima.facilities.services import facility_change_status, facility_register, facility_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(world):
    """A few more facilities in 南昌县, one with some history to show."""
    xiangtang = facility_register(
        actor=world.county_regulator,
        **facility_fields(
            world.nanchang_county,
            world.xiangtang,
            world.village_b,
            name="新塘村污水处理站",
            process="mbr",
            year_built=2021,
        ),
    )
    facility_register(
        actor=world.county_regulator,
        **facility_fields(
            world.nanchang_county, world.liantang, None, name="莲塘集镇污水处理站", year_built=2018
        ),
    )
    facility_update(
        facility=xiangtang,
        actor=world.county_regulator,
        reason="2024年普查更正",
        households=86,
        population=320,
        contractor=world.contractor_a,
    )
    facility_change_status(
        facility=xiangtang, actor=world.county_regulator, to_status="suspended", reason="水泵检修"
    )
    return xiangtang


def row_names(page) -> list[str]:
    return page.locator("table.ledger tbody td.name").all_inner_texts()


def test_county_regulator_filters_the_ledger_and_opens_a_facility(world, ledger, page_for):
    page, base = page_for("county_regulator")
    page.goto(base + "/ledger/")
    assert page.locator("h1").inner_text() == "设施台账"
    assert sorted(row_names(page)) == ["新塘村污水处理站", "罗家村污水处理站", "莲塘集镇污水处理站"]
    assert "进贤县" not in page.content()

    page.select_option("#id_town", label="向塘镇")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert row_names(page) == ["新塘村污水处理站"]
    assert "town=360121101000" in page.url
    assert page.locator(".result-count").inner_text().startswith("共 1 个设施")
    screenshot(page, "ledger-list")

    page.click("text=新塘村污水处理站")
    page.wait_for_load_state()
    assert page.locator(".code-big").inner_text() == ledger.display_code
    history = page.locator("#history")
    assert "2024年普查更正" in history.inner_text()
    assert "服务户数" in history.inner_text()
    assert "水泵检修" in page.locator(".status-history").inner_text()
    screenshot(page, "ledger-detail")


def test_choosing_a_county_reloads_the_town_filter(world, ledger, page_for):
    page, base = page_for("regulator")
    page.goto(base + "/ledger/")
    towns = page.locator("#id_town option")
    assert "民和镇" in towns.all_inner_texts()
    with page.expect_response(lambda r: "/ledger/options/filter-towns/" in r.url):
        page.select_option("#id_county", label="进贤县")
    page.wait_for_function("document.querySelectorAll('#id_town option').length === 2")
    assert towns.all_inner_texts() == ["全部", "民和镇"]


def test_register_form_loads_towns_and_villages_as_you_choose(world, page_for):
    page, base = page_for("regulator")
    page.goto(base + "/ledger/new/")
    with page.expect_response(lambda r: "/ledger/options/towns/" in r.url):
        page.select_option("#id_county", label="南昌县")
    page.wait_for_function("document.querySelectorAll('#id_town option').length === 3")
    with page.expect_response(lambda r: "/ledger/options/villages/" in r.url):
        page.select_option("#id_town", label="莲塘镇")
    page.wait_for_function("document.querySelectorAll('#id_village option').length === 2")
    assert page.locator("#id_village option").all_inner_texts() == ["（无）", "罗家村（演示）"]
    # Choosing another county empties the village list again.
    with page.expect_response(lambda r: "/ledger/options/towns/" in r.url):
        page.select_option("#id_county", label="进贤县")
    page.wait_for_function("document.querySelectorAll('#id_village option').length === 1")
    screenshot(page, "ledger-register-form")


def test_ledger_on_a_phone_shows_cards(world, ledger, page_for):
    page, base = page_for("county_regulator", width=360, height=640)
    page.goto(base + "/ledger/")
    first = page.locator("table.ledger tbody tr").first
    assert first.locator("td.code").is_visible()
    assert not first.locator("td.minor").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "ledger-list-phone")
    page.goto(base + f"/ledger/{ledger.code}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "ledger-detail-phone")
