"""Editing a facility (/ledger/<code>/edit/): who may, validation, and the reason."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from yima.facilities.models import Facility

pytestmark = pytest.mark.django_db


def url(facility) -> str:
    return reverse("facilities:edit", args=[facility.code])


def current_data(facility, **overrides) -> dict:
    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(facility).items()
        if k not in {"id", "status", "status_since", "code", "deleted_at"}
    }
    data["county"] = facility.county.code
    data["town"] = facility.town.code
    data["village"] = facility.village.code if facility.village else ""
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "status_a", "status_b"),
    [
        ("regulator", 200, 200),
        ("county_regulator", 200, 404),
        ("operator", 403, 404),
        ("other_operator", 404, 403),
        ("stranger", 404, 404),
    ],
)
def test_only_regulators_in_scope_may_edit(world, client_for, persona, status_a, status_b):
    client = client_for(persona)
    assert client.get(url(world.facility_a)).status_code == status_a
    assert client.get(url(world.facility_b)).status_code == status_b


def test_anonymous_visitor_is_sent_to_login(world, client_for):
    assert client_for("public").get(url(world.facility_a)).status_code == 302


def test_contractor_post_is_refused_and_changes_nothing(world, client_for):
    data = current_data(world.facility_a, name="改名", reason="试试")
    assert client_for("operator").post(url(world.facility_a), data).status_code == 403
    world.facility_a.refresh_from_db()
    assert world.facility_a.name == "罗家村污水处理站"


def test_form_shows_current_regions(world, client_for):
    form = client_for("county_regulator").get(url(world.facility_a)).context["form"]
    assert form["county"].value() == world.nanchang_county.code
    assert form["town"].value() == world.liantang.code
    assert form["village"].value() == world.village_a.code


def test_edit_saves_and_keeps_who_and_why(world, client_for):
    data = current_data(world.facility_a, households="95", reason="入户调查更新")
    response = client_for("county_regulator").post(url(world.facility_a), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "facilities:detail", args=[world.facility_a.code]
    )
    assert "已保存" in response.content.decode()
    world.facility_a.refresh_from_db()
    assert world.facility_a.households == 95
    record = world.facility_a.history.first()
    assert record.history_user == world.county_regulator
    assert record.history_change_reason == "入户调查更新"


def test_reason_is_required(world, client_for):
    data = current_data(world.facility_a, households="95", reason="")
    response = client_for("county_regulator").post(url(world.facility_a), data)
    assert "reason" in response.context["form"].errors
    world.facility_a.refresh_from_db()
    assert world.facility_a.households is None


def test_saving_without_changes_writes_no_history(world, client_for):
    before = world.facility_a.history.count()
    data = current_data(world.facility_a, reason="没改")
    response = client_for("county_regulator").post(url(world.facility_a), data)
    assert response.status_code == 302
    assert world.facility_a.history.count() == before


def test_moving_a_facility_out_of_the_regulators_county_is_refused(world, client_for):
    data = current_data(
        world.facility_a,
        county=world.jinxian.code,
        town=world.jinxian_town.code,
        village=world.village_c.code,
        reason="搬走",
    )
    response = client_for("county_regulator").post(url(world.facility_a), data)
    assert "county" in response.context["form"].errors
    world.facility_a.refresh_from_db()
    assert world.facility_a.county == world.nanchang_county


def test_invalid_capacity_is_shown_on_the_form(world, client_for):
    data = current_data(world.facility_a, capacity_m3d="-3", reason="x")
    response = client_for("county_regulator").post(url(world.facility_a), data)
    assert "capacity_m3d" in response.context["form"].errors


def test_code_cannot_be_changed_through_the_form(world, client_for):
    code = world.facility_a.code
    data = current_data(world.facility_a, code="36012120190099X", households="3", reason="x")
    client_for("county_regulator").post(url(world.facility_a), data)
    assert Facility.objects.get(pk=world.facility_a.pk).code == code
