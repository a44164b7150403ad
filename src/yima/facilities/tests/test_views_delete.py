"""Removing a ledger entry (/ledger/<code>/delete/): a soft delete with a reason."""

import pytest
from django.urls import reverse

from yima.facilities.models import Facility

pytestmark = pytest.mark.django_db


def url(facility) -> str:
    return reverse("facilities:delete", args=[facility.code])


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
def test_only_regulators_in_scope_may_delete(world, client_for, persona, status_a, status_b):
    client = client_for(persona)
    assert client.get(url(world.facility_a)).status_code == status_a
    assert client.get(url(world.facility_b)).status_code == status_b


def test_anonymous_visitor_is_sent_to_login(world, client_for):
    assert client_for("public").get(url(world.facility_a)).status_code == 302


def test_confirmation_page_names_the_facility_and_deletes_nothing(world, client_for):
    body = client_for("county_regulator").get(url(world.facility_a)).content.decode()
    assert world.facility_a.display_code in body
    assert Facility.objects.visible_to(world.county_regulator).count() == 1


def test_contractor_post_is_refused(world, client_for):
    response = client_for("operator").post(url(world.facility_a), {"reason": "重复"})
    assert response.status_code == 403
    assert Facility.objects.alive().filter(pk=world.facility_a.pk).exists()


def test_delete_hides_the_entry_and_keeps_its_code(world, client_for):
    client = client_for("county_regulator")
    response = client.post(url(world.facility_a), {"reason": "重复登记"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("facilities:list")
    assert world.facility_a.display_code in response.content.decode()  # in the message
    assert world.facility_a.code not in [f.code for f in response.context["facilities"]]
    assert Facility.objects.filter(code=world.facility_a.code, deleted_at__isnull=False).exists()
    detail = reverse("facilities:detail", args=[world.facility_a.code])
    assert client.get(detail).status_code == 404


def test_reason_is_required(world, client_for):
    response = client_for("county_regulator").post(url(world.facility_a), {"reason": " "})
    assert "reason" in response.context["form"].errors
    assert Facility.objects.alive().filter(pk=world.facility_a.pk).exists()
