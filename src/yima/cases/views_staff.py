"""Staff pages: the list of cases (regulators: those in their region; contractors: those
handed to them) with filters, the overdue list, a case's page with the forms of the steps this
user may take, and the reporters' photos.

Gate: a case the user may not see is 404; a step they may not take is 403 (the service says
why). Every step goes through one service function in services.py.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from yima.accounts.scope import scope_for
from yima.cases import forms, selectors, services
from yima.cases.choices import CaseAction
from yima.cases.models import Case
from yima.cases.privacy import redact_phones
from yima.cases.views import _add_errors


@dataclass(frozen=True)
class ActionSpec:
    form: type[forms.ActionForm]
    run: Callable  # (case, actor, cleaned_data) -> Case
    button: Promise
    done: Promise
    danger: bool = False


ACTIONS: dict[str, ActionSpec] = {
    CaseAction.ACCEPT: ActionSpec(
        forms.AcceptForm,
        lambda case, actor, d: services.case_accept(case=case, actor=actor, **d),
        gettext_lazy("Accept"),
        gettext_lazy("Report accepted."),
    ),
    CaseAction.ASSIGN: ActionSpec(
        forms.AssignForm,
        lambda case, actor, d: services.case_assign(case=case, actor=actor, **d),
        gettext_lazy("Hand over"),
        gettext_lazy("Report handed over."),
    ),
    CaseAction.REPAIR: ActionSpec(
        forms.RepairForm,
        lambda case, actor, d: services.case_open_repair(case=case, actor=actor, **d),
        gettext_lazy("Open a repair order"),
        gettext_lazy("Repair order opened and sent to the contractor."),
    ),
    CaseAction.URGE: ActionSpec(
        forms.UrgeForm,
        lambda case, actor, d: services.case_urge(case=case, actor=actor, **d),
        gettext_lazy("Urge"),
        gettext_lazy("The unit has been urged."),
    ),
    CaseAction.REASSIGN: ActionSpec(
        forms.ReassignForm,
        lambda case, actor, d: services.case_reassign(case=case, actor=actor, **d),
        gettext_lazy("Hand to another unit"),
        gettext_lazy("Report handed to another unit."),
    ),
    CaseAction.RESOLVE: ActionSpec(
        forms.ResolveForm,
        lambda case, actor, d: services.case_resolve(case=case, actor=actor, **d),
        gettext_lazy("Mark as handled"),
        gettext_lazy("Report marked as handled. The reporter can now evaluate it."),
    ),
    CaseAction.CLOSE: ActionSpec(
        forms.CloseForm,
        lambda case, actor, d: services.case_close(case=case, actor=actor, **d),
        gettext_lazy("Close the report"),
        gettext_lazy("Report closed."),
    ),
    CaseAction.REJECT: ActionSpec(
        forms.RejectForm,
        lambda case, actor, d: services.case_reject(case=case, actor=actor, **d),
        gettext_lazy("Do not accept"),
        gettext_lazy("Report not accepted."),
        danger=True,
    ),
    CaseAction.REOPEN: ActionSpec(
        forms.ReopenForm,
        lambda case, actor, d: services.case_reopen(case=case, actor=actor, **d),
        gettext_lazy("Reopen the report"),
        gettext_lazy("Report reopened."),
    ),
    CaseAction.HIDE: ActionSpec(
        forms.HideForm,
        lambda case, actor, d: services.case_hide(case=case, actor=actor, **d),
        gettext_lazy("Hide as abusive"),
        gettext_lazy("Report hidden from the public."),
        danger=True,
    ),
    CaseAction.UNHIDE: ActionSpec(
        forms.HideForm,
        lambda case, actor, d: services.case_unhide(case=case, actor=actor, **d),
        gettext_lazy("Show again"),
        gettext_lazy("Report shown to the public again."),
    ),
    CaseAction.NOTE: ActionSpec(
        forms.NoteForm,
        lambda case, actor, d: services.case_note(case=case, actor=actor, **d),
        gettext_lazy("Add note"),
        gettext_lazy("Note added."),
    ),
}


def _require_staff(user) -> None:
    if not scope_for(user).is_staff_member:
        raise PermissionDenied(_("Your account does not belong to a bureau or contractor yet."))


def _visible_case(user, tracking: str) -> Case:
    try:
        return selectors.case_get(user=user, tracking=tracking)
    except Case.DoesNotExist:
        raise Http404 from None


def _optional_url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


# --- Lists ---


@login_required
@require_GET
def case_list(request, *, overdue_only: bool = False):
    _require_staff(request.user)
    form = forms.CaseFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(
        user=request.user,
        state=data.get("state") or "",
        case_type=data.get("case_type"),
        overdue=overdue_only or bool(data.get("overdue")),
        hidden=data.get("hidden") or "",
        query=(data.get("q") or "").strip(),
    )
    page = Paginator(cases, settings.YIMA_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    scope = scope_for(request.user)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "overdue_only": overdue_only,
        "is_regulator": scope.is_regulator,
        "overdue_count": selectors.overdue_cases(user=request.user).count()
        if scope.is_regulator
        else None,
    }
    return render(request, "cases/list.html", context)


# --- A case's page ---


def _render_detail(request, case: Case, *, bound: forms.ActionForm | None = None, status=200):
    user = request.user
    regulator = selectors.regulates(user, case)
    allowed = selectors.allowed_actions(user, case)
    action_forms = []
    for action in allowed:
        spec = ACTIONS[action]
        form = bound if bound is not None and bound.action == action else spec.form(case=case)
        action_forms.append({"action": action, "spec": spec, "form": form})
    context = {
        "case": case,
        "phone": selectors.reporter_phone_for(user, case),
        "is_regulator": regulator,
        # Numbers typed into the text are the reporter's data too: masked for the contractor.
        "description": case.description if regulator else redact_phones(case.description),
        "events": selectors.case_events(case),
        "photos": case.photos.all(),
        "action_forms": action_forms,
        "overdue": case.is_overdue(),
        "public_url": reverse("cases:public", kwargs={"tracking": case.tracking}),
        "facility_url": _optional_url("scan:facility", code=case.facility.code)
        if case.facility_id
        else None,
        "work_order_url": _optional_url("operations:work_order", pk=case.work_order_id)
        if case.work_order_id
        else None,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request, tracking: str):
    case = _visible_case(request.user, tracking)
    return _render_detail(request, case)


@login_required
@require_POST
def case_act(request, tracking: str, action: str):
    """One step on the case: the action's form, then its service."""
    case = _visible_case(request.user, tracking)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, case=case)
    form.action = action
    if form.is_valid():
        try:
            spec.run(case, request.user, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, spec.done)
            return redirect("cases:detail", tracking=case.tracking)
    case = _visible_case(request.user, tracking)
    if action not in selectors.allowed_actions(request.user, case):
        # The form cannot be shown again (e.g. the state moved on): say why at the top.
        for error in form.non_field_errors():
            messages.error(request, error)
    return _render_detail(request, case, bound=form, status=400)


@login_required
@require_GET
def case_photo(request, tracking: str, photo_id: int):
    """A reporter's photo, for staff who may see the case (it is kept outside MEDIA_ROOT)."""
    case = _visible_case(request.user, tracking)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
