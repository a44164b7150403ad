"""Ledger forms. They parse and check input; the writes themselves go through services.py."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.facilities import selectors
from yima.facilities.choices import STATUS_TRANSITIONS, Status
from yima.facilities.models import Facility
from yima.facilities.services import EDITABLE_FIELDS
from yima.regions import geo
from yima.regions.choices import Level
from yima.regions.models import Region

# simple-history keeps the reason in a 100-character column.
REASON_MAX_LENGTH = 100

TOWN_NOT_IN_COUNTY = _("This town does not belong to the chosen county.")
VILLAGE_NOT_IN_TOWN = _("This village does not belong to the chosen town.")
COORDINATES_BOTH = _("Give both longitude and latitude, or neither.")
COORDINATES_OUTSIDE = _("These coordinates lie outside %(county)s.")
DATE_IN_FUTURE = _("The date cannot be in the future.")
DEMO_NAME = _("%(name)s (demo)")
DATE_BEFORE_STATUS = _("The date cannot be before the current status began (%(since)s).")


REASON_LABEL = _("Reason for this change")


def reason_field(label=REASON_LABEL, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        **kwargs,
    )


def field_label(name: str):
    return capfirst(Facility._meta.get_field(name).verbose_name)


class RegionChoiceField(forms.ModelChoiceField):
    """A region dropdown keyed by the 12-digit code; generated demo names say so."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Region.objects.none(), to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Region) -> str:
        return DEMO_NAME % {"name": obj.name} if obj.is_demo else obj.name


class FacilityForm(forms.ModelForm):
    """Register or edit a facility. Region dropdowns only offer the user's regulator scope.

    Town and village lists depend on the county and town chosen: htmx refreshes them in the
    browser, and without JavaScript the "Update lists" button re-renders the form.
    """

    county = RegionChoiceField(label=field_label("county"), empty_label=_("Choose…"))
    town = RegionChoiceField(label=field_label("town"), empty_label=_("Choose…"))
    village = RegionChoiceField(
        label=field_label("village"), required=False, empty_label=_("(none)")
    )

    class Meta:
        model = Facility
        fields = EDITABLE_FIELDS
        widgets = {
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "capacity_m3d": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        }

    def __init__(self, *args, user, **kwargs):
        given = kwargs.get("initial") or {}
        super().__init__(*args, **kwargs)
        self.fields["contractor"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CONTRACTOR, is_active=True
        )
        self.fields["contractor"].empty_label = _("(none)")
        for name in ("process", "grade"):
            self.fields[name].choices = [("", _("Choose…")), *self.fields[name].choices[1:]]
        self.fields["longitude"].widget.attrs["placeholder"] = "115.944000"
        self.fields["latitude"].widget.attrs["placeholder"] = "28.546000"
        counties = selectors.regions_for_edit(user, level=Level.COUNTY)
        if self.instance.pk:
            for name in ("county", "town", "village"):
                if name not in given:  # the form holds codes, model_to_dict gave primary keys
                    region = getattr(self.instance, name)
                    self.initial[name] = region.code if region else None
        elif not self.is_bound and "county" not in self.initial:
            # A county bureau has one county: choose it for them.
            only = list(counties[:2])
            if len(only) == 1:
                self.initial["county"] = only[0].code
        county_code, town_code = self._chosen("county"), self._chosen("town")
        self.fields["county"].queryset = counties
        self.fields["town"].queryset = (
            selectors.regions_for_edit(user, level=Level.TOWN, parent_code=county_code)
            if county_code
            else Region.objects.none()
        )
        self.fields["village"].queryset = (
            selectors.regions_for_edit(user, level=Level.VILLAGE, parent_code=town_code)
            if town_code
            else Region.objects.none()
        )
        # With JavaScript, htmx reloads the dependent lists as soon as a choice changes.
        self.fields["county"].widget.attrs.update(
            {"hx-get": reverse("facilities:town_options"), "hx-target": "#id_town"}
        )
        self.fields["town"].widget.attrs.update(
            {"hx-get": reverse("facilities:village_options"), "hx-target": "#id_village"}
        )

    def _chosen(self, name: str) -> str | None:
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return value or None

    def clean(self):
        cleaned = super().clean()
        county, town, village = (cleaned.get(k) for k in ("county", "town", "village"))
        if county and town and town.parent_id != county.pk:
            self.add_error("town", TOWN_NOT_IN_COUNTY)
        if town and village and village.parent_id != town.pk:
            self.add_error("village", VILLAGE_NOT_IN_TOWN)
        lon, lat = cleaned.get("longitude"), cleaned.get("latitude")
        if (lon is None) != (lat is None) and not {"longitude", "latitude"} & set(self.errors):
            self.add_error("latitude" if lat is None else "longitude", COORDINATES_BOTH)
        elif (
            county
            and lon is not None
            and lat is not None
            and geo.county_contains(county.code, lon, lat) is False
        ):
            self.add_error("longitude", COORDINATES_OUTSIDE % {"county": county.name})
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned values, named as the ledger services take them."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class FacilityRegisterForm(FacilityForm):
    """Registration also sets the starting status (a facility may be entered while planned)."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.IN_SERVICE)

    class Meta(FacilityForm.Meta):
        fields = (*EDITABLE_FIELDS, "status")

    def service_fields(self) -> dict:
        return {**super().service_fields(), "status": self.cleaned_data["status"]}


class FacilityEditForm(FacilityForm):
    reason = reason_field(help_text=_("Kept in the facility's history, e.g. “survey of 2024”."))

    def changed_fields(self) -> list[str]:
        return [name for name in self.changed_data if name in EDITABLE_FIELDS]


class StatusChangeForm(forms.Form):
    """Move a facility to one of the statuses its current one may be followed by."""

    to_status = forms.ChoiceField(label=_("New status"))
    effective_on = forms.DateField(
        label=_("Effective on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = reason_field()

    def __init__(self, *args, facility: Facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility
        allowed = STATUS_TRANSITIONS[facility.status]
        self.fields["to_status"].choices = [(s.value, s.label) for s in Status if s in allowed]
        self.fields["effective_on"].initial = timezone.localdate

    def clean_effective_on(self):
        value = self.cleaned_data["effective_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(DATE_IN_FUTURE)
        since = self.facility.status_since
        if since and value < since:
            raise forms.ValidationError(DATE_BEFORE_STATUS % {"since": since.isoformat()})
        return value


class FacilityDeleteForm(forms.Form):
    reason = reason_field(
        label=_("Why is this entry being deleted?"),
        help_text=_("For example: registered twice, or entered by mistake."),
    )
