"""Forms of the scan app: a typed code, a label reissue, a print batch's layout."""

from django import forms
from django.utils.translation import gettext_lazy as _

from yima.facilities.codes import CodeError, parse_code
from yima.scan.choices import Layout, ReissueReason


class CodeLookupForm(forms.Form):
    """A code typed by hand: grouped or not, lower-case x, full-width digits all accepted."""

    code = forms.CharField(label=_("Facility code"), max_length=60)

    def clean_code(self) -> str:
        try:
            return parse_code(self.cleaned_data["code"]).compact
        except CodeError as exc:
            self.code_error_kind = exc.kind
            raise forms.ValidationError(exc.message, code=exc.kind) from None


class ReissueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Why"), choices=ReissueReason.choices)
    note = forms.CharField(
        label=_("Details"),
        max_length=400,
        required=False,
        help_text=_("For example where the old sign went, or what was wrong with it."),
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ReissueReason.OTHER and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the label is reissued."))
        return cleaned

    @property
    def reason(self) -> str:
        """The reason as stored on the label: the chosen kind in words, then the details."""
        label = str(ReissueReason(self.cleaned_data["kind"]).label)
        note = (self.cleaned_data.get("note") or "").strip()
        return f"{label}: {note}" if note else label


class PrintForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("Layout"), choices=Layout.choices, initial=Layout.SIGN, widget=forms.RadioSelect
    )
