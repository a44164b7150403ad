"""Forms: the public report form, following and evaluating a report, the staff list filters
and one small form per staff action. Forms only parse input; services decide."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from yima.cases import selectors
from yima.cases.choices import CaseState
from yima.cases.models import DESCRIPTION_MAX, CaseType
from yima.cases.photos import clean_photos
from yima.cases.privacy import normalize_phone
from yima.cases.tracking import normalize

BAD_TRACKING = gettext_noop(
    "A tracking number has 8 letters and digits, like K7MQ-3XWP (it never contains 0, O, 1, I "
    "or L). Please check it."
)
HONEYPOT_FILLED = gettext_noop("Your report could not be sent. Please try again.")
NOTE_MAX = 2000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("allow_empty_file", True)  # clean_photos names an empty file
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    """The public's report. `facility` is given by the page (from the scan page's link); a
    report about no facility must say where the problem is."""

    case_type = forms.ModelChoiceField(
        queryset=CaseType.objects.none(), to_field_name="code", widget=forms.HiddenInput
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _(
                    "For example: sewage is coming out next to the manhole cover, for two days now."
                ),
            }
        ),
    )
    subject = forms.CharField(
        label=_("Where is it?"),
        max_length=200,
        required=False,
        help_text=_("Village, group, road or a landmark nearby."),
    )
    photos = MultipleFileField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to %(count)s photos. Location data in the photos is removed."),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone number (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 1234 5678"}
        ),
        help_text=_(
            "Only the environment bureau sees it, to reach you about this report (the contractor "
            "sees it partly hidden). It is deleted %(days)s days after the report is closed."
        ),
    )
    # Honeypot: hidden from people, filled in by form-filling robots.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    # Tracking numbers of the open reports this person was shown (the duplicate hint).
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    # Drawn when the form is shown: sending it twice (a double click, a retry after a dropped
    # connection) files one report.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, facility=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility
        self.fields["case_type"].queryset = selectors.public_case_types()
        self.fields["photos"].help_text = self.fields["photos"].help_text % {
            "count": settings.YIMA_CASE_PHOTO_MAX_COUNT
        }
        self.fields["reporter_phone"].help_text = self.fields["reporter_phone"].help_text % {
            "days": settings.YIMA_CASE_PHONE_RETENTION_DAYS
        }
        if facility is None:
            self.fields["subject"].required = True
        else:
            del self.fields["subject"]
        if not settings.YIMA_CASE_PHOTO_MAX_COUNT:
            del self.fields["photos"]

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def clean_reporter_phone(self) -> str:
        typed = self.cleaned_data["reporter_phone"].strip()
        if typed and normalize_phone(typed) is None:
            from yima.cases.services import BAD_PHONE

            raise ValidationError(_(BAD_PHONE))
        return typed

    def clean_photos(self):
        return clean_photos(self.cleaned_data.get("photos") or [])

    def seen_numbers(self) -> set[str]:
        return set(filter(None, (self.cleaned_data.get("seen") or "").split(",")))


class FollowForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "K7MQ-3XWP",
            }
        ),
    )

    def clean_number(self) -> str:
        compact = normalize(self.cleaned_data["number"])
        if compact is None:
            raise ValidationError(_(BAD_TRACKING))
        return compact


RATING_CHOICES = [
    (5, _("Very satisfied")),
    (4, _("Satisfied")),
    (3, _("So-so")),
    (2, _("Dissatisfied")),
    (1, _("Very dissatisfied")),
]
FIXED_CHOICES = [("yes", _("Yes, it is fixed")), ("no", _("No, not fixed"))]


class EvaluateForm(forms.Form):
    fixed = forms.ChoiceField(
        label=_("Is the problem fixed?"), choices=FIXED_CHOICES, widget=forms.RadioSelect
    )
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the handling?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reporter_phone = forms.CharField(
        label=_("The phone number you left with the report"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("So we know you are the person who reported it."),
    )

    def __init__(self, *args, ask_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_phone:
            del self.fields["reporter_phone"]


# --- Staff ---


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("open", _("Open (not yet handled)")), *CaseState.choices],
    )
    case_type = forms.ModelChoiceField(
        label=_("Problem type"),
        required=False,
        queryset=CaseType.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    hidden = forms.ChoiceField(
        label=_("Hidden reports"),
        required=False,
        choices=[("", _("Leave out")), ("all", _("Include")), ("only", _("Only hidden"))],
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Tracking number, facility, place")}),
    )


def _note(label, *, required=False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


PUBLIC_NOTE_HELP = _("Shown to the reporter on the public page.")
INTERNAL_NOTE_HELP = _("Staff only.")


class ActionForm(forms.Form):
    """A staff action's form; `case` lets a form preset or narrow its choices."""

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case


class AcceptForm(ActionForm):
    public_note = _note(_("Note to the reporter"), help_text=PUBLIC_NOTE_HELP)
    internal_note = _note(_("Internal note"), help_text=INTERNAL_NOTE_HELP)


class UrgeForm(AcceptForm):
    pass


class AssignForm(ActionForm):
    assignee = forms.ModelChoiceField(label=_("Hand to"), queryset=None)
    public_note = _note(_("Note to the reporter"), help_text=PUBLIC_NOTE_HELP)
    internal_note = _note(_("Instructions for the unit"), help_text=INTERNAL_NOTE_HELP)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["assignee"].queryset = selectors.assignable_units()
        if case is not None and case.facility_id and case.facility.contractor_id:
            self.fields["assignee"].initial = case.facility.contractor_id


class ReassignForm(ActionForm):
    assignee = forms.ModelChoiceField(label=_("Hand to"), queryset=None)
    reason = _note(_("Why"), required=True, help_text=INTERNAL_NOTE_HELP)
    public_note = _note(_("Note to the reporter"), help_text=PUBLIC_NOTE_HELP)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        units = selectors.assignable_units()
        if case is not None and case.assignee_id:
            units = units.exclude(pk=case.assignee_id)
        self.fields["assignee"].queryset = units


class ResolveForm(ActionForm):
    public_note = _note(_("What was done"), required=True, help_text=PUBLIC_NOTE_HELP)
    internal_note = _note(_("Internal note"), help_text=INTERNAL_NOTE_HELP)


class CloseForm(ActionForm):
    fixed = forms.BooleanField(label=_("The problem is fixed"), required=False)
    public_note = _note(
        _("Note to the reporter"),
        help_text=_("Required when closing without a fix: tell the reporter why."),
    )
    internal_note = _note(_("Internal note"), help_text=INTERNAL_NOTE_HELP)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["fixed"].initial = case is not None and case.state == CaseState.RESOLVED


class RejectForm(ActionForm):
    reason = _note(_("Reason"), required=True, help_text=PUBLIC_NOTE_HELP)
    internal_note = _note(_("Internal note"), help_text=INTERNAL_NOTE_HELP)


class ReopenForm(RejectForm):
    pass


class HideForm(ActionForm):
    reason = _note(_("Reason"), required=True, help_text=INTERNAL_NOTE_HELP)


class NoteForm(ActionForm):
    note = _note(_("Note"), required=True, help_text=INTERNAL_NOTE_HELP)


class RepairForm(ActionForm):
    description = _note(
        _("What needs repairing"),
        help_text=_("Sent to the contractor as the repair order; empty: the report's text."),
    )
