"""A report can open a repair order (yima.operations, when installed); the repair's completion
resolves the report through the hook `case_on_work_order_done`."""

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from yima.cases import selectors, services
from yima.cases.choices import CaseState
from yima.cases.tests.factories import file_case

needs_operations = pytest.mark.skipif(
    not apps.is_installed("yima.operations"), reason="yima.operations is not installed"
)


@needs_operations
def test_a_regulator_opens_a_repair_order_and_its_completion_resolves_the_report(
    world, settings, tmp_path
):
    from yima.operations import services as ops
    from yima.operations.models import WorkOrder

    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "ops-private"
    case = file_case(world)
    with pytest.raises(PermissionDenied):
        services.case_open_repair(case=case, actor=world.operator)
    case = services.case_open_repair(case=case, actor=world.county_regulator)
    work_order = WorkOrder.objects.get(pk=case.work_order_id)
    assert work_order.report_ref == case.tracking
    assert work_order.contractor == world.contractor_a
    assert work_order.description == case.description
    assert (case.state, case.assignee) == (CaseState.ASSIGNED, world.contractor_a)
    assert [s.title for s in selectors.public_timeline(case)][-1] == _("Repair order opened")
    with pytest.raises(ValidationError):
        services.case_open_repair(case=case, actor=world.county_regulator)

    ops.work_order_start(work_order=work_order, actor=world.operator)
    work_order = ops.work_order_complete(
        work_order=work_order, actor=world.operator, resolution="更换了损坏的水泵"
    )
    resolved = services.case_on_work_order_done(work_order, actor=world.operator)
    assert resolved.state == CaseState.RESOLVED
    assert selectors.public_timeline(resolved)[-1].note == "更换了损坏的水泵"
    assert resolved.events.last().actor == world.operator
    assert services.case_on_work_order_done(work_order) is None  # a second call does nothing


@needs_operations
def test_the_hook_ignores_work_orders_that_did_not_come_from_a_report(world):
    from yima.operations.models import WorkOrder

    work_order = WorkOrder(pk=987654, report_ref="")
    assert services.case_on_work_order_done(work_order) is None


def test_without_field_operations_no_repair_is_offered(world, monkeypatch):
    monkeypatch.setattr(services, "repairs_available", lambda: False)
    case = file_case(world)
    assert "repair" not in selectors.allowed_actions(world.regulator, case)
    with pytest.raises(ValidationError) as exc:
        services.case_open_repair(case=case, actor=world.regulator)
    assert exc.value.messages == [_(services.REPAIRS_UNAVAILABLE)]


def test_a_report_about_no_facility_cannot_open_a_repair(world):
    case = services.case_submit(
        case_type=file_case(world).case_type, description="沟渠发臭", subject="东街口"
    )
    assert "repair" not in selectors.allowed_actions(world.regulator, case)
    with pytest.raises(ValidationError):
        services.case_open_repair(case=case, actor=world.regulator)
