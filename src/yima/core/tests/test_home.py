"""The home page: code search for everyone, the way into the ledger for staff."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_has_the_code_search_form(client_for):
    body = client_for("public").get("/").content.decode()
    assert 'action="/f/"' in body
    assert 'name="code"' in body


def test_home_explains_one_code_three_uses_in_chinese(client_for):
    body = client_for("public").get("/").content.decode()
    assert "一码三用" in body
    assert "扫码监管" in body
    assert "扫码监督" in body


def test_visitor_sees_staff_login_but_no_ledger_link(client_for):
    body = client_for("public").get("/").content.decode()
    assert reverse("accounts:login") in body
    assert reverse("facilities:list") not in body


@pytest.mark.parametrize(
    ("persona", "ledger", "register"),
    [
        ("regulator", True, True),
        ("operator", True, False),
        ("stranger", False, False),
    ],
)
def test_staff_get_links_to_the_ledger(client_for, persona, ledger, register):
    body = client_for(persona).get("/").content.decode()
    assert (reverse("facilities:list") in body) is ledger
    assert (reverse("facilities:create") in body) is register


def test_footer_gives_the_hotlines(client_for, settings):
    body = client_for("public").get("/").content.decode()
    assert f'href="tel:{settings.YIMA_REGULATOR_HOTLINE}"' in body
    assert "12345" in body


def test_language_switch_offers_english_and_back(client_for):
    client = client_for("public")
    assert 'value="en"' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    body = response.content.decode()
    assert "One facility, one code" in body
    assert 'value="zh-hans"' in body
