"""A report can open a repair order (yima.operations, when installed); the repair's completion
resolves the report through the hook `case_on_work_order_done`."""

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from yima.cases import selectors, services
from yima.cases.choices import CaseAction, CaseState
from yima.cases.models import Case
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
    resolved = Case.objects.get(pk=case.pk)  # completing the order called the hook
    assert resolved.state == CaseState.RESOLVED
    assert selectors.public_timeline(resolved)[-1].note == "更换了损坏的水泵"
    assert resolved.events.last().actor == world.operator
    assert services.case_on_work_order_done(work_order) is None  # a second call does nothing
    assert resolved.events.filter(action=CaseAction.RESOLVE).count() == 1


@needs_operations
def test_a_report_moves_on_when_the_contractor_completes_its_repair_order_on_the_site(
    world, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The whole path through the pages: a villager reports, the regulator opens a repair order
    from the report, the technician completes it, and the report's public page says so."""
    from yima.operations.models import WorkOrder

    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "ops-private"
    case = file_case(world)
    regulator, operator = client_for("county_regulator"), client_for("operator")
    response = regulator.post(
        f"/cases/{case.tracking}/act/repair/", {"description": "井口溢流，请检修提升泵"}
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(report_ref=case.tracking)
    assert order.description == "井口溢流，请检修提升泵"
    started = operator.post(f"/ops/workorders/{order.pk}/start/", {"start-note": ""})
    assert started.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            f"/ops/workorders/{order.pk}/complete/",
            {"complete-resolution": "更换了提升泵，溢流已停止"},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    page = client_for("public").get(f"/cases/t/{case.tracking}/").content.decode()
    assert "更换了提升泵，溢流已停止" in page
    assert _("Handled, waiting for your evaluation") in page
    steps = [step.title for step in selectors.public_timeline(case)]
    assert steps[-2:] == [_("Repair order opened"), _("Handled")]


@needs_operations
def test_a_repair_completed_after_the_regulator_closed_the_report_is_still_recorded(
    world, settings, tmp_path
):
    from yima.operations import services as ops
    from yima.operations.choices import WorkOrderState
    from yima.operations.models import WorkOrder

    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "ops-private"
    case = services.case_open_repair(case=file_case(world), actor=world.county_regulator)
    work_order = WorkOrder.objects.get(pk=case.work_order_id)
    ops.work_order_start(work_order=work_order, actor=world.operator)
    services.case_close(
        case=case, actor=world.county_regulator, fixed=False, public_note="重复反映，已合并处理"
    )
    done = ops.work_order_complete(
        work_order=work_order, actor=world.operator, resolution="已疏通管道"
    )
    assert done.state == WorkOrderState.DONE
    case.refresh_from_db()
    assert (case.state, case.fixed) == (CaseState.CLOSED, False)


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


@needs_operations
def test_a_report_that_moved_on_while_the_repair_finished_does_not_undo_the_repair(
    world, settings, tmp_path, monkeypatch
):
    """The hook re-checks the report under its row lock; if the regulator moved it on in the
    meantime it refuses, and only the report's step is rolled back."""
    from yima.operations import services as ops
    from yima.operations.choices import WorkOrderState
    from yima.operations.models import WorkOrder

    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "ops-private"
    case = services.case_open_repair(case=file_case(world), actor=world.county_regulator)
    work_order = WorkOrder.objects.get(pk=case.work_order_id)
    ops.work_order_start(work_order=work_order, actor=world.operator)

    def refuse(work_order, *, actor=None):
        raise ValidationError(_(services.BAD_TRANSITION))

    monkeypatch.setattr(services, "case_on_work_order_done", refuse)
    done = ops.work_order_complete(work_order=work_order, actor=world.operator, resolution="修好了")
    assert WorkOrder.objects.get(pk=done.pk).state == WorkOrderState.DONE
    assert Case.objects.get(pk=case.pk).state == CaseState.ASSIGNED
