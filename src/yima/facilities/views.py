"""Ledger pages for staff: the list, a facility's page, and the forms that change the ledger.

Every page goes through the visibility gate: a facility the user cannot see is 404, one they
can see but not change is 403. Writes go through services.py, which records who and why.
"""

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yima.accounts.scope import scope_for
from yima.facilities import selectors, services
from yima.facilities.choices import STATUS_TRANSITIONS
from yima.facilities.codes import CodeError, parse_code
from yima.facilities.filters import SORTS, LedgerFilterForm, ledger_filter
from yima.facilities.forms import (
    FacilityDeleteForm,
    FacilityEditForm,
    FacilityRegisterForm,
    StatusChangeForm,
)
from yima.facilities.models import Facility
from yima.regions.choices import Level

# Column headers of the list: (sort key or None, label, CSS class).
COLUMNS = (
    ("code", gettext_lazy("Facility code"), ""),
    ("name", gettext_lazy("Name"), ""),
    ("town", gettext_lazy("Location"), ""),
    ("capacity", gettext_lazy("Capacity (m³/d)"), "num"),
    (None, gettext_lazy("Process"), "minor"),
    ("year", gettext_lazy("Built"), "minor num"),
    ("status", gettext_lazy("Status"), ""),
    (None, gettext_lazy("O&M contractor"), "minor"),
)


def _url_or_none(name: str) -> str | None:
    """A URL that another part of the ledger provides, or None while it does not exist."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _require_staff(user) -> None:
    if not scope_for(user).is_staff_member:
        raise PermissionDenied(_("Your account does not belong to a bureau or contractor yet."))


def _compact(code: str) -> str:
    try:
        return parse_code(code).compact
    except CodeError:
        raise Http404 from None


def _visible_facility(user, code: str) -> Facility:
    try:
        return selectors.facility_get(user=user, code=_compact(code))
    except Facility.DoesNotExist:
        raise Http404 from None


def _editable_facility(user, code: str) -> Facility:
    facility = _visible_facility(user, code)
    if not selectors.can_edit(user, facility):
        raise PermissionDenied(_("Only the regulator responsible may change this facility."))
    return facility


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _filter_query(params):
    """The list's query without the page number or empty fields (for page and sort links)."""
    query = params.copy()
    for key in list(query):
        if key == "page" or not any(v.strip() for v in query.getlist(key)):
            del query[key]
    return query


@login_required
def facility_list(request):
    _require_staff(request.user)
    facilities, form = ledger_filter(selectors.facility_list(user=request.user), request.GET)
    page = Paginator(facilities, settings.YIMA_PAGE_SIZE).get_page(request.GET.get("page"))
    query = _filter_query(request.GET)
    sort = query.get("sort") if query.get("sort") in SORTS else "code"
    columns = []
    for key, label, css in COLUMNS:
        column = {"label": label, "css": css, "key": key, "direction": None, "query": None}
        if key:
            column["direction"] = "asc" if sort == key else "desc" if sort == "-" + key else None
            sort_query = query.copy()
            sort_query["sort"] = "-" + key if sort == key else key
            column["query"] = sort_query.urlencode()
        columns.append(column)
    may_register = scope_for(request.user).is_regulator
    form.fields["county"].widget.attrs.update(
        {"hx-get": reverse("facilities:filter_towns"), "hx-target": "#id_town"}
    )
    return render(
        request,
        "facilities/list.html",
        {
            "form": form,
            "page": page,
            "facilities": page.object_list,
            "columns": columns,
            "query": query,
            "filtered": any(k != "sort" for k in query),
            "export_url": _url_or_none("facilities:export"),
            "import_url": _url_or_none("facilities:import") if may_register else None,
            "may_register": may_register,
        },
    )


@login_required
@require_GET
def filter_town_options(request):
    """htmx: the town filter's options for the chosen county (towns with visible facilities)."""
    _require_staff(request.user)
    form = LedgerFilterForm(request.GET, visible=selectors.facility_list(user=request.user))
    return render(request, "facilities/_options.html", {"field": form["town"]})


