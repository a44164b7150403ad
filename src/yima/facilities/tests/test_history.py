"""Every write path leaves change history with the actor and a reason (issue #2, item 8)."""

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yima.facilities.models import Facility
from yima.regions.models import Region

pytestmark = pytest.mark.django_db


def latest(facility):
    return Facility.history.filter(id=facility.pk).order_by("-history_date", "-history_id").first()


def ledger_form(world, facility=None, **overrides) -> dict:
    if facility is None:
        data = {
            "name": "新登记站",
            "county": world.nanchang_county.code,
            "town": world.liantang.code,
            "village": "",
            "year_built": "2022",
            "capacity_m3d": "12",
            "process": "wetland",
            "standard": "DB36/1102-2019",
            "grade": "2",
            "status": "planned",
        }
    else:
        data = {k: ("" if v is None else v) for k, v in model_to_dict(facility).items()}
        data.update(
            county=facility.county.code,
            town=facility.town.code,
            village=facility.village.code if facility.village else "",
            contractor=facility.contractor_id or "",
        )
    data.update(overrides)
    return data


def test_register_page_records_actor_and_reason(world, client_for):
    client = client_for("county_regulator")
    client.post("/ledger/new/", ledger_form(world))
    facility = Facility.objects.get(name="新登记站")
    record = latest(facility)
    assert record.history_type == "+"
    assert record.history_user == world.county_regulator
    # Stored untranslated, shown in the reader's language.
    assert record.history_change_reason == "Registered"
    page = client.get(reverse("facilities:detail", args=[facility.code]))
    assert "已登记" in page.content.decode()


def test_edit_page_records_actor_and_reason(world, client_for):
    data = ledger_form(world, world.facility_a, name="改名站", reason="村里改了站名")
    client_for("regulator").post(reverse("facilities:edit", args=[world.facility_a.code]), data)
    record = latest(world.facility_a)
    assert (record.name, record.history_user, record.history_change_reason) == (
        "改名站",
        world.regulator,
        "村里改了站名",
    )


def test_status_page_records_actor_and_reason(world, client_for):
    data = {"to_status": "suspended", "effective_on": timezone.localdate(), "reason": "停电"}
    client_for("county_regulator").post(
        reverse("facilities:status", args=[world.facility_a.code]), data
    )
    record = latest(world.facility_a)
    assert (record.status, record.history_user, record.history_change_reason) == (
        "suspended",
        world.county_regulator,
        "停电",
    )


def test_delete_page_records_actor_and_reason(world, client_for):
    client_for("county_regulator").post(
        reverse("facilities:delete", args=[world.facility_a.code]), {"reason": "重复登记"}
    )
    record = latest(world.facility_a)
    assert record.deleted_at is not None
    assert (record.history_user, record.history_change_reason) == (
        world.county_regulator,
        "重复登记",
    )


# --- The Django admin ---


@pytest.fixture
def admin_client_for_world(world):
    client = Client()
    client.force_login(world.admin)
    return client


def inline_management(facility=None) -> dict:
    count = facility.status_changes.count() if facility else 0
    return {
        "status_changes-TOTAL_FORMS": str(count),
        "status_changes-INITIAL_FORMS": str(count),
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "1000",
    }


def admin_form(world, facility=None, **overrides) -> dict:
    """The ledger form's data as the admin takes it: regions by primary key, plus the inline."""
    data = ledger_form(world, facility, **overrides)
    by_code = {r.code: r.pk for r in Region.objects.all()}
    for name in ("county", "town", "village"):
        data[name] = by_code.get(data[name], "")
    data.update(inline_management(facility))
    return data


def test_admin_add_registers_through_the_service(world, admin_client_for_world):
    response = admin_client_for_world.post(
        reverse("admin:facilities_facility_add"), admin_form(world, reason="补录")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    facility = Facility.objects.get(name="新登记站")
    assert facility.code.startswith("3601212022")
    record = latest(facility)
    assert (record.history_user, record.history_change_reason) == (world.admin, "补录")
    assert facility.status_changes.get().to_status == "planned"


def test_admin_change_records_actor_and_reason(world, admin_client_for_world):
    url = reverse("admin:facilities_facility_change", args=[world.facility_a.pk])
    data = admin_form(world, world.facility_a, households="40", reason="台账核对")
    response = admin_client_for_world.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = latest(world.facility_a)
    assert (record.households, record.history_user, record.history_change_reason) == (
        40,
        world.admin,
        "台账核对",
    )


def test_admin_change_without_reason_is_refused(world, admin_client_for_world):
    url = reverse("admin:facilities_facility_change", args=[world.facility_a.pk])
    data = admin_form(world, world.facility_a, households="40", reason="")
    response = admin_client_for_world.post(url, data)
    assert response.status_code == 200
    assert "reason" in response.context["adminform"].form.errors
    world.facility_a.refresh_from_db()
    assert world.facility_a.households is None


def test_admin_delete_is_a_soft_delete_with_history(world, admin_client_for_world):
    url = reverse("admin:facilities_facility_delete", args=[world.facility_a.pk])
    assert admin_client_for_world.get(url).status_code == 200
    admin_client_for_world.post(url, {"post": "yes"})
    facility = Facility.objects.get(pk=world.facility_a.pk)
    assert facility.deleted_at is not None
    assert facility.status_changes.exists()
    record = latest(facility)
    assert record.history_user == world.admin
    assert record.history_change_reason


def test_admin_code_is_read_only(world, admin_client_for_world):
    url = reverse("admin:facilities_facility_change", args=[world.facility_a.pk])
    data = admin_form(world, world.facility_a, households="41", reason="x")
    data["code"] = "36012120190099X"
    admin_client_for_world.post(url, data)
    assert Facility.objects.get(pk=world.facility_a.pk).code == world.facility_a.code


def test_admin_pages_show_the_facility_and_its_read_only_status_changes(
    world, admin_client_for_world
):
    changelist = admin_client_for_world.get(reverse("admin:facilities_facility_changelist"))
    assert world.facility_a.code in changelist.content.decode()
    change = admin_client_for_world.get(
        reverse("admin:facilities_facility_change", args=[world.facility_a.pk])
    )
    body = change.content.decode()
    assert change.status_code == 200
    assert 'name="code"' not in body  # shown, not editable
    assert 'name="status"' not in body  # changed on the ledger's status page
    assert "status_changes-TOTAL_FORMS" in body
    history = admin_client_for_world.get(
        reverse("admin:facilities_facility_history", args=[world.facility_a.pk])
    )
    assert history.status_code == 200


def test_admin_list_leaves_out_deleted_facilities(world, admin_client_for_world):
    from yima.facilities.services import facility_delete

    facility_delete(facility=world.facility_b, actor=world.admin, reason="重复")
    body = admin_client_for_world.get(reverse("admin:facilities_facility_changelist")).content
    assert world.facility_b.code not in body.decode()
