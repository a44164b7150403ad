"""Excel in and out of the ledger: download what you see, upload a workbook to import."""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from yima.accounts.scope import scope_for
from yima.facilities import excel, tasks
from yima.facilities.filters import ledger_filter
from yima.facilities.models import Facility, ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = (".xlsx", ".xlsm")


@login_required
def ledger_export(request):
    """The ledger list as a workbook: same visibility gate, same search and filters."""
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied
    facilities, _form = ledger_filter(Facility.objects.visible_to(request.user), request.GET)
    # Spooled: small exports stay in memory, large ones go to a temporary file.
    # FileResponse closes it when the response is done.
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    excel.write_ledger(facilities, stream)
    stream.seek(0)
    filename = f"设施台账-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    reason = forms.CharField(
        label=_("Reason (kept in each facility's history)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Annual ledger check 2024")}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(_("Please upload an Excel workbook (.xlsx)."))
        limit = settings.YIMA_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": limit}
            )
        return upload


def _require_regulator(user) -> None:
    if not scope_for(user).is_regulator:
        raise PermissionDenied


@login_required
def ledger_import(request):
    """Upload a workbook; "check" runs a dry run, "import" writes if every row is valid."""
    _require_regulator(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = tasks.import_job_start(
            actor=request.user,
            file=upload,
            original_name=Path(upload.name).name,
            dry_run=request.POST.get("action") != "import",
            reason=form.cleaned_data["reason"],
            language=get_language(),
        )
        return redirect("facilities:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user)[:10]
    return render(
        request,
        "facilities/import_form.html",
        {
            "form": form,
            "jobs": jobs,
            "headers": excel.COLUMNS,
            "export_url": reverse("facilities:export"),
        },
    )


def _job_for(request, pk: int) -> ImportJob:
    """A job is seen only by whoever uploaded it and by administrators (others: 404)."""
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    if job.created_by_id != request.user.pk and not scope_for(request.user).is_admin:
        raise Http404
    return job


@login_required
def import_job(request, pk: int):
    """A job's progress, then its result; htmx polls the status part every second."""
    job = _job_for(request, pk)
    context = {
        "job": job,
        "progress": None if job.is_finished else tasks.job_progress(job),
        "can_apply": (
            job.dry_run
            and job.status == ImportJob.State.DONE
            and not job.errors
            and (job.created_count or job.updated_count)
            and job.created_by_id == request.user.pk
            and scope_for(request.user).is_regulator
        ),
    }
    if request.headers.get("HX-Request"):
        return render(request, "facilities/import_job_status.html", context)
    return render(request, "facilities/import_job.html", context)


@login_required
@require_POST
def import_job_apply(request, pk: int):
    """Import for real a workbook whose check found no errors."""
    job = _job_for(request, pk)
    _require_regulator(request.user)
    if job.created_by_id != request.user.pk or not (
        job.dry_run and job.status == ImportJob.State.DONE and not job.errors
    ):
        raise PermissionDenied
    new_job = tasks.import_job_apply(job=job, actor=request.user)
    return redirect("facilities:import_job", pk=new_job.pk)
