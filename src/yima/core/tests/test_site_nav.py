"""The site-wide staff menu in the top bar (core/base.html, core/_sitenav.html): who sees it,
where each entry leads, which one is marked as the current page, and that it fits a phone."""

import re

import pytest

from yima.conftest import screenshot

MENU = {
    "数据看板": "/dashboard/",
    "台账": "/ledger/",
    "群众反映": "/cases/",
    "巡检计划": "/ops/overdue/",
    "工单": "/ops/workorders/",
    "打印标识牌": "/labels/",
    "运维考核": "/assessment/",
}


def menu_of(html: str) -> dict[str, str]:
    """{label: href} of the menu's links; {} when the page has no menu."""
    found = re.search(r'<nav class="sitenav"[^>]*>(.*?)</nav>', html, re.S)
    if found is None:
        return {}
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found.group(1))
    return {label: href for href, label in links}


def current_of(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', html)


@pytest.mark.parametrize("persona", ["regulator", "county_regulator", "operator", "admin"])
def test_staff_get_the_whole_menu_and_every_entry_opens(client_for, world, persona):
    client = client_for(persona)
    html = client.get("/ledger/").content.decode()
    assert menu_of(html) == MENU
    for label, url in MENU.items():
        assert client.get(url).status_code == 200, label


@pytest.mark.parametrize("persona", ["public", "stranger"])
def test_no_menu_for_the_public_or_accounts_without_an_organisation(client_for, world, persona):
    html = client_for(persona).get("/").content.decode()
    assert menu_of(html) == {}
    assert "/ops/workorders/" not in html and "/labels/" not in html


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/ledger/", "台账"),
        ("/cases/", "群众反映"),
        ("/ops/overdue/", "巡检计划"),
        ("/ops/workorders/", "工单"),
        ("/labels/", "打印标识牌"),
        ("/dashboard/", "数据看板"),
        ("/assessment/", "运维考核"),
    ],
)
def test_the_page_one_is_on_is_marked_and_linked_once(client_for, world, url, current):
    html = client_for("county_regulator").get(url).content.decode()
    assert current_of(html) == [current]
    top_bar = html.split("<main")[0]
    for href in MENU.values():
        assert top_bar.count(f'href="{href}"') == 1, href


def test_the_scan_page_marks_no_menu_entry(client_for, world):
    html = client_for("operator").get(f"/f/{world.facility_a.code}/").content.decode()
    assert menu_of(html) == MENU
    assert current_of(html) == []


def test_the_menu_reads_in_english_too(client_for, world):
    client = client_for("operator")
    html = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert list(menu_of(html)) == ["Dashboard", "Ledger", "Reports", "Inspection schedule",
                                   "Work orders", "Print signs", "Assessment"]  # fmt: skip


@pytest.mark.browser
def test_the_menu_wraps_on_a_360px_phone(page_for, world):
    page, base = page_for("operator", width=360, height=640)
    page.goto(base + "/ops/workorders/")
    menu = page.locator("nav.sitenav")
    for label in MENU:
        box = menu.get_by_role("link", name=label, exact=True).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, label
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert menu.locator('[aria-current="page"]').inner_text() == "工单"
    screenshot(page, "site-nav-phone")
