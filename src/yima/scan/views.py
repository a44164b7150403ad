"""The scan page `/f/<code>/` with its three faces, typed-code lookup, QR and sign downloads,
and batch printing of signs and labels.

The public face is what a sign's QR code opens for anyone, mostly inside WeChat: rendered on the
server, one small stylesheet, no JavaScript, cached per facility and language (public_cache.py).
Staff whose scope covers the facility get the contractor or regulator face (selectors.faces_for),
and may switch to the public one. An unknown or mistyped code gets a helpful page, never an error.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yima.accounts.scope import scope_for
from yima.facilities.codes import BAD_CHECK, MALFORMED, CodeError, format_code, parse_code
from yima.facilities.models import Facility
from yima.scan import selectors, services
from yima.scan.choices import Face, JobStatus, LabelState, Layout
from yima.scan.forms import CodeLookupForm, PrintForm, ReissueForm
from yima.scan.models import LabelJob
from yima.scan.public_cache import public_face_get, public_face_put
from yima.scan.qr import label_qr, label_state

# --- Looking a code up ---


@require_GET
def lookup(request):
    """`/f/?code=...`: the home page's search box and the form on this page."""
    form = CodeLookupForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("scan:facility", code=form.cleaned_data["code"])
    return render(request, "scan/lookup.html", {"form": form})


def _not_found(request, typed: str, kind: str):
    """The helpful 404: what was wrong with the code and how to look again."""
    messages_by_kind = {"malformed": MALFORMED, "bad_check": BAD_CHECK}
    form = CodeLookupForm(initial={"code": typed})
    context = {"typed": typed, "kind": kind, "message": messages_by_kind.get(kind), "form": form}
    if kind == "unknown":
        context["display_code"] = format_code(typed)
    return render(request, "scan/not_found.html", context, status=404)


@require_GET
def not_found(request, rest: str):
    """Anything else under /f/: the same helpful page."""
    return _not_found(request, rest, "malformed")


# --- The scan page ---


def _canonical(code: str) -> str:
    return reverse("scan:facility", kwargs={"code": code})


def _common_context(facility: Facility, state: str) -> dict:
    return {
        "facility": facility,
        "label_state": state,
        "current_serial": facility.current_label_serial,
        "canonical_path": _canonical(facility.code),
        "inspection": selectors.latest_inspection(facility),
        "sample": selectors.latest_sample(facility),
        "open_reports": selectors.open_reports(facility),
        "States": LabelState,
    }


def _public_context(facility: Facility, state: str) -> dict:
    return {**_common_context(facility, state), "reports": selectors.report_links(facility)}


@require_GET
def facility_page(request, code: str, serial: int | None = None, token: str | None = None):
    """`/f/<code>/` and the label URL `/f/<code>/<serial>-<token>` a sign's QR code carries."""
    try:
        compact = parse_code(code).compact
    except CodeError as exc:
        return _not_found(request, code, exc.kind)
    if compact != code:
        if serial is None:
            return redirect("scan:facility", code=compact)
        return redirect("scan:label", code=compact, serial=serial, token=token)
    if not request.user.is_authenticated:
        return _public_face(request, compact, serial, token)
    try:
        facility = selectors.scan_facility(compact)
    except Facility.DoesNotExist:
        return _not_found(request, compact, "unknown")
    state = label_state(compact, facility.current_label_serial, serial, token)
    faces = selectors.faces_for(request.user, facility)
    face = selectors.choose_face(faces, request.GET.get("face"))
    return _face_response(request, facility, state, faces, face)


