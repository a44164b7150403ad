"""Public pages, no account needed: file a report (from the scan page's link), see a report's
page by its tracking number, follow a report by typing its number, and evaluate it.

Nothing private ever reaches these pages: no staff names, no phone numbers, no internal notes
(selectors.public_timeline loads only public fields). Hidden reports do not exist here.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yima.cases import ratelimit, selectors, services
from yima.cases.forms import HONEYPOT_FILLED, EvaluateForm, FollowForm, ReportForm
from yima.cases.models import Case
from yima.cases.privacy import redact_phones
from yima.cases.tracking import format_tracking, normalize
from yima.core.http import client_ip
from yima.facilities.codes import CodeError, parse_code
from yima.facilities.models import Facility

NO_SUCH_REPORT = gettext_noop(
    "There is no report with this number. Please check it, or call the hotline."
)
FILED_KEY = "cases_filed"  # session: tracking numbers filed from this browser


def _client_ip(request) -> str:
    return client_ip(request)


def _filed_here(request, case: Case) -> bool:
    return case.tracking in request.session.get(FILED_KEY, [])


def _remember_filed(request, case: Case) -> None:
    filed = request.session.get(FILED_KEY, [])
    request.session[FILED_KEY] = [case.tracking, *filed][:20]


def _public_url(case: Case) -> str:
    return reverse("cases:public", kwargs={"tracking": case.tracking})


# --- Filing ---


def _facility_for(typed: str) -> Facility:
    compact = parse_code(typed).compact
    return Facility.objects.alive().select_related("town", "village").get(code=compact)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_case(request):
    """`/cases/new/?facility=<code>`: step 1 chooses the problem type, step 2 (`&type=...`)
    describes it. Step 2 first shows open reports of the same type about the same facility
    (the duplicate hint); the reporter may follow one of them or still file."""
    typed_code = request.GET.get("facility", "").strip()
    facility = None
    if typed_code:
        try:
            facility = _facility_for(typed_code)
        except (CodeError, Facility.DoesNotExist):
            return render(request, "cases/facility_unknown.html", {"typed": typed_code}, status=404)
    types = selectors.public_case_types()
    type_code = request.POST.get("case_type") or request.GET.get("type")
    case_type = types.filter(code=type_code).first() if type_code else None
    base = {"facility": facility, "typed_code": typed_code}
    if case_type is None:
        open_cases = selectors.open_cases_for_facility(facility) if facility else []
        return render(
            request,
            "cases/new_choose.html",
            {**base, "types": types, "open_cases": open_cases},
        )

    duplicates = []
    if facility is not None:
        duplicates = list(selectors.duplicate_candidates(facility=facility, case_type=case_type))
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, facility=facility)
        if form.is_robot:
            form.add_error(None, _(HONEYPOT_FILLED))
            status = 400
        elif form.is_valid():
            client_id = form.cleaned_data.get("client_id")
            unseen = [d for d in duplicates if d.tracking not in form.seen_numbers()]
            if client_id is not None and selectors.client_id_recorded(client_id):
                # A copy of a report already filed (a retry): straight to its page.
                unseen = []
            if unseen:
                # Someone filed the same problem while this person was typing: show it first.
                messages.warning(request, _("Someone has just reported the same problem."))
            else:
                try:
                    case = services.case_submit(
                        case_type=form.cleaned_data["case_type"],
                        description=form.cleaned_data["description"],
                        facility=facility,
                        subject=form.cleaned_data.get("subject", ""),
                        reporter_phone=form.cleaned_data["reporter_phone"],
                        photos=form.cleaned_data.get("photos") or [],
                        client_ip=_client_ip(request),
                        client_id=client_id,
                    )
                except ratelimit.RateLimited as exc:
                    form.add_error(None, _(exc.message))
                    status = 429
                except ValidationError as exc:
                    _add_errors(form, exc)
                    status = 400
                else:
                    _remember_filed(request, case)
                    return redirect(_public_url(case) + "?filed=1")
        else:
            status = 400
    else:
        form = ReportForm(
            initial={"case_type": case_type.code, "client_id": uuid.uuid4()}, facility=facility
        )
    context = {
        **base,
        "form": form,
        "case_type": case_type,
        "duplicates": duplicates,
        "seen": ",".join(d.tracking for d in duplicates),
    }
    return render(request, "cases/new_form.html", context, status=status)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, errors)
    else:
        form.add_error(None, error)


# --- A report's public page ---


def _scan_url(case: Case) -> str | None:
    """The facility's scan page, when the scan app provides it."""
    if case.facility_id is None:
        return None
    try:
        return reverse("scan:facility", kwargs={"code": case.facility.code})
    except NoReverseMatch:
        return None