@login_required
@require_GET
def region_options(request, level: str):
    """htmx: the towns of a county or the villages of a town that the user may register in."""
    if not scope_for(request.user).is_regulator:
        raise PermissionDenied
    parent = request.GET.get("county" if level == Level.TOWN else "town") or None
    regions = (
        selectors.regions_for_edit(request.user, level=level, parent_code=parent)
        if parent
        else None
    )
    empty_label = _("(none)") if level == Level.VILLAGE else _("Choose…")
    return render(
        request,
        "facilities/_region_options.html",
        {"regions": regions, "empty_label": empty_label, "reset_villages": level == Level.TOWN},
    )


@login_required
def facility_detail(request, code: str):
    compact = _compact(code)
    if compact != code:
        return redirect("facilities:detail", code=compact, permanent=True)
    facility = _visible_facility(request.user, compact)
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "can_edit": selectors.can_edit(request.user, facility),
            "status_changes": selectors.facility_status_changes(facility),
            "history": selectors.facility_history(facility),
        },
    )


def _form_page(request, form, *, facility=None, title):
    return render(
        request,
        "facilities/form.html",
        {"form": form, "facility": facility, "title": title},
    )


@login_required
def facility_create(request):
    if not scope_for(request.user).is_regulator:
        raise PermissionDenied(_("Only regulators register facilities."))
    title = _("Register a facility")
    if request.method != "POST":
        return _form_page(request, FacilityRegisterForm(user=request.user), title=title)
    if "_refresh" in request.POST:
        form = FacilityRegisterForm(initial=request.POST.dict(), user=request.user)
        return _form_page(request, form, title=title)
    form = FacilityRegisterForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            facility = services.facility_register(actor=request.user, **form.service_fields())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Registered. The facility's code is %(code)s.") % {"code": facility.display_code},
            )
            return redirect("facilities:detail", code=facility.code)
    return _form_page(request, form, title=title)


@login_required
def facility_edit(request, code: str):
    facility = _editable_facility(request.user, code)
    title = _("Edit %(name)s") % {"name": facility.name}
    # The form works on a copy: a rejected edit must not touch the facility we pass the service.
    instance = copy.copy(facility)
    if request.method != "POST":
        form = FacilityEditForm(instance=instance, user=request.user)
        return _form_page(request, form, facility=facility, title=title)
    if "_refresh" in request.POST:
        form = FacilityEditForm(initial=request.POST.dict(), instance=instance, user=request.user)
        return _form_page(request, form, facility=facility, title=title)
    form = FacilityEditForm(request.POST, instance=instance, user=request.user)
    if form.is_valid():
        changed = form.changed_fields()
        if not changed:
            messages.info(request, _("Nothing was changed."))
            return redirect("facilities:detail", code=facility.code)
        try:
            services.facility_update(
                facility=facility,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                **{name: form.cleaned_data[name] for name in changed},
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("facilities:detail", code=facility.code)
    return _form_page(request, form, facility=facility, title=title)


@login_required
def facility_status(request, code: str):
    facility = _editable_facility(request.user, code)
    if not STATUS_TRANSITIONS[facility.status]:
        messages.info(request, _("A decommissioned facility keeps its status and its code."))
        return redirect("facilities:detail", code=facility.code)
    form = StatusChangeForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.facility_change_status(
                facility=facility, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Status changed to “%(status)s”.") % {"status": change.get_to_status_display()},
            )
            return redirect("facilities:detail", code=facility.code)
    return render(request, "facilities/status_form.html", {"form": form, "facility": facility})


@login_required
def facility_delete(request, code: str):
    facility = _editable_facility(request.user, code)
    form = FacilityDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.facility_delete(
            facility=facility, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("%(name)s (%(code)s) was removed from the ledger. Its code will not be reused.")
            % {"name": facility.name, "code": facility.display_code},
        )
        return redirect("facilities:list")
    return render(request, "facilities/delete_confirm.html", {"form": form, "facility": facility})