def _public_face(request, code: str, serial: int | None, token: str | None):
    """The anonymous public face, served from the cache when it was rendered before."""
    language = get_language()
    entry = public_face_get(code, language)
    if entry is not None:
        state = label_state(code, entry["serial"] or None, serial, token)
        html = entry["pages"].get(state)
        if html is not None:
            return HttpResponse(html)
    try:
        facility = selectors.scan_facility(code)
    except Facility.DoesNotExist:
        return _not_found(request, code, "unknown")
    state = label_state(code, facility.current_label_serial, serial, token)
    html = render_to_string(
        "scan/face_public.html", _public_context(facility, state), request=request
    )
    public_face_put(
        code, language, serial=facility.current_label_serial, state=state, html=html, entry=entry
    )
    return HttpResponse(html)


FACE_TEMPLATES = {
    Face.PUBLIC: "scan/face_public.html",
    Face.CONTRACTOR: "scan/face_contractor.html",
    Face.REGULATOR: "scan/face_regulator.html",
}


def _face_response(request, facility, state, faces, face, *, reissue_form=None, status=200):
    """A face for a logged-in user (never cached: it carries their session and CSRF token)."""
    context = _public_context(facility, state)
    context.update(
        face=face,
        staff_view=True,
        in_scope=len(faces) > 1,
        faces=[
            (f, Face(f).label, f"{_canonical(facility.code)}?{urlencode({'face': f})}")
            for f in faces
        ],
    )
    if face != Face.PUBLIC:
        context.update(
            reissue_form=reissue_form or ReissueForm(),
            site_actions=selectors.site_actions(facility, face),
            work_orders=selectors.open_work_orders(request.user, facility),
            ops_url=selectors.optional_url("operations:facility", code=facility.code),
        )
    if face == Face.CONTRACTOR:
        context.update(
            history=selectors.recent_history(facility),
            inspections=selectors.recent_inspections(request.user, facility),
            my_reports=selectors.reports_for_contractor(context["open_reports"], request.user),
        )
    if face == Face.REGULATOR:
        context.update(
            ledger_fields=selectors.ledger_fields(facility),
            status_history=selectors.status_history(facility),
            label_history=selectors.label_history(facility),
            due=selectors.inspection_due(facility),
            reports_url=selectors.reports_list_url(facility),
            detail_url=selectors.optional_url("facilities:detail", code=facility.code),
            edit_url=selectors.optional_url("facilities:edit", code=facility.code),
        )
    return render(request, FACE_TEMPLATES[face], context, status=status)


def _staff_facility(request, code: str) -> Facility:
    """A facility the logged-in user may see (through the gate), or 404."""
    try:
        compact = parse_code(code).compact
    except CodeError:
        raise Http404 from None
    if not selectors.printable_facilities(request.user).filter(code=compact).exists():
        raise Http404
    return selectors.scan_facility(compact)


@login_required
@require_POST
def reissue(request, code: str):
    """Reissue the facility's label (staff who can see it): the old label becomes "replaced"."""
    facility = _staff_facility(request, code)
    faces = selectors.faces_for(request.user, facility)
    face = selectors.choose_face(faces, request.POST.get("face"))
    if face == Face.PUBLIC:
        raise PermissionDenied
    form = ReissueForm(request.POST)
    if form.is_valid():
        try:
            label = services.label_reissue(
                facility=facility, actor=request.user, reason=form.reason
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Label No. %(serial)s issued. Print the new sign and replace the old one.")
                % {"serial": label.serial},
            )
            return redirect(f"{_canonical(facility.code)}?{urlencode({'face': face})}")
    state = LabelState.NONE
    return _face_response(request, facility, state, faces, face, reissue_form=form, status=400)


# --- Downloads of one facility: QR code (SVG, PNG) and its sign (PDF) ---
# Staff only: the QR code carries the current label's token, and anyone who could download it
# could print a "genuine" label. The public has the sign itself and the typed code.


def _current_label(request, code: str):
    facility = _staff_facility(request, code)
    label = services.label_issue(facility=facility, actor=request.user)
    return facility, label


