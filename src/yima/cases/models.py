"""The case engine: types of problems, cases (public reports first, later council items and
appeals), the log of every step taken on a case, and the photos reporters attach.

A case concerns a facility, a place (free text with optional coordinates), or nothing in
particular. Its `region` decides which regulator handles it: the facility's village or town
when there is one. The log (CaseEvent) is the case's history: every transition writes one row
with who, when, the public note the reporter sees and the internal note only staff see.
"""

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yima.cases.choices import (
    OPEN_STATES,
    PUBLIC_ACTIONS,
    CaseAction,
    CaseChannel,
    CaseDomain,
    CaseState,
)
from yima.cases.tracking import format_tracking
from yima.core.i18n import in_language
from yima.core.storage import StorageAlias

DESCRIPTION_MAX = 4000


def default_accept_days() -> int:
    return settings.YIMA_CASE_ACCEPT_DAYS


def default_resolve_days() -> int:
    return settings.YIMA_CASE_RESOLVE_DAYS


class CaseType(models.Model):
    """A kind of problem the public can report (editable data), with the deadlines promised
    for it and guidance shown while choosing. `code` is the Open311 service_code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    domain = models.CharField(
        _("domain"), max_length=20, choices=CaseDomain.choices, default=CaseDomain.FACILITY
    )
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    guidance = models.TextField(_("guidance (Chinese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    accept_days = models.PositiveSmallIntegerField(
        _("accept within (days)"),
        default=default_accept_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    resolve_days = models.PositiveSmallIntegerField(
        _("resolve within (days)"),
        default=default_resolve_days,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("offered to the public"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem type")
        verbose_name_plural = _("problem types")
        ordering = ["domain", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolve_days__gte=models.F("accept_days")),
                name="casetype_resolve_after_accept",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the current language (Chinese unless English is chosen and given)."""
        return in_language(self.name, self.name_en)

    @property
    def help_text(self) -> str:
        return in_language(self.guidance, self.guidance_en)


class CaseQuerySet(models.QuerySet):
    def public(self):
        """Cases the public may see and that count in public figures: not hidden."""
        return self.filter(hidden_at__isnull=True)

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def visible_to(self, user):
        """The one visibility gate for staff pages, lists, exports and the API."""
        from yima.cases.selectors import case_visibility_q

        q = case_visibility_q(user)
        return self.none() if q is None else self.filter(q)

    def regulated_by(self, user):
        """Cases whose handling `user` directs: regulators whose region covers the case."""
        from yima.cases.selectors import case_regulator_q

        q = case_regulator_q(user)
        return self.none() if q is None else self.filter(q)

    def overdue(self, now=None):
        from yima.cases.selectors import overdue_q

        return self.filter(overdue_q(now))


class Case(models.Model):
    """One report (or, later, council item or appeal) and where its handling stands.

    Deadlines are fixed when the case arrives (deadlines.py) and never move, so the on-time
    rate stays honest; a reopened case past its deadline is simply overdue. `concluded_at` is
    when it was last resolved or closed (cleared on reopening). The reporter's phone number is
    kept out of the change history so that purging it really deletes it.
    """

    tracking = models.CharField(_("tracking number"), max_length=8, unique=True, editable=False)
    # Sent with the report (the web form's hidden field, Open311's client_id): a retried
    # submission finds the case its first copy created. Empty on reports filed before it existed.
    client_id = models.UUIDField(
        _("client id"), unique=True, null=True, blank=True, editable=False, default=None
    )
    case_type = models.ForeignKey(
        CaseType, verbose_name=_("problem type"), on_delete=models.PROTECT, related_name="cases"
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=CaseChannel.choices, default=CaseChannel.WEB
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Decides which regulator handles the case."),
    )
    subject = models.CharField(
        _("place or subject"), max_length=200, blank=True, help_text=_("Where, or what about.")
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("73")), MaxValueValidator(Decimal("136"))],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("3")), MaxValueValidator(Decimal("54"))],
    )
    description = models.TextField(
        _("description"), validators=[MaxLengthValidator(DESCRIPTION_MAX)]
    )
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    contact_purged_at = models.DateTimeField(_("phone number deleted"), null=True, blank=True)

    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.SUBMITTED
    )
    assignee = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    accept_due_at = models.DateTimeField(_("to be accepted by"))
    resolve_due_at = models.DateTimeField(_("to be resolved by"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    fixed = models.BooleanField(
        _("problem fixed"), null=True, blank=True, help_text=_("Set when the case is closed.")
    )
    urge_count = models.PositiveSmallIntegerField(_("times urged"), default=0)
    accept_overdue_flagged_at = models.DateTimeField(
        _("acceptance overdue flagged"), null=True, blank=True
    )
    resolve_overdue_flagged_at = models.DateTimeField(
        _("resolution overdue flagged"), null=True, blank=True
    )
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=500, blank=True)
    work_order_id = models.PositiveBigIntegerField(
        _("repair order"),
        null=True,
        blank=True,
        help_text=_("The field-operations work order opened for this case, if any."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["reporter_phone", "updated_at", "client_id"])
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tracking__regex=r"^[2-9A-HJKMNP-TV-Z]{8}$"),
                name="case_tracking_format",
            ),
            models.CheckConstraint(
                condition=models.Q(resolve_due_at__gte=models.F("accept_due_at")),
                name="case_resolve_due_after_accept_due",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="assigned") | models.Q(assignee__isnull=False),
                name="case_assigned_has_assignee",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "resolve_due_at"], name="case_state_due"),
            models.Index(fields=["facility", "state"], name="case_facility_state"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            models.Index(fields=["region", "state"], name="case_region_state"),
        ]

    def __str__(self) -> str:
        return self.display_tracking

    @property
    def display_tracking(self) -> str:
        return format_tracking(self.tracking)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.state == CaseState.SUBMITTED and now > self.accept_due_at:
            return True
        return self.is_open and now > self.resolve_due_at

    @property
    def where(self) -> str:
        """What the case is about, for lists: the facility, else the place, else the region."""
        if self.facility_id:
            return str(self.facility.name)
        return self.subject or (str(self.region) if self.region_id else "")


class CaseEvent(models.Model):
    """One step in a case's life: the action, the states before and after, who took it (none for
    the reporter or the system), the note the reporter sees and the note only staff see."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=CaseAction.choices)
    from_state = models.CharField(_("from"), max_length=12, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by_reporter = models.BooleanField(_("by the reporter"), default=False)
    assignee = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("handed to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    public_note = models.TextField(_("public note"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    fixed = models.BooleanField(_("problem fixed"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="caseevent_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["action", "at"], name="caseevent_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def is_public(self) -> bool:
        return self.action in PUBLIC_ACTIONS


class CasePhotoStorage(FileSystemStorage):
    """Reporters' photos live outside MEDIA_ROOT and are served only to staff who may see the
    case. The folder is read from settings on each use, so tests can move it."""

    @property
    def base_location(self):
        return str(settings.YIMA_CASE_PHOTO_ROOT)

    @property
    def location(self):
        return self.base_location

    @property
    def base_url(self):
        return None


# STORAGES["case_photos"]: CasePhotoStorage, or a private S3 location (YIMA_STORAGE=s3).
case_photo_storage = StorageAlias("case_photos")


def _photo_storage():
    return case_photo_storage


class CasePhoto(models.Model):
    """A photo attached by the reporter: re-encoded from its pixels, so no EXIF or location."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), storage=_photo_storage, upload_to="%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"
