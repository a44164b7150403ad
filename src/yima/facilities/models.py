"""The facility ledger (智慧台账): each facility, its permanent code, and its status history."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yima.facilities.choices import Grade, Process, Standard, Status
from yima.facilities.codes import format_code


class FacilityQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        """The one visibility gate for facilities: lists, pages, exports, dropdowns, API."""
        from yima.facilities.selectors import visibility_q

        q = visibility_q(user)
        return self.none() if q is None else self.alive().filter(q)

    def editable_by(self, user):
        """Facilities whose ledger entry this user may change (regulators in scope)."""
        from yima.facilities.selectors import edit_q

        q = edit_q(user)
        return self.none() if q is None else self.alive().filter(q)


class Facility(models.Model):
    """One rural domestic sewage treatment facility and its ledger entry.

    `code` is issued once at registration and never changes or gets reused; deleting only sets
    `deleted_at`. County and town are stored beside the village so that scope filters and
    county/town lists need no joins through the region tree.
    """

    code = models.CharField(_("facility code"), max_length=15, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    # No index of its own: facility_county_town (county, town) serves every lookup by county,
    # and each index is paid again by every facility an import registers.
    county = models.ForeignKey(
        "regions.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("town"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="facilities",
        null=True,
        blank=True,
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("73")), MaxValueValidator(Decimal("136"))],
        help_text=_("WGS-84"),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("3")), MaxValueValidator(Decimal("54"))],
        help_text=_("WGS-84"),
    )
    year_built = models.PositiveSmallIntegerField(
        _("year built"), validators=[MinValueValidator(1980), MaxValueValidator(2100)]
    )
    capacity_m3d = models.DecimalField(
        _("design capacity (m³/d)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    process = models.CharField(_("treatment process"), max_length=20, choices=Process.choices)
    households = models.PositiveIntegerField(_("households served"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population served"), null=True, blank=True)
    standard = models.CharField(
        _("discharge standard"),
        max_length=20,
        choices=Standard.choices,
        default=Standard.DB36_1102_2019,
    )
    grade = models.CharField(_("discharge grade"), max_length=4, choices=Grade.choices)
    receiving_water = models.CharField(_("receiving water"), max_length=120, blank=True)
    contractor = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("O&M contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        limit_choices_to={"kind": "contractor"},
        db_index=False,  # facility_contractor_status (contractor, status) serves it
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    # History is read per facility (by id, in date order); the indexes simple-history would add
    # on the other indexed columns are never used and cost every import row five index writes.
    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        no_db_index=["code", "county", "town", "village", "contractor"],
    )
    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{14}[0-9X]$"), name="facility_code_format"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity_m3d__gt=0), name="facility_capacity_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["county", "town"], name="facility_county_town"),
            models.Index(fields=["contractor", "status"], name="facility_contractor_status"),
            models.Index(fields=["status"], name="facility_status"),
            models.Index(fields=["name"], name="facility_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_code})"

    @property
    def display_code(self) -> str:
        return format_code(self.code) if self.code else ""


class CodeSerial(models.Model):
    """The last serial issued for a county and year; bumped under a row lock, never lowered."""

    county_code = models.CharField(_("county code"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year built"))
    last_serial = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("code serial")
        verbose_name_plural = _("code serials")
        constraints = [
            models.UniqueConstraint(fields=["county_code", "year"], name="codeserial_county_year"),
            models.CheckConstraint(
                condition=models.Q(last_serial__lte=9999), name="codeserial_max_9999"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last_serial}"


class StatusChange(models.Model):
    """One step of a facility's status lifecycle: from what, to what, effective when, and why."""

    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=500)
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-effective_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.from_status} -> {self.to_status}"


class ImportJob(models.Model):
    """One upload of a ledger workbook, checked or imported by a background task.

    Progress while running lives in the cache (the write phase is one transaction that other
    connections cannot see into); this row gets the final state: counts, row errors, changes.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("workbook file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    dry_run = models.BooleanField(_("check only"), default=False)
    reason = models.CharField(_("import reason"), max_length=500, blank=True)
    language = models.CharField(_("language of messages"), max_length=10, blank=True)
    status = models.CharField(
        _("import status"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("data rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("facilities registered"), default=0)
    updated_count = models.PositiveIntegerField(_("facilities updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("rows unchanged"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    changes = models.JSONField(_("changes listed"), default=list, blank=True)
    failure = models.TextField(_("failure details"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_recent")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.State.DONE, self.State.FAILED)
