"""/ops/f/<code>/inspect/ and the inspection pages, for every persona."""

import json
import uuid

import pytest

from yima.accounts.models import Membership
from yima.operations.models import Inspection, WorkOrder
from yima.operations.tests.conftest import (
    inspection_post,
    jpeg_bytes,
    login_redirect,
    make_inspection,
    near,
    upload,
)

pytestmark = pytest.mark.django_db


def _url(world, facility="facility_a"):
    return f"/ops/f/{getattr(world, facility).code}/inspect/"


def test_inspect_page_by_persona(world, client_for):
    expected = {
        "operator": 200,  # the facility's contractor
        "other_operator": 404,  # cannot even see facility A
        "regulator": 403,  # sees it, but inspections are the contractor's job
        "county_regulator": 403,
        "stranger": 404,
    }
    for persona, status in expected.items():
        assert client_for(persona).get(_url(world)).status_code == status, persona
    assert login_redirect(client_for("public").get(_url(world)))


def test_contractor_who_also_sees_the_facility_through_a_bureau_gets_403(world, client_for):
    Membership.objects.create(user=world.other_operator, organisation=world.county_bureau)
    response = client_for("other_operator").get(_url(world))
    assert response.status_code == 403
    assert "运维单位" in response.content.decode()


def test_page_shows_the_checklist_in_chinese(world, client_for):
    page = client_for("operator").get(_url(world)).content.decode()
    for text in ("进水正常", "水泵/风机运行正常", "标识牌完好", "出水口通畅", "提交巡检"):
        assert text in page
    assert 'data-offline="inspection"' in page
    assert "ops.js" in page


def test_grouped_or_lowercase_code_in_the_url_works(world, client_for):
    grouped = world.facility_a.display_code.lower()
    assert client_for("operator").get(f"/ops/f/{grouped}/inspect/").status_code == 200
    assert client_for("operator").get("/ops/f/360121-2019-0001-0/inspect/").status_code == 404