@login_required
@require_GET
def qr_download(request, code: str, kind: str):
    facility, label = _current_label(request, code)
    qr = label_qr(facility.code, label.serial)
    buffer = io.BytesIO()
    if kind == "svg":
        qr.save(buffer, kind="svg", scale=10, border=4, title=facility.display_code)
        content_type = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=10, border=4)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    name = f"yima-{facility.code}-{label.serial}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def sign_pdf(request, code: str):
    facility, label = _current_label(request, code)
    layout = request.GET.get("layout") if request.GET.get("layout") in Layout.values else "sign"
    buffer = io.BytesIO()
    services.labels_render(
        facilities=Facility.objects.filter(pk=facility.pk),
        layout=layout,
        out=buffer,
        actor=request.user,
    )
    buffer.seek(0)
    name = f"yima-{layout}-{facility.code}-{label.serial}.pdf"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type="application/pdf")


# --- Batch printing ---


def _require_staff(user) -> None:
    if not scope_for(user).is_staff_member:
        raise PermissionDenied(_("Your account does not belong to a bureau or contractor yet."))


PREVIEW = 20


@login_required
@require_GET
def labels(request):
    """Choose a batch (the ledger's filters, or a list of codes) and a layout, then print."""
    _require_staff(request.user)
    facilities, filter_form, bad_codes = selectors.batch_facilities(request.user, request.GET)
    count = facilities.count()
    context = {
        "filter_form": filter_form,
        "print_form": PrintForm(),
        "codes_text": "\n".join(request.GET.getlist("codes") + request.GET.getlist("code")),
        "bad_codes": bad_codes,
        "count": count,
        "preview": facilities[:PREVIEW],
        "more": max(0, count - PREVIEW),
        "query": request.GET.urlencode(),
        "sync_limit": services.sync_limit(),
        "jobs": LabelJob.objects.filter(requested_by=request.user)[:5],
    }
    return render(request, "scan/labels.html", context)


def _describe(form, codes: list[str]) -> str:
    """A short description of the selection, for the job list."""
    cleaned = getattr(form, "cleaned_data", {}) or {}
    parts = [str(v) for k, v in cleaned.items() if v and k != "sort"]
    if codes:
        parts.append(_("%(count)s codes") % {"count": len(codes)})
    return " · ".join(parts) or _("All facilities you can see")


@login_required
@require_POST
def labels_print(request):
    """Print the batch: a direct download when small, a background job when large."""
    _require_staff(request.user)
    data = QueryDict(request.POST.get("query", ""))
    facilities, filter_form, _bad = selectors.batch_facilities(request.user, data)
    form = PrintForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a layout."))
        return redirect(f"{reverse('scan:labels')}?{data.urlencode()}")
    layout = form.cleaned_data["layout"]
    count = facilities.count()
    if count == 0:
        messages.error(request, _("No facilities match this selection."))
        return redirect(f"{reverse('scan:labels')}?{data.urlencode()}")
    if count > services.sync_limit():
        job = services.label_job_request(
            user=request.user,
            facilities=facilities,
            layout=layout,
            description=_describe(filter_form, data.getlist("codes") + data.getlist("code")),
        )
        return redirect("scan:job", job_id=job.pk)
    buffer = io.BytesIO()
    services.labels_render(facilities=facilities, layout=layout, out=buffer, actor=request.user)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"yima-{layout}-{count}.pdf",
        content_type="application/pdf",
    )


def _job(request, job_id) -> LabelJob:
    try:
        return selectors.label_job_for(request.user, job_id)
    except LabelJob.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def job(request, job_id):
    return render(request, "scan/job.html", {"job": _job(request, job_id)})


@login_required
@require_GET
def job_progress(request, job_id):
    """The progress box alone, polled by htmx every two seconds until the job finishes."""
    return render(request, "scan/_job_progress.html", {"job": _job(request, job_id)})


@login_required
@require_GET
def job_download(request, job_id):
    job = _job(request, job_id)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"yima-{job.layout}-{job.total}.pdf",
        content_type="application/pdf",
    )
