"""Changing a facility's status (/ledger/<code>/status/)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from yima.facilities.choices import Status
from yima.facilities.models import StatusChange

pytestmark = pytest.mark.django_db


def url(facility) -> str:
    return reverse("facilities:status", args=[facility.code])


def today() -> str:
    return timezone.localdate().isoformat()


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
def test_only_regulators_in_scope_may_change_status(world, client_for, persona, status_a, status_b):
    client = client_for(persona)
    assert client.get(url(world.facility_a)).status_code == status_a
    assert client.get(url(world.facility_b)).status_code == status_b


def test_anonymous_visitor_is_sent_to_login(world, client_for):
    assert client_for("public").get(url(world.facility_a)).status_code == 302


def test_only_allowed_transitions_are_offered(world, client_for):
    form = client_for("county_regulator").get(url(world.facility_a)).context["form"]
    offered = [value for value, _label in form.fields["to_status"].choices]
    assert offered == [Status.SUSPENDED, Status.DECOMMISSIONED]


def test_status_change_is_recorded_with_date_reason_and_who(world, client_for):
    data = {"to_status": "suspended", "effective_on": today(), "reason": "进水管堵塞"}
    response = client_for("county_regulator").post(url(world.facility_a), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "facilities:detail", args=[world.facility_a.code]
    )
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == Status.SUSPENDED
    change = StatusChange.objects.filter(facility=world.facility_a).first()
    assert (change.to_status, change.reason, change.actor) == (
        "suspended",
        "进水管堵塞",
        world.county_regulator,
    )
    assert "暂停运行" in response.content.decode()


def test_a_transition_that_is_not_allowed_is_rejected(world, client_for):
    data = {"to_status": "planned", "effective_on": today(), "reason": "倒退"}
    response = client_for("county_regulator").post(url(world.facility_a), data)
    assert "to_status" in response.context["form"].errors
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == Status.IN_SERVICE


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("reason", {"to_status": "suspended", "reason": ""}),
        ("effective_on", {"to_status": "suspended", "reason": "x", "effective_on": "2999-01-01"}),
        ("effective_on", {"to_status": "suspended", "reason": "x", "effective_on": "2001-01-01"}),
    ],
)
def test_missing_reason_or_impossible_date_is_rejected(world, client_for, field, data):
    data = {"effective_on": today(), **data}
    response = client_for("county_regulator").post(url(world.facility_a), data)
    assert field in response.context["form"].errors


def test_decommissioned_facility_has_no_further_status(world, client_for):
    client = client_for("county_regulator")
    data = {"to_status": "decommissioned", "effective_on": today(), "reason": "已拆除"}
    client.post(url(world.facility_a), data)
    response = client.get(url(world.facility_a))
    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:detail", args=[world.facility_a.code])


def test_effective_date_defaults_to_today(world, client_for):
    form = client_for("county_regulator").get(url(world.facility_a)).context["form"]
    assert form["effective_on"].value() == timezone.localdate()
    assert isinstance(form["effective_on"].value(), datetime.date)
