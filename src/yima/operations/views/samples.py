"""Recording a water sample (works offline) and reading one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yima.operations import selectors, services
from yima.operations.choices import ItemResult, Pollutant
from yima.operations.forms import SampleForm
from yima.operations.models import WaterSample
from yima.operations.views.common import (
    add_service_errors,
    errors_json,
    facility_or_404,
    staff_view,
    wants_json,
)


@staff_view
def record_sample(request, code):
    """The facility's contractor or a regulator in scope records a sample."""
    facility = facility_or_404(request, code)
    if not selectors.may_record_sample(request.user, facility):
        raise PermissionDenied(_(services.NOT_CONTRACTOR_OR_REGULATOR))
    form = SampleForm(
        request.POST or None,
        initial={"sampled_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                sample, created = services.sample_record(
                    facility=facility,
                    actor=request.user,
                    client_id=data["client_id"],
                    lab=data["lab"],
                    sampled_at=data["sampled_at"],
                    values=form.values(),
                    water_temperature_c=data["water_temperature_c"],
                    notes=data["notes"],
                )
            except ValidationError as exc:
                if wants_json(request):
                    return JsonResponse({"ok": False, "errors": errors_json(exc)}, status=400)
                add_service_errors(form, exc)
            else:
                url = reverse("operations:sample", args=[sample.pk])
                if wants_json(request):
                    return JsonResponse(
                        {"ok": True, "created": created, "id": sample.pk, "url": url},
                        status=201 if created else 200,
                    )
                if created:
                    messages.success(request, _("Water sample recorded."))
                else:
                    messages.info(request, _("This sample had already been recorded."))
                return redirect(url)
        elif wants_json(request):
            return JsonResponse({"ok": False, "errors": errors_json(form)}, status=400)
    standard = selectors.standard_for(facility.standard)
    return render(
        request,
        "operations/sample_form.html",
        {
            "facility": facility,
            "form": form,
            "standard": standard,
            "limits": selectors.limits_for(facility.standard, facility.grade),
        },
    )


@staff_view
def sample_detail(request, pk):
    try:
        sample = selectors.sample_list(user=request.user).get(pk=pk)
    except WaterSample.DoesNotExist:
        raise Http404 from None
    results = [
        {
            **r,
            "label": Pollutant(r["pollutant"]).label,
            "result_label": ItemResult(r["result"]).label,
        }
        for r in sample.results
    ]
    return render(
        request,
        "operations/sample.html",
        {
            "sample": sample,
            "facility": sample.facility,
            "results": results,
            "standard": selectors.standard_for(sample.standard),
        },
    )
