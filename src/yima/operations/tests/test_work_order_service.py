"""Work orders: open -> in progress -> done -> verified / reopened, and who may do each step."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from freezegun import freeze_time

from yima.operations.choices import WorkOrderSource, WorkOrderState
from yima.operations.models import WorkOrder
from yima.operations.photos import process_photos
from yima.operations.services import (
    work_order_complete,
    work_order_open,
    work_order_reopen,
    work_order_start,
    work_order_verify,
)
from yima.operations.tests.conftest import upload

pytestmark = pytest.mark.django_db


def _open(world, actor=None, **kw):
    kw.setdefault("source", WorkOrderSource.REGULATOR)
    kw.setdefault("description", "出水口堵塞")
    return work_order_open(facility=world.facility_a, actor=actor or world.county_regulator, **kw)


def _done(world):
    order = work_order_start(work_order=_open(world), actor=world.operator)
    return work_order_complete(work_order=order, actor=world.operator, resolution="疏通出水管")


def test_full_cycle_records_every_step_with_who_and_when(world):
    order = _open(world)
    assert order.state == WorkOrderState.OPEN and order.contractor == world.contractor_a
    order = work_order_start(work_order=order, actor=world.operator)
    order = work_order_complete(work_order=order, actor=world.operator, resolution="疏通出水管")
    assert order.resolution == "疏通出水管" and order.completed_at
    order = work_order_verify(work_order=order, actor=world.county_regulator, note="现场核实")
    assert order.state == WorkOrderState.VERIFIED and order.verified_at
    steps = [(e.action, e.from_state, e.to_state, e.actor.username) for e in order.events.all()]
    assert steps == [
        ("open", "", "open", "county_regulator"),
        ("start", "open", "in_progress", "operator"),
        ("complete", "in_progress", "done", "operator"),
        ("verify", "done", "verified", "county_regulator"),
    ]
    history = list(order.history.order_by("history_date"))
    assert [h.history_user.username for h in history] == [s[3] for s in steps]
    assert history[2].history_change_reason == "疏通出水管"


def test_regulator_reopens_a_done_order_and_the_contractor_starts_again(world):
    order = work_order_reopen(work_order=_done(world), actor=world.regulator, reason="仍有溢流")
    assert order.state == WorkOrderState.REOPENED and order.completed_at is None
    order = work_order_start(work_order=order, actor=world.operator)
    assert order.state == WorkOrderState.IN_PROGRESS
    assert order.events.filter(action="reopen").get().note == "仍有溢流"


def test_reopening_needs_a_reason(world):
    with pytest.raises(ValidationError):
        work_order_reopen(work_order=_done(world), actor=world.regulator, reason=" ")


def test_completing_needs_what_was_done(world):
    order = work_order_start(work_order=_open(world), actor=world.operator)
    with pytest.raises(ValidationError):
        work_order_complete(work_order=order, actor=world.operator, resolution="")


@pytest.mark.parametrize("persona", ["other_operator", "county_regulator", "regulator", "stranger"])
def test_only_the_contractor_starts_and_completes(world, persona):
    order = _open(world)
    with pytest.raises(PermissionDenied):
        work_order_start(work_order=order, actor=getattr(world, persona))
    order = work_order_start(work_order=order, actor=world.operator)
    with pytest.raises(PermissionDenied):
        work_order_complete(work_order=order, actor=getattr(world, persona), resolution="x")


@pytest.mark.parametrize("persona", ["operator", "other_operator", "stranger"])
def test_only_regulators_in_scope_verify_or_reopen(world, persona):
    order = _done(world)
    with pytest.raises(PermissionDenied):
        work_order_verify(work_order=order, actor=getattr(world, persona))
    with pytest.raises(PermissionDenied):
        work_order_reopen(work_order=order, actor=getattr(world, persona), reason="x")
    assert WorkOrder.objects.get().state == WorkOrderState.DONE


def test_county_regulator_cannot_verify_another_countys_order(world):
    order = work_order_open(
        facility=world.facility_b, actor=world.regulator, source="regulator", description="x"
    )
    order = work_order_start(work_order=order, actor=world.other_operator)
    order = work_order_complete(work_order=order, actor=world.other_operator, resolution="y")
    with pytest.raises(PermissionDenied):
        work_order_verify(work_order=order, actor=world.county_regulator)


def test_who_may_open_a_work_order(world):
    cases = [
        ("county_regulator", "regulator", True),
        ("regulator", "report", True),
        ("operator", "inspection", True),
        ("operator", "regulator", False),
        ("other_operator", "inspection", False),
        ("stranger", "regulator", False),
    ]
    for persona, source, allowed in cases:
        actor = getattr(world, persona)
        if allowed:
            assert _open(world, actor=actor, source=source).opened_by == actor
        else:
            with pytest.raises(PermissionDenied):
                _open(world, actor=actor, source=source)


def test_steps_out_of_order_are_refused(world):
    order = _open(world)
    with pytest.raises(ValidationError):
        work_order_complete(work_order=order, actor=world.operator, resolution="x")
    with pytest.raises(ValidationError):
        work_order_verify(work_order=order, actor=world.regulator)
    verified = work_order_verify(work_order=_done(world), actor=world.regulator)
    with pytest.raises(ValidationError):
        work_order_start(work_order=verified, actor=world.operator)


def test_a_stale_copy_cannot_apply_a_step_twice(world):
    order = _open(world)
    work_order_start(work_order=order, actor=world.operator)
    with pytest.raises(ValidationError):
        work_order_start(work_order=order, actor=world.operator)  # `order` still says "open"


@freeze_time("2024-05-06 09:00:00+08:00")
@pytest.mark.parametrize(("priority", "due"), [("urgent", 7), ("high", 9), ("normal", 13)])
def test_due_date_defaults_from_priority(world, priority, due):
    assert _open(world, priority=priority).due_on == timezone.localdate().replace(day=due)


def test_before_and_after_photos(world):
    order = _open(world, photos=process_photos([upload()]))
    order = work_order_start(work_order=order, actor=world.operator)
    order = work_order_complete(
        work_order=order, actor=world.operator, resolution="x", photos=process_photos([upload()])
    )
    assert sorted(p.stage for p in order.photos.all()) == ["after", "before"]


def test_opening_notifies_the_contractors_staff(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.operator.email = "tech@example.org"
    world.operator.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = _open(world)
    assert [m.to for m in mailoutbox] == [["tech@example.org"]]
    assert f"#{order.pk}" in mailoutbox[0].subject
