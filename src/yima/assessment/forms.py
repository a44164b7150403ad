"""Forms of the assessment pages: the weights and pass mark (with a required reason)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from yima.assessment.models import AssessmentItem


class WeightsForm(forms.Form):
    """One weight field per item (named by its key), the pass mark and the reason."""

    pass_mark = forms.DecimalField(
        label=_("Pass mark (out of 100)"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=1,
        help_text=_("Below this total the contractor fails; its O&M fee may be suspended."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        help_text=_("Kept in the history with your name, e.g. the bureau's notice number."),
    )

    def __init__(self, *args, items: list[AssessmentItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        weight_fields = {}
        for item in items:
            weight_fields[item.key] = forms.DecimalField(
                label=item.label,
                min_value=Decimal("0"),
                max_digits=6,
                decimal_places=2,
                help_text=item.explanation,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )
        # Weights first, then the pass mark and the reason.
        self.fields = {**weight_fields, **self.fields}

    def weight_fields(self):
        return [self[item.key] for item in self.items]

    def weights(self) -> dict[str, Decimal]:
        return {item.key: self.cleaned_data[item.key] for item in self.items}


class PublishForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
