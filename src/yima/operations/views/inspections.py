"""The facility's field page, the inspection form (works offline) and inspection pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yima.operations import selectors, services
from yima.operations.forms import InspectionForm, photo_limits_help
from yima.operations.models import Inspection, InspectionPhoto, WorkOrderPhoto
from yima.operations.views.common import (
    add_service_errors,
    errors_json,
    facility_or_404,
    staff_view,
    wants_json,
)


@staff_view
def facility_page(request, code):
    """What field staff and regulators see of one facility: state, schedule, recent work."""
    facility = facility_or_404(request, code)
    schedule = selectors.inspection_schedule(user=request.user).filter(pk=facility.pk).first()
    context = {
        "facility": facility,
        "state": selectors.facility_operating_state(facility),
        "schedule": schedule,
        "schedule_state": selectors.schedule_state(schedule.due_at) if schedule else None,
        "inspections": selectors.inspection_list(user=request.user, facility=facility)[:10],
        "samples": selectors.sample_list(user=request.user, facility=facility)[:5],
        "work_orders": selectors.work_order_list(user=request.user, facility=facility)[:10],
        "may_inspect": selectors.is_facility_contractor(request.user, facility),
        "may_sample": selectors.may_record_sample(request.user, facility),
    }
    return render(request, "operations/facility.html", context)


@staff_view
def inspect(request, code):
    """Start and submit an inspection. Only the facility's contractor may (403 for others who
    can see the facility). The phone may queue the POST while offline; see static ops.js."""
    facility = facility_or_404(request, code)
    if not selectors.is_facility_contractor(request.user, facility):
        raise PermissionDenied(_(services.NOT_YOUR_FACILITY))
    items = selectors.checklist_for(facility.process)
    form = InspectionForm(request.POST or None, request.FILES or None, items=items)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection, created = services.inspection_record(
                    facility=facility,
                    actor=request.user,
                    client_id=data["client_id"],
                    answers=form.answers(),
                    outcome=data["outcome"],
                    notes=data["notes"],
                    started_at=data["started_at"],
                    finished_at=data["finished_at"],
                    coord_system=data["coord_system"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    accuracy_m=data["accuracy_m"],
                    flow_m3d=data["flow_m3d"],
                    photos=data["photos"],
                    open_work_order=data["open_work_order"],
                    work_order_priority=data["work_order_priority"],
                )
            except ValidationError as exc:
                if wants_json(request):
                    return JsonResponse({"ok": False, "errors": errors_json(exc)}, status=400)
                add_service_errors(form, exc)
            else:
                url = reverse("operations:inspection", args=[inspection.pk])
                if wants_json(request):
                    return JsonResponse(
                        {"ok": True, "created": created, "id": inspection.pk, "url": url},
                        status=201 if created else 200,
                    )
                if created:
                    messages.success(request, _("Inspection recorded."))
                else:
                    messages.info(request, _("This inspection had already been recorded."))
                return redirect(url)
        elif wants_json(request):
            return JsonResponse({"ok": False, "errors": errors_json(form)}, status=400)
    return render(
        request,
        "operations/inspect.html",
        {"facility": facility, "form": form, "photo_help": photo_limits_help()},
    )


@staff_view
def inspection_detail(request, pk):
    try:
        inspection = selectors.inspection_get(user=request.user, pk=pk)
    except Inspection.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "operations/inspection.html",
        {
            "inspection": inspection,
            "facility": inspection.facility,
            "photos": list(inspection.photos.all()),
            "work_orders": list(inspection.work_orders.all()),
        },
    )


@staff_view
def photo(request, kind, pk):
    """A photo original, for staff who can see its inspection or work order; 404 otherwise."""
    if kind == "inspection":
        visible = selectors.inspection_list(user=request.user)
        row = InspectionPhoto.objects.filter(pk=pk, inspection__in=visible.values("pk")).first()
    elif kind == "workorder":
        visible = selectors.work_order_list(user=request.user)
        row = WorkOrderPhoto.objects.filter(pk=pk, work_order__in=visible.values("pk")).first()
    else:
        row = None
    if row is None:
        raise Http404
    try:
        handle = row.original.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
