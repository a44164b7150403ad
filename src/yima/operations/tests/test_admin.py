"""Reference data is editable in the admin; field records are listed with their history."""

import pytest

from yima.operations.models import DischargeStandard, InspectionPolicy
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db


def test_administrator_opens_every_operations_admin_page(world, client):
    client.force_login(world.admin)
    make_inspection(world)
    for model in ("inspectionpolicy", "checklisttemplate", "dischargestandard", "inspection",
                  "watersample", "workorder"):  # fmt: skip
        assert client.get(f"/admin/operations/{model}/").status_code == 200, model
    db36 = DischargeStandard.objects.get(code="DB36/1102-2019")
    page = client.get(f"/admin/operations/dischargestandard/{db36.pk}/change/")
    assert page.status_code == 200 and "官方" in page.content.decode()


def test_administrator_edits_a_policy_band_with_history(world, client):
    client.force_login(world.admin)
    band = InspectionPolicy.objects.get(county__isnull=True, min_capacity_m3d=20)
    response = client.post(
        f"/admin/operations/inspectionpolicy/{band.pk}/change/",
        {"county": "", "min_capacity_m3d": "20", "interval_days": "10", "note": "局里要求"},
    )
    assert response.status_code == 302
    band.refresh_from_db()
    assert band.interval_days == 10
    assert band.history.latest().history_user == world.admin