def test_operator_submits_an_inspection_on_site(world, client_for):
    position = near(world.facility_a, 80)
    data = inspection_post(notes="正常", accuracy_m="15", **position)
    response = client_for("operator").post(_url(world), data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ops/inspections/{inspection.pk}/"
    assert inspection.verified_on_site and inspection.outcome == "normal"
    assert str(inspection.client_id) == data["client_id"]


def test_submission_without_location_is_saved_but_flagged(world, client_for):
    client = client_for("operator")
    response = client.post(_url(world), inspection_post(), follow=True)
    assert Inspection.objects.get().verified_on_site is False
    assert "未经现场核实" in response.content.decode()


def test_the_same_post_twice_records_one_inspection(world, client_for):
    client = client_for("operator")
    data = inspection_post(problems=["sign"])
    first = client.post(_url(world), data)
    second = client.post(_url(world), data, follow=True)
    assert Inspection.objects.count() == 1
    assert first["Location"] == second.redirect_chain[-1][0]
    assert "已记录过" in second.content.decode()


def test_queued_json_submission_sent_twice_is_one_record(world, client_for):
    client = client_for("operator")
    data = inspection_post()
    headers = {"HTTP_ACCEPT": "application/json"}
    first = client.post(_url(world), data, **headers)
    again = client.post(_url(world), data, **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.content)["id"] == json.loads(again.content)["id"]
    assert json.loads(again.content)["created"] is False
    assert Inspection.objects.count() == 1


def test_invalid_json_submission_says_why(world, client_for):
    data = inspection_post(latitude="28.5")  # longitude missing
    response = client_for("operator").post(_url(world), data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["ok"] is False
    assert not Inspection.objects.exists()


def test_logged_out_queue_gets_401_not_a_login_page(world, client_for):
    response = client_for("public").post(
        _url(world), inspection_post(), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 401
    assert not Inspection.objects.exists()


def test_other_contractor_cannot_post_an_inspection(world, client_for):
    for persona, status in {"other_operator": 404, "county_regulator": 403}.items():
        response = client_for(persona).post(_url(world), inspection_post())
        assert response.status_code == status
    assert not Inspection.objects.exists()


def test_abnormal_item_opens_a_work_order_in_the_same_step(world, client_for):
    data = inspection_post(problems=["outlet"], open_work_order="on", work_order_priority="high")
    client_for("operator").post(_url(world), data)
    order = WorkOrder.objects.get()
    assert order.inspection == Inspection.objects.get()
    assert order.priority == "high" and "出水口通畅" in order.description


def test_photos_are_uploaded_and_a_fake_photo_is_refused(world, client_for):
    client = client_for("operator")
    small = jpeg_bytes(size=(800, 600))
    data = inspection_post(photos=[upload("a.jpg", small), upload("b.jpg", small)])
    client.post(_url(world), data)
    assert Inspection.objects.get().photos.count() == 2
    bad = inspection_post(photos=[upload("virus.jpg", b"MZ\x90\x00 not a picture")])
    response = client.post(_url(world), bad)
    assert response.status_code == 200 and "virus.jpg" in response.content.decode()
    assert Inspection.objects.count() == 1


# --- Inspection page and photos -----------------------------------------------------------------


def test_inspection_page_by_persona(world, client_for):
    inspection = make_inspection(world, **near(world.facility_a, 900), accuracy_m=10)
    url = f"/ops/inspections/{inspection.pk}/"
    for persona, status in {
        "operator": 200,
        "county_regulator": 200,
        "regulator": 200,
        "other_operator": 404,
        "stranger": 404,
    }.items():
        assert client_for(persona).get(url).status_code == status, persona
    page = client_for("county_regulator").get(url).content.decode()
    assert "未经现场核实" in page and "900 m" in page
    assert login_redirect(client_for("public").get(url))


def test_photos_only_for_staff_in_scope(world, client_for):
    from yima.operations.photos import process_photos

    inspection = make_inspection(world, photos=process_photos([upload()]))
    url = f"/ops/photos/inspection/{inspection.photos.get().pk}/"
    response = client_for("county_regulator").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client_for("operator").get(url).status_code == 200
    assert client_for("other_operator").get(url).status_code == 404
    assert client_for("stranger").get(url).status_code == 404
    public = client_for("public").get(url)
    assert login_redirect(public) and b"\xff\xd8" not in public.content


def test_public_sees_no_staff_names_anywhere_in_operations(world, client_for):
    inspection = make_inspection(world)
    public = client_for("public")
    for url in (
        f"/ops/f/{world.facility_a.code}/",
        f"/ops/inspections/{inspection.pk}/",
        "/ops/workorders/",
        "/ops/overdue/",
    ):
        response = public.get(url)
        assert login_redirect(response), url
        assert world.operator.username not in response.content.decode()


def test_facility_page_shows_state_flag_and_actions_by_persona(world, client_for):
    make_inspection(world, ok=False, **near(world.facility_a, 500), accuracy_m=10)
    url = f"/ops/f/{world.facility_a.code}/"
    operator_page = client_for("operator").get(url).content.decode()
    assert "开始巡检" in operator_page and "异常" in operator_page
    regulator_page = client_for("county_regulator").get(url).content.decode()
    assert "开始巡检" not in regulator_page and "记录水质检测" in regulator_page
    assert "未经现场核实" in regulator_page
    assert client_for("other_operator").get(url).status_code == 404


def test_inspection_of_a_suspended_facility_is_refused(world, client_for):
    from yima.facilities.services import facility_change_status

    facility_change_status(
        facility=world.facility_a, actor=world.admin, to_status="suspended", reason="检修"
    )
    response = client_for("operator").post(_url(world), inspection_post())
    assert response.status_code == 200 and "未在运行" in response.content.decode()
    assert not Inspection.objects.exists()


def test_client_id_is_fresh_on_each_page(world, client_for):
    client = client_for("operator")
    ids = {client.get(_url(world)).context["form"].initial["client_id"] for _ in range(2)}
    assert len(ids) == 2 and all(isinstance(i, uuid.UUID) for i in ids)
