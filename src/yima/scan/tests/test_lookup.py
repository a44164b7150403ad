"""Typing a code by hand: /f/ with a form, and the home page's search box (GET /f/?code=)."""

import pytest

from yima.core.testing import facility_fields
from yima.facilities.codes import compose, format_code
from yima.facilities.services import facility_register


def test_lookup_page_shows_a_form(client, db):
    response = client.get("/f/")
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        "360121-2019-0001-8",
        "360121 2019 0001 8",
        " 360121201900018 ",
        "３６０１２１２０１９０００１８",  # full-width digits from a Chinese keyboard
        "360121—2019—0001—8",  # long dashes
    ],
)
def test_forgiving_formats_open_the_facility(client, world, typed):
    response = client.get("/f/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/f/{world.facility_a.code}/"


def test_lower_case_x_is_accepted(client, world):
    code = next(c for c in (compose("360121", 2019, n) for n in range(100, 200)) if c[-1] == "X")
    facility_register(
        actor=world.admin,
        code=code,
        **facility_fields(world.nanchang_county, world.liantang, world.village_a),
    )
    response = client.get("/f/", {"code": format_code(code).lower()})
    assert response["Location"] == f"/f/{code}/"


def test_wrong_check_character_says_so_and_suggests_the_sign(client, world):
    typo = world.facility_a.code[:-1] + ("9" if world.facility_a.code[-1] != "9" else "1")
    response = client.get("/f/", {"code": typo})
    assert response.status_code == 200
    html = response.content.decode()
    assert "校验码不符" in html and "标识牌" in html
    assert f'value="{typo}"' in html, "what was typed stays in the box to correct"


def test_malformed_code_explains_the_format(client, db):
    html = client.get("/f/", {"code": "12345"}).content.decode()
    assert "设施编号共 15 位" in html


def test_home_page_search_box_submits_here(client, db):
    html = client.get("/").content.decode()
    assert 'action="/f/"' in html and 'name="code"' in html


def test_what_was_typed_is_shown_escaped(client, db):
    response = client.get("/f/%3Cscript%3Ealert(1)%3C%2Fscript%3E/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
