"""Repair orders: list, page with the steps the viewer may take, opening one, each step."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yima.accounts.scope import scope_for
from yima.operations import selectors, services
from yima.operations.choices import (
    WORK_ORDER_TRANSITIONS,
    WorkOrderAction,
    WorkOrderSource,
    WorkOrderState,
)
from yima.operations.forms import (
    WorkOrderCompleteForm,
    WorkOrderNoteForm,
    WorkOrderOpenForm,
    WorkOrderReopenForm,
)
from yima.operations.models import WorkOrder
from yima.operations.views.common import (
    add_service_errors,
    facility_or_404,
    require_organisation,
    staff_view,
)

STATE_FILTERS = ["active", *WorkOrderState.values, "all"]

# action -> (form class, who may take it: "contractor" or "regulator")
STEPS = {
    WorkOrderAction.START: (WorkOrderNoteForm, "contractor"),
    WorkOrderAction.COMPLETE: (WorkOrderCompleteForm, "contractor"),
    WorkOrderAction.VERIFY: (WorkOrderNoteForm, "regulator"),
    WorkOrderAction.REOPEN: (WorkOrderReopenForm, "regulator"),
}


def _may(user, order: WorkOrder, who: str) -> bool:
    if who == "contractor":
        return order.contractor_id in scope_for(user).contractor_ids
    return selectors.is_facility_regulator(user, order.facility)


def available_steps(user, order: WorkOrder) -> list[str]:
    """The actions this user may take on this order in its current state."""
    return [
        action
        for action, (sources, _target) in WORK_ORDER_TRANSITIONS.items()
        if order.state in sources and _may(user, order, STEPS[action][1])
    ]


@staff_view
def work_order_list(request):
    require_organisation(request)
    require_organisation(request)
    state = request.GET.get("state") or "active"
    if state not in STATE_FILTERS:
        state = "active"
    overdue = request.GET.get("overdue") == "1"
    orders = selectors.work_order_list(
        user=request.user, state=None if state == "all" else state, overdue=overdue
    )
    page = Paginator(orders, 30).get_page(request.GET.get("page"))
    states = [("active", _("Active"))] + list(WorkOrderState.choices) + [("all", _("All"))]
    return render(
        request,
        "operations/work_orders.html",
        {"page": page, "state": state, "states": states, "overdue": overdue},
    )


def _get(request, pk) -> WorkOrder:
    try:
        return selectors.work_order_get(user=request.user, pk=pk)
    except WorkOrder.DoesNotExist:
        raise Http404 from None


def _detail(request, order: WorkOrder, forms: dict | None = None, status: int = 200):
    steps = available_steps(request.user, order)
    forms = forms or {}
    step_forms = [
        (
            action,
            WorkOrderAction(action).label,
            forms.get(action) or STEPS[action][0](prefix=action),
        )
        for action in steps
    ]
    return render(
        request,
        "operations/work_order.html",
        {
            "order": order,
            "facility": order.facility,
            "events": order.events.select_related("actor"),
            "photos": list(order.photos.all()),
            "step_forms": step_forms,
        },
        status=status,
    )


@staff_view
def work_order_detail(request, pk):
    return _detail(request, _get(request, pk))


@staff_view
@require_POST
def work_order_step(request, pk, action):
    order = _get(request, pk)
    if action not in STEPS:
        raise Http404
    form_class, who = STEPS[action]
    if not _may(request.user, order, who):
        message = services.NOT_YOUR_FACILITY if who == "contractor" else services.NOT_IN_SCOPE
        raise PermissionDenied(_(message))
    form = form_class(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == WorkOrderAction.START:
                services.work_order_start(work_order=order, actor=request.user, note=data["note"])
            elif action == WorkOrderAction.COMPLETE:
                services.work_order_complete(
                    work_order=order,
                    actor=request.user,
                    resolution=data["resolution"],
                    photos=data["photos"],
                )
            elif action == WorkOrderAction.VERIFY:
                services.work_order_verify(work_order=order, actor=request.user, note=data["note"])
            else:
                services.work_order_reopen(
                    work_order=order, actor=request.user, reason=data["reason"]
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Work order updated."))
            return redirect("operations:work_order", pk=order.pk)
    return _detail(request, order, {action: form}, status=400)


@staff_view
def work_order_new(request, code):
    """Open a repair order: the facility's contractor (found on site) or a regulator in scope."""
    facility = facility_or_404(request, code)
    if selectors.is_facility_regulator(request.user, facility):
        source = WorkOrderSource.REGULATOR
    elif selectors.is_facility_contractor(request.user, facility):
        source = WorkOrderSource.INSPECTION
    else:
        raise PermissionDenied(_(services.NOT_IN_SCOPE))
    form = WorkOrderOpenForm(request.POST or None, request.FILES or None)
    if source != WorkOrderSource.REGULATOR:
        del form.fields["report_ref"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report_ref = data.get("report_ref", "")
        try:
            order = services.work_order_open(
                facility=facility,
                actor=request.user,
                source=WorkOrderSource.REPORT if report_ref else source,
                description=data["description"],
                priority=data["priority"],
                due_on=data["due_on"],
                report_ref=report_ref,
                photos=data["photos"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Work order opened."))
            return redirect(reverse("operations:work_order", args=[order.pk]))
    return render(request, "operations/work_order_new.html", {"facility": facility, "form": form})