def _not_found(request, typed: str, status: int = 404):
    form = FollowForm(initial={"number": typed})
    context = {"form": form, "not_found": True, "typed": typed}
    return render(request, "cases/follow.html", context, status=status)


def _lookup_limit(request) -> ratelimit.Limit:
    return ratelimit.lookup_limit(_client_ip(request) or "-")


def _render_public(request, case: Case, *, evaluate_form=None, status: int = 200):
    awaiting = selectors.awaiting_evaluation(case)
    filed_here = _filed_here(request, case)
    ask_phone = not filed_here and bool(case.reporter_phone)
    if awaiting and evaluate_form is None:
        evaluate_form = EvaluateForm(ask_phone=ask_phone)
    status_label, tone = selectors.public_status(case)
    context = {
        "case": case,
        "status_label": status_label,
        "tone": tone,
        "steps": selectors.public_timeline(case),
        "overdue": case.is_overdue(),
        "description": redact_phones(case.description),
        "photo_count": case.photos.count(),
        "filed": request.GET.get("filed") == "1" and filed_here,
        "awaiting": awaiting,
        # Without the browser it was filed from or a phone number, nobody can prove to be the
        # reporter: say so instead of showing a form that cannot succeed.
        "can_evaluate": awaiting and (filed_here or bool(case.reporter_phone)),
        "evaluate_form": evaluate_form,
        "facility_url": _scan_url(case),
    }
    response = render(request, "cases/public.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def case_public(request, tracking: str):
    """`/cases/t/<tracking>/`: where the report stands, its public timeline, and evaluation."""
    compact = normalize(tracking)
    if compact is not None and compact != tracking:
        query = request.META.get("QUERY_STRING", "")
        return redirect(reverse("cases:public", args=[compact]) + (f"?{query}" if query else ""))
    limit = _lookup_limit(request)
    try:
        ratelimit.check([limit], ratelimit.TOO_MANY_LOOKUPS)
    except ratelimit.RateLimited as exc:
        messages.error(request, _(exc.message))
        return _not_found(request, tracking, status=429)
    try:
        case = selectors.public_case_get(tracking=tracking)
    except Case.DoesNotExist:
        limit.hit()  # only misses count: guessing numbers runs into the limit
        return _not_found(request, tracking)
    return _render_public(request, case)


@never_cache
@require_POST
def case_evaluate(request, tracking: str):
    """The reporter's evaluation (评) from the public page."""
    limit = _lookup_limit(request)
    try:
        ratelimit.check([limit], ratelimit.TOO_MANY_LOOKUPS)
        case = selectors.public_case_get(tracking=tracking)
    except ratelimit.RateLimited as exc:
        messages.error(request, _(exc.message))
        return _not_found(request, tracking, status=429)
    except Case.DoesNotExist:
        limit.hit()
        return _not_found(request, tracking)
    filed_here = _filed_here(request, case)
    form = EvaluateForm(request.POST, ask_phone=not filed_here and bool(case.reporter_phone))
    if form.is_valid():
        try:
            services.case_evaluate(
                case=case,
                rating=form.cleaned_data["rating"],
                fixed=form.cleaned_data["fixed"] == "yes",
                comment=form.cleaned_data["comment"],
                reporter_phone=form.cleaned_data.get("reporter_phone", ""),
                filed_in_session=filed_here,
            )
        except PermissionDenied as exc:
            limit.hit()  # a wrong phone number counts like a wrong tracking number
            field = "reporter_phone" if "reporter_phone" in form.fields else None
            form.add_error(field, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Thank you for your evaluation."))
            return redirect(_public_url(case))
    case.refresh_from_db()
    return _render_public(request, case, evaluate_form=form, status=400)


# --- Following a report by its number ---


@require_GET
def follow(request):
    """`/cases/follow/?number=...`: type a tracking number (any case, spaces or dashes)."""
    form = FollowForm(request.GET if "number" in request.GET else None)
    status = 200
    if form.is_bound and form.is_valid():
        compact = form.cleaned_data["number"]
        limit = _lookup_limit(request)
        try:
            ratelimit.check([limit], ratelimit.TOO_MANY_LOOKUPS)
        except ratelimit.RateLimited as exc:
            form.add_error("number", _(exc.message))
            status = 429
        else:
            if Case.objects.public().filter(tracking=compact).exists():
                return redirect("cases:public", tracking=compact)
            limit.hit()
            form.add_error(
                "number",
                _(NO_SUCH_REPORT) + " (" + format_tracking(compact) + ")",
            )
            status = 404
    elif form.is_bound:
        status = 400
    return render(request, "cases/follow.html", {"form": form}, status=status)
