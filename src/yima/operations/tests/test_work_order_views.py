"""Work-order pages: list, detail with the steps each persona may take, opening, each step."""

import pytest

from yima.operations.models import WorkOrder
from yima.operations.services import work_order_complete, work_order_open, work_order_start
from yima.operations.tests.conftest import login_redirect

pytestmark = pytest.mark.django_db


def _order(world, facility="facility_a", actor="regulator"):
    return work_order_open(
        facility=getattr(world, facility),
        actor=getattr(world, actor),
        source="regulator",
        description=f"{facility} 出水口堵塞",
    )


def _done(world):
    order = work_order_start(work_order=_order(world), actor=world.operator)
    return work_order_complete(work_order=order, actor=world.operator, resolution="已疏通")


def test_list_shows_each_persona_only_its_orders(world, client_for):
    _order(world, "facility_a")
    _order(world, "facility_b")
    expected = {
        "operator": {"facility_a"},
        "other_operator": {"facility_b"},
        "county_regulator": {"facility_a"},
        "regulator": {"facility_a", "facility_b"},
        "stranger": set(),
    }
    for persona, facilities in expected.items():
        page = client_for(persona).get("/ops/workorders/").content.decode()
        seen = {name for name in ("facility_a", "facility_b") if f"{name} 出水口堵塞" in page}
        assert seen == facilities, persona
    assert login_redirect(client_for("public").get("/ops/workorders/"))


def test_list_costs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    for _ in range(5):
        _order(world)
    client = client_for("regulator")
    with django_assert_max_num_queries(8):
        assert client.get("/ops/workorders/?state=all").status_code == 200


def test_detail_by_persona(world, client_for):
    url = f"/ops/workorders/{_order(world).pk}/"
    for persona, status in {
        "operator": 200,
        "county_regulator": 200,
        "regulator": 200,
        "other_operator": 404,
        "stranger": 404,
    }.items():
        assert client_for(persona).get(url).status_code == status, persona
    assert login_redirect(client_for("public").get(url))


def test_each_persona_sees_only_the_steps_it_may_take(world, client_for):
    order = _order(world)
    url = f"/ops/workorders/{order.pk}/"
    assert "开始维修" in client_for("operator").get(url).content.decode()
    assert "开始维修" not in client_for("county_regulator").get(url).content.decode()
    _done(world)
    url = f"/ops/workorders/{WorkOrder.objects.latest('pk').pk}/"
    regulator_page = client_for("county_regulator").get(url).content.decode()
    assert "验收通过" in regulator_page and "退回重新打开" in regulator_page
    assert "验收通过" not in client_for("operator").get(url).content.decode()


def test_contractor_starts_and_completes_through_the_page(world, client_for):
    order = _order(world)
    client = client_for("operator")
    client.post(f"/ops/workorders/{order.pk}/start/", {"start-note": "出发"})
    response = client.post(
        f"/ops/workorders/{order.pk}/complete/", {"complete-resolution": "更换水泵"}
    )
    order.refresh_from_db()
    assert response.status_code == 302
    assert order.state == "done" and order.resolution == "更换水泵"


def test_steps_refused_to_the_wrong_persona(world, client_for):
    order = _order(world)
    assert (
        client_for("county_regulator").post(f"/ops/workorders/{order.pk}/start/").status_code == 403
    )
    assert (
        client_for("other_operator").post(f"/ops/workorders/{order.pk}/start/").status_code == 404
    )
    done = _done(world)
    assert client_for("operator").post(f"/ops/workorders/{done.pk}/verify/").status_code == 403
    assert WorkOrder.objects.get(pk=done.pk).state == "done"


def test_regulator_verifies_or_reopens_with_a_reason(world, client_for):
    order = _done(world)
    client = client_for("county_regulator")
    refused = client.post(f"/ops/workorders/{order.pk}/reopen/", {"reopen-reason": ""})
    assert refused.status_code == 400
    client.post(f"/ops/workorders/{order.pk}/reopen/", {"reopen-reason": "仍有异味"})
    order.refresh_from_db()
    assert order.state == "reopened"
    assert order.events.last().actor == world.county_regulator


def test_opening_an_order_from_the_facility(world, client_for):
    url = f"/ops/f/{world.facility_a.code}/workorders/new/"
    response = client_for("county_regulator").post(
        url, {"description": "围栏损坏", "priority": "low"}
    )
    order = WorkOrder.objects.get()
    assert response["Location"] == f"/ops/workorders/{order.pk}/"
    assert (order.source, order.opened_by) == ("regulator", world.county_regulator)
    client_for("operator").post(url, {"description": "风机异响", "priority": "high"})
    assert WorkOrder.objects.get(description="风机异响").source == "inspection"
    assert client_for("other_operator").get(url).status_code == 404
    assert login_redirect(client_for("public").get(url))


def test_regulator_opens_an_order_for_a_public_report(world, client_for):
    url = f"/ops/f/{world.facility_a.code}/workorders/new/"
    client_for("regulator").post(
        url, {"description": "村民反映有臭味", "priority": "normal", "report_ref": "R-2024-0001"}
    )
    assert WorkOrder.objects.get().source == "report"
