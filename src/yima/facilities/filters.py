"""The ledger's search, filters and sorting, shared by the list page and the Excel export."""

import re

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.facilities.choices import CapacityClass, Process, Status
from yima.facilities.codes import clean_text
from yima.regions.choices import Level
from yima.regions.models import Region

CAPACITY_BOUNDS = {
    CapacityClass.SMALL: (None, 20),
    CapacityClass.MEDIUM: (20, 100),
    CapacityClass.LARGE: (100, None),
}

# Sort keys as they appear in the URL (?sort=-capacity), the ordering they stand for, and a label.
SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "year": "year_built",
    "-year": "-year_built",
    "capacity": "capacity_m3d",
    "-capacity": "-capacity_m3d",
    "status": "status",
    "-status": "-status",
    "town": "town__code",
    "-town": "-town__code",
}
SORT_LABELS = {
    "code": _("Code"),
    "-code": _("Code (descending)"),
    "name": _("Name"),
    "-name": _("Name (descending)"),
    "year": _("Year built, oldest first"),
    "-year": _("Year built, newest first"),
    "capacity": _("Capacity, smallest first"),
    "-capacity": _("Capacity, largest first"),
    "status": _("Status"),
    "-status": _("Status (descending)"),
    "town": _("Town"),
    "-town": _("Town (descending)"),
}


class LedgerFilterForm(forms.Form):
    """All fields optional; unknown or invalid values are ignored rather than failing the page."""

    q = forms.CharField(label=_("Search"), required=False)
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=Region.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All"),
    )
    town = forms.ModelChoiceField(
        label=_("Town"),
        queryset=Region.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + list(Status.choices), required=False
    )
    process = forms.ChoiceField(
        label=_("Process"), choices=[("", _("All"))] + list(Process.choices), required=False
    )
    contractor = forms.ModelChoiceField(
        label=_("O&M contractor"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    capacity = forms.ChoiceField(
        label=_("Capacity"), choices=[("", _("All"))] + list(CapacityClass.choices), required=False
    )
    sort = forms.ChoiceField(label=_("Sort"), choices=list(SORT_LABELS.items()), required=False)

    def __init__(self, *args, visible: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        counties = Region.objects.filter(level=Level.COUNTY)
        towns = Region.objects.filter(level=Level.TOWN)
        contractors = Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR)
        if visible is not None:
            counties = counties.filter(pk__in=visible.values("county_id"))
            towns = towns.filter(pk__in=visible.values("town_id"))
            contractors = contractors.filter(pk__in=visible.values("contractor_id"))
        county = self.data.get("county") if self.is_bound else None
        if county:
            # Towns follow the chosen county; a town left over from another county is dropped.
            towns = towns.filter(parent__code=county)
        self.fields["county"].queryset = counties
        self.fields["town"].queryset = towns
        self.fields["contractor"].queryset = contractors


def ledger_filter(queryset: QuerySet, data) -> tuple[QuerySet, LedgerFilterForm]:
    """Apply the ledger's search/filter/sort parameters (e.g. request.GET) to a visible queryset."""
    form = LedgerFilterForm(data or None, visible=queryset)
    if not form.is_valid():
        # Keep whatever fields did validate; drop the rest.
        cleaned = {
            k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors
        }
    else:
        cleaned = form.cleaned_data
    qs = queryset
    text = (cleaned.get("q") or "").strip()
    if text:
        compact = "".join(ch for ch in clean_text(text).upper() if ch.isalnum())
        match = (
            Q(name__icontains=text)
            | Q(village__name__icontains=text)
            | Q(town__name__icontains=text)
        )
        if re.fullmatch(r"[0-9]{3,14}[0-9X]", compact):
            # A whole or partial code, typed grouped or not (360121-2019-0019-x, 2019-0019).
            match |= Q(code__contains=compact)
        qs = qs.filter(match)
    if cleaned.get("county"):
        qs = qs.filter(county=cleaned["county"])
    if cleaned.get("town"):
        qs = qs.filter(town=cleaned["town"])
    if cleaned.get("status"):
        qs = qs.filter(status=cleaned["status"])
    if cleaned.get("process"):
        qs = qs.filter(process=cleaned["process"])
    if cleaned.get("contractor"):
        qs = qs.filter(contractor=cleaned["contractor"])
    if cleaned.get("capacity"):
        low, high = CAPACITY_BOUNDS[CapacityClass(cleaned["capacity"])]
        if low is not None:
            qs = qs.filter(capacity_m3d__gte=low)
        if high is not None:
            qs = qs.filter(capacity_m3d__lt=high)
    qs = qs.order_by(SORTS.get(cleaned.get("sort") or "code", "code"), "pk")
    return qs, form
