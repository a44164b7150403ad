"""Forms for field work. They parse and validate input (photos included); services decide."""

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yima.operations.choices import CoordSystem, Outcome, Pollutant, Priority
from yima.operations.models import ChecklistItem
from yima.operations.photos import process_photos


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; cleaned into ProcessedPhoto objects (validated, resized)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return process_photos(files)


ITEM_OK, ITEM_PROBLEM = "ok", "problem"


class OfflineForm(forms.Form):
    """A form a phone may queue while offline: it carries its own idempotency key."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_id", uuid.uuid4())
        super().__init__(*args, **kwargs)


class InspectionForm(OfflineForm):
    started_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    finished_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    coord_system = forms.ChoiceField(
        choices=[("", "")] + CoordSystem.choices, required=False, widget=forms.HiddenInput
    )
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    accuracy_m = forms.DecimalField(required=False, widget=forms.HiddenInput, min_value=0)
    outcome = forms.ChoiceField(
        label=_("Overall"),
        choices=Outcome.choices,
        initial=Outcome.NORMAL,
        widget=forms.RadioSelect,
    )
    flow_m3d = forms.DecimalField(
        label=_("Daily flow (m³/d)"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Optional: the flow meter's reading of treated water per day."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos"))
    open_work_order = forms.BooleanField(
        label=_("Open a repair order for the problems found"), required=False
    )
    work_order_priority = forms.ChoiceField(
        label=_("Repair priority"), choices=Priority.choices, initial=Priority.NORMAL
    )

    def __init__(self, *args, items: list[ChecklistItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.key}"] = forms.ChoiceField(
                label=item.display_label,
                choices=[(ITEM_OK, _("Normal")), (ITEM_PROBLEM, _("Has a problem"))],
                initial=ITEM_OK,
                widget=forms.RadioSelect,
                # Not required: a page kept offline may predate an item added since.
                required=False,
            )

    def item_fields(self):
        return [self[f"item_{item.key}"] for item in self.items]

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError(_("Latitude and longitude come together."))
        return data

    def answers(self) -> dict[str, bool]:
        """{item key: passed} for the items answered."""
        answers = {}
        for item in self.items:
            value = self.cleaned_data.get(f"item_{item.key}")
            if value in (ITEM_OK, ITEM_PROBLEM):
                answers[item.key] = value == ITEM_OK
        return answers


class SampleForm(OfflineForm):
    lab = forms.CharField(label=_("Laboratory"), max_length=120)
    sampled_at = forms.DateTimeField(
        label=_("Sampled at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    water_temperature_c = forms.DecimalField(
        label=_("Water temperature (°C)"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=-5,
        max_value=60,
        help_text=_("At or below 12 °C the cold-water ammonia limit applies."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for pollutant in Pollutant:
            is_ph = pollutant == Pollutant.PH
            self.fields[pollutant.value] = forms.DecimalField(
                label=pollutant.label if is_ph else f"{pollutant.label} (mg/L)",
                required=False,
                min_value=0,
                max_value=14 if is_ph else None,
                max_digits=4 if is_ph else 9,
                decimal_places=2 if is_ph else 3,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )

    def value_fields(self):
        return [self[p.value] for p in Pollutant]

    def values(self) -> dict:
        return {p.value: self.cleaned_data.get(p.value) for p in Pollutant}


class WorkOrderOpenForm(forms.Form):
    description = forms.CharField(
        label=_("Problem"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="normal")
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to use the default for the priority."),
    )
    report_ref = forms.CharField(label=_("Public report number"), required=False, max_length=40)
    photos = PhotosField(label=_("Photos before repair"))


class WorkOrderCompleteForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    photos = PhotosField(label=_("Photos after repair"))


class WorkOrderNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class WorkOrderReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is reopened"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def photo_limits_help() -> str:
    return _("Up to %(count)s photos, %(mb)s MB each.") % {
        "count": settings.YIMA_PHOTO_MAX_COUNT,
        "mb": settings.YIMA_PHOTO_MAX_MB,
    }
