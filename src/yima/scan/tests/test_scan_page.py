"""The scan page /f/<code>/: who sees which face, what each face must never show, label tokens,
query budget, page weight and the cache of the public face."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from yima.accounts.models import Membership, User
from yima.core.testing import PASSWORD
from yima.facilities.models import Facility
from yima.facilities.services import facility_change_status, facility_delete, facility_update
from yima.scan.qr import label_path
from yima.scan.services import label_issue, label_reissue

# What a person notices first on each face (Chinese, the default language).
MARKS = {
    "public": "发现问题？",  # "Something wrong?": report a problem / call
    "contractor": "现场操作",  # "On site": the technician's actions
    "regulator": "台账信息",  # "Ledger entry": every ledger field
}


def face_of(response) -> str:
    html = response.content.decode()
    found = [face for face, mark in MARKS.items() if mark in html]
    assert len(found) == 1, f"expected exactly one face, found {found}"
    return found[0]


def page(client, facility, query=""):
    return client.get(f"/f/{facility.code}/{query}")


FACES_A = {
    "public": "public",
    "stranger": "public",
    "regulator": "regulator",
    "county_regulator": "regulator",
    "operator": "contractor",
    "other_operator": "public",
    "admin": "regulator",
}
FACES_B = {**FACES_A, "county_regulator": "public", "operator": "public"}
FACES_B["other_operator"] = "contractor"


@pytest.mark.parametrize(("persona", "face"), FACES_A.items())
def test_face_of_the_nanchang_county_facility(client_for, world, persona, face):
    response = page(client_for(persona), world.facility_a)
    assert response.status_code == 200
    assert face_of(response) == face


@pytest.mark.parametrize(("persona", "face"), FACES_B.items())
def test_face_of_the_jinxian_facility(client_for, world, persona, face):
    response = page(client_for(persona), world.facility_b)
    assert response.status_code == 200
    assert face_of(response) == face


def test_staff_outside_scope_see_the_public_face_with_a_note(client_for, world):
    response = page(client_for("county_regulator"), world.facility_b)
    assert face_of(response) == "public"
    assert "不在您的管辖范围内" in response.content.decode()


def test_regulator_can_switch_to_the_public_face(client_for, world):
    client = client_for("regulator")
    regulator_face = page(client, world.facility_a)
    assert f'href="/f/{world.facility_a.code}/?face=public"' in regulator_face.content.decode()
    assert face_of(page(client, world.facility_a, "?face=public")) == "public"


def test_asking_for_a_face_one_may_not_see_falls_back_to_ones_own(client_for, world):
    assert face_of(page(client_for("operator"), world.facility_a, "?face=regulator")) == (
        "contractor"
    )
    assert face_of(page(client_for("public"), world.facility_a, "?face=regulator")) == "public"


def test_user_with_two_roles_gets_both_faces_and_can_switch(client_for, world):
    both = User.objects.create_user("both", password=PASSWORD)
    Membership.objects.create(user=both, organisation=world.county_bureau)
    Membership.objects.create(user=both, organisation=world.contractor_a)
    client = client_for("public")
    client.force_login(both)
    assert face_of(page(client, world.facility_a)) == "regulator"
    assert face_of(page(client, world.facility_a, "?face=contractor")) == "contractor"
    assert face_of(page(client, world.facility_a, "?face=public")) == "public"


# --- What each face must never show ---


@pytest.fixture
def private_details(world):
    """Staff names and phones, an internal note and a label reason, all on facility A."""
    names = {
        "regulator": ("王", "强", "13900000001"),
        "county_regulator": ("李", "娜", "13900000002"),
        "operator": ("张", "伟", "13900000003"),
        "other_operator": ("赵", "敏", "13900000004"),
    }
    for persona, (last, first, phone) in names.items():
        user = world.user(persona)
        user.last_name, user.first_name, user.phone = last, first, phone
        user.save()
    facility_change_status(
        facility=world.facility_a,
        actor=world.county_regulator,
        to_status="suspended",
        reason="内部备注：钥匙在村委会",
    )
    label_issue(facility=world.facility_a, actor=world.operator)
    label_reissue(facility=world.facility_a, actor=world.operator, reason="旧牌被盗，已报警")
    return {
        "usernames": ["regulator", "county_regulator", "operator", "other_operator", "admin"],
        "staff names": ["王强", "李娜", "张伟", "赵敏"],
        "staff phones": ["13900000001", "13900000002", "13900000003", "13900000004"],
        "internal notes": ["内部备注：钥匙在村委会", "旧牌被盗，已报警"],
    }


def leaks(html: str, details: dict, *, allow: tuple[str, ...] = ()) -> list[str]:
    found = []
    for kind, words in details.items():
        for word in words:
            if word in allow:
                continue
            pattern = rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word)
            if re.search(pattern, html):
                found.append(f"{kind}: {word}")
    return found


@pytest.mark.parametrize("persona", ["public", "stranger", "other_operator"])
def test_public_face_shows_nothing_private(client_for, world, private_details, persona):
    html = page(client_for(persona), world.facility_a).content.decode()
    assert face_of(page(client_for(persona), world.facility_a)) == "public"
    allow = (persona,)  # a logged-in user may see their own name in the top bar
    assert leaks(html, private_details, allow=allow) == []
    # What it must show: the contractor's name and public phone, and the hotlines.
    assert world.contractor_a.name in html
    assert world.contractor_a.phone in html
    assert "12369" in html and "12345" in html


def test_regulator_switched_to_the_public_face_sees_nothing_private(
    client_for, world, private_details
):
    html = page(client_for("regulator"), world.facility_a, "?face=public").content.decode()
    assert leaks(html, private_details, allow=("regulator",)) == []


def test_contractor_face_shows_notes_but_no_names_of_others(client_for, world, private_details):
    html = page(client_for("operator"), world.facility_a).content.decode()
    assert "内部备注：钥匙在村委会" in html, "the technician sees why the facility was suspended"
    others = {k: v for k, v in private_details.items() if k != "internal notes"}
    assert leaks(html, others, allow=("operator", "张伟")) == []
    assert "/ledger/" + world.facility_a.code not in html, "no link to edit the ledger"


def test_regulator_face_shows_ledger_status_and_label_history(client_for, world, private_details):
    html = page(client_for("county_regulator"), world.facility_a).content.decode()
    expected = (
        "李娜",
        "内部备注：钥匙在村委会",
        "旧牌被盗，已报警",
        "张伟",
        "第 2 号标签",
        "第 1 号标签",
    )
    for text in expected:
        assert text in html, text
    assert "没有未办结的群众反映" in html
    assert "尚无巡检记录" in html


# --- The public face's budget ---


def test_public_face_makes_at_most_four_queries_and_none_when_cached(
    client, world, django_assert_max_num_queries, django_assert_num_queries
):
    label_issue(facility=world.facility_a, actor=world.admin)
    url = label_path(world.facility_a.code, 1)
    with django_assert_max_num_queries(4):
        first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert first.content == second.content
    assert "正版标识牌" in second.content.decode()


def test_public_face_weighs_under_60_kb_and_needs_no_javascript(client, world):
    response = page(client, world.facility_a)
    html = response.content.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
    assert stylesheets == ["scan/scan.css"], "one small stylesheet"
    css = Path(finders.find(stylesheets[0])).read_bytes()
    assert len(response.content) + len(css) < 60 * 1024
    assert "<script" not in html
    assert "<img" not in html


def test_public_face_is_chinese_by_default_and_english_on_request(client, world):
    zh = page(client, world.facility_a).content.decode()
    assert "设施信息" in zh and "运行中" in zh and "尚无巡检记录" in zh
    en = client.get(f"/f/{world.facility_a.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "About this facility" in en and "No inspection recorded yet" in en


# --- Label tokens ---


@pytest.fixture
def two_labels(world):
    label_issue(facility=world.facility_a, actor=world.operator)
    label_reissue(facility=world.facility_a, actor=world.operator, reason="损坏")
    return world.facility_a


@pytest.mark.parametrize("persona", ["public", "operator"])
def test_current_label_says_genuine(client_for, two_labels, persona):
    response = client_for(persona).get(label_path(two_labels.code, 2))
    assert response.status_code == 200
    html = response.content.decode()
    assert "正版标识牌（第 2 号标签）" in html
    assert "已更换" not in html.split("<main")[1].split("近期记录")[0]


@pytest.mark.parametrize("persona", ["public", "operator"])
def test_replaced_label_opens_the_facility_and_says_it_was_replaced(
    client_for, two_labels, persona
):
    response = client_for(persona).get(label_path(two_labels.code, 1))
    assert response.status_code == 200
    html = response.content.decode()
    assert two_labels.name in html
    assert "此标签已更换" in html and "第 2 号标签" in html


@pytest.mark.parametrize("persona", ["public", "operator"])
def test_forged_token_shows_the_facility_with_a_warning(client_for, two_labels, persona):
    response = client_for(persona).get(f"/f/{two_labels.code}/2-aaaaaaaa")
    assert response.status_code == 200
    html = response.content.decode()
    assert two_labels.name in html
    assert "此二维码未通过校验" in html
    assert "正版标识牌" not in html


def test_token_for_a_serial_never_issued_counts_as_forged(client, two_labels):
    html = client.get(label_path(two_labels.code, 3)).content.decode()
    assert "此二维码未通过校验" in html


def test_cached_page_of_one_label_state_is_not_served_for_another(client, two_labels):
    assert "正版标识牌" in client.get(label_path(two_labels.code, 2)).content.decode()
    assert "此标签已更换" in client.get(label_path(two_labels.code, 1)).content.decode()
    plain = page(client, two_labels).content.decode()
    assert "正版标识牌" not in plain and "此标签已更换" not in plain


def test_reissue_turns_a_cached_genuine_label_into_a_replaced_one(client, world):
    label_issue(facility=world.facility_a, actor=world.operator)
    url = label_path(world.facility_a.code, 1)
    assert "正版标识牌" in client.get(url).content.decode()
    label_reissue(facility=world.facility_a, actor=world.operator, reason="被盗")
    assert "此标签已更换" in client.get(url).content.decode()


# --- The cache follows the ledger ---


def test_ledger_edit_shows_on_the_cached_public_face(client, world):
    assert world.facility_a.name in page(client, world.facility_a).content.decode()
    facility_update(facility=world.facility_a, actor=world.county_regulator, name="罗家村新站")
    assert "罗家村新站" in page(client, world.facility_a).content.decode()


@pytest.mark.django_db(transaction=True)
def test_excel_import_shows_on_the_cached_public_face(client, world, tmp_path):
    from yima.facilities.excel import write_ledger
    from yima.facilities.imports import ledger_import

    assert world.facility_a.name in page(client, world.facility_a).content.decode()
    path = tmp_path / "ledger.xlsx"
    world.facility_a.name = "罗家村导入站"  # unsaved: only the workbook carries the new name
    write_ledger([world.facility_a], path)
    result = ledger_import(path=path, actor=world.regulator, dry_run=False, reason="年度普查")
    assert not result.errors
    assert "罗家村导入站" in page(client, world.facility_a).content.decode()


def test_contractor_phone_change_shows_on_the_cached_public_face(client, world):
    assert "0791-88880001" in page(client, world.facility_a).content.decode()
    world.contractor_a.phone = "0791-86660000"
    world.contractor_a.save()
    html = page(client, world.facility_a).content.decode()
    assert "0791-86660000" in html and "0791-88880001" not in html


# --- Decommissioned, deleted, unknown and mistyped codes ---


def test_decommissioned_facility_still_opens_and_says_so(client, world):
    facility_change_status(
        facility=world.facility_a, actor=world.admin, to_status="decommissioned", reason="并网"
    )
    response = page(client, world.facility_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已报废" in html and "永久保留" in html


def test_deleted_facility_is_no_such_facility(client, world):
    facility_delete(facility=world.facility_a, actor=world.admin, reason="重复登记")
    response = page(client, world.facility_a)
    assert response.status_code == 404
    assert "查无此设施" in response.content.decode()


def test_unknown_code_gets_a_helpful_chinese_404(client, world):
    response = client.get("/f/36012120190019X/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "查无此设施" in html and "360121-2019-0019-X" in html
    assert 'name="code"' in html, "a form to try again"
    assert "Traceback" not in html


def test_wrong_check_character_says_so(client, world):
    response = client.get("/f/360121201900191/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "校验码不符" in html and "对照标识牌" in html
    assert "查无此设施" not in html


def test_garbage_under_f_gets_the_same_helpful_page(client, world):
    for url in ("/f/hello/", "/f/hello/world/", "/f/36012120190019X/nonsense/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "设施编号共 15 位" in response.content.decode()


def test_typed_variant_of_a_code_redirects_to_the_canonical_page(client, world):
    code = world.facility_a.code
    grouped = world.facility_a.display_code.lower()
    response = client.get(f"/f/{grouped}/")
    assert response.status_code == 302
    assert response["Location"] == f"/f/{code}/"


def test_login_from_the_scan_page_returns_to_it_on_the_contractor_face(client, world):
    public = page(client, world.facility_a).content.decode()
    next_url = f"/f/{world.facility_a.code}/"
    assert f'href="/accounts/login/?next={next_url}"' in public
    response = client.post(
        "/accounts/login/",
        {"username": "operator", "password": PASSWORD, "next": next_url},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == next_url
    assert face_of(response) == "contractor"


def test_field_operations_event_refreshes_the_cached_public_face(client, world):
    events = pytest.importorskip("yima.operations.events")
    assert world.facility_a.name in page(client, world.facility_a).content.decode()
    Facility.objects.filter(pk=world.facility_a.pk).update(name="罗家村站（已巡检）")  # no save()
    events.facility_ops_changed.send(sender=None, facility_id=world.facility_a.pk, what="test")
    assert "罗家村站（已巡检）" in page(client, world.facility_a).content.decode()


@pytest.mark.parametrize("persona", ["operator", "county_regulator"])
def test_staff_faces_make_a_fixed_number_of_queries(
    client_for, world, persona, django_assert_max_num_queries
):
    """Session, user, facility, scope, face; inspection, sample, reports, repairs; then two or
    three lists of the face (history, labels, inspections or the schedule): however many rows."""
    label_issue(facility=world.facility_a, actor=world.operator)
    for reason in ("损坏", "被盗", "褪色", "被遮挡"):
        label_reissue(facility=world.facility_a, actor=world.operator, reason=reason)
    for to_status in ("suspended", "in_service", "suspended"):
        facility_change_status(
            facility=world.facility_a, actor=world.admin, to_status=to_status, reason="检修"
        )
    client = client_for(persona)
    with django_assert_max_num_queries(12):
        response = page(client, world.facility_a)
    assert response.status_code == 200
