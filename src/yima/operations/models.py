"""Field operations: inspection policy and checklists, inspections with on-site check-in,
discharge standards and water samples, repair work orders, and their photos."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yima.core.i18n import in_language
from yima.core.storage import StorageAlias
from yima.facilities.choices import Grade, Process
from yima.operations.choices import (
    WORK_ORDER_ACTIVE,
    Compliance,
    CoordSystem,
    Outcome,
    PhotoStage,
    Pollutant,
    Priority,
    WorkOrderAction,
    WorkOrderSource,
    WorkOrderState,
)


class PrivateMediaStorage(FileSystemStorage):
    """Photo originals (with their location metadata): outside MEDIA_ROOT, never served as
    static files, only through a view that checks the viewer's scope.

    The location is read from settings on each use so tests can point it at a temporary folder.
    """

    @property
    def base_location(self):
        return str(settings.YIMA_PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return str(settings.YIMA_PRIVATE_MEDIA_ROOT)

    @property
    def base_url(self):
        return None


# STORAGES["private"]: PrivateMediaStorage, or a private S3 location (YIMA_STORAGE=s3).
_private_storage = StorageAlias("private")


def private_storage():
    return _private_storage


class InspectionPolicy(models.Model):
    """How often a facility must be inspected, by design capacity (defaults: DOMAIN.md §5).

    A facility falls in the band with the largest `min_capacity_m3d` not above its capacity. A
    bureau may set bands for one county; when a county has bands, they win over the default
    bands (county empty) for its facilities.
    """

    county = models.ForeignKey(
        "regions.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "county"},
        help_text=_("Leave empty for the default that applies everywhere."),
    )
    min_capacity_m3d = models.DecimalField(
        _("from design capacity (m³/d)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Facilities of at least this capacity (up to the next band) use this band."),
    )
    interval_days = models.PositiveSmallIntegerField(
        _("inspect every (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("inspection policy band")
        verbose_name_plural = _("inspection policy")
        ordering = ["county__code", "min_capacity_m3d"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "min_capacity_m3d"], name="inspectionpolicy_county_band"
            ),
            models.UniqueConstraint(
                fields=["min_capacity_m3d"],
                condition=models.Q(county__isnull=True),
                name="inspectionpolicy_default_band",
            ),
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1), name="inspectionpolicy_interval_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(min_capacity_m3d__gte=0),
                name="inspectionpolicy_min_not_negative",
            ),
        ]

    def __str__(self) -> str:
        where = self.county.name if self.county_id else _("default")
        return f"{where}: ≥ {self.min_capacity_m3d} m³/d → {self.interval_days} d"


class ChecklistTemplate(models.Model):
    """The checklist a technician works through, per treatment process (empty = default)."""

    process = models.CharField(
        _("treatment process"),
        max_length=20,
        choices=Process.choices,
        blank=True,
        unique=True,
        help_text=_("Leave empty for the default checklist used by every other process."),
    )
    name = models.CharField(_("name"), max_length=120)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["process"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One yes/no question of a checklist; "no" makes the inspection abnormal."""

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("question (Chinese)"), max_length=120)
    label_en = models.CharField(_("question (English)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="checklistitem_key_unique"),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return in_language(self.label, self.label_en)


class OpsQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one gate for operations records: regulators in scope, the record's contractor,
        and the contractor currently holding the facility."""
        from yima.operations.selectors import ops_visibility_q

        q = ops_visibility_q(user, getattr(self.model, "OPS_OWNER_FIELD", "contractor_id"))
        return self.none() if q is None else self.filter(q)


class Inspection(models.Model):
    """One inspection visit (巡检) by a contractor's technician.

    The position is stored as reported (`raw_*`, in `coord_system`) and in WGS-84
    (`latitude`/`longitude`), the datum of the ledger, so distances never mix datums.
    `client_id` is generated by the phone: the same submission sent twice is one record.
    """

    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    contractor = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("O&M contractor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    coord_system = models.CharField(
        _("coordinate system"), max_length=5, choices=CoordSystem.choices, blank=True
    )
    raw_latitude = models.DecimalField(
        _("latitude as reported"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    raw_longitude = models.DecimalField(
        _("longitude as reported"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    accuracy_m = models.DecimalField(
        _("location accuracy (m)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    distance_m = models.DecimalField(
        _("distance to facility (m)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    verified_on_site = models.BooleanField(_("verified on site"), default=False)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    flow_m3d = models.DecimalField(
        _("daily flow (m³/d)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The day's treated volume read on site, if there is a meter (负荷率)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    checklist = models.JSONField(
        _("checklist answers"),
        default=list,
        blank=True,
        help_text=_("[{key, label, ok}] as asked at the time; ok is empty if unanswered."),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    history = HistoricalRecords()
    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-finished_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finished_at__gte=models.F("started_at")),
                name="inspection_finished_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(flow_m3d__isnull=True) | models.Q(flow_m3d__gte=0),
                name="inspection_flow_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, coord_system="")
                | models.Q(latitude__isnull=False, longitude__isnull=False)
                & ~models.Q(coord_system=""),
                name="inspection_position_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "-finished_at"], name="inspection_facility_latest"),
            models.Index(fields=["contractor", "-finished_at"], name="inspection_contractor"),
            # The dashboard's monthly counts select inspections by time across facilities.
            models.Index(fields=["finished_at"], name="inspection_finished_at"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} @ {self.finished_at:%Y-%m-%d %H:%M}"

    @property
    def failed_items(self) -> list[dict]:
        return [item for item in self.checklist if item.get("ok") is False]


class Photo(models.Model):
    """A photo kept twice: the original (resized, metadata kept as evidence) for staff, and a
    public copy with every metadata block, location included, removed."""

    original = models.FileField(
        _("original"), upload_to="ops/photos/%Y/%m/", storage=private_storage, max_length=200
    )
    public = models.FileField(
        _("copy without metadata"), upload_to="ops/public/%Y/%m/", max_length=200
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    had_location = models.BooleanField(_("original carried a location"), default=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True


class InspectionPhoto(Photo):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="photos"
    )

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.pk}"


class DischargeStandard(models.Model):
    """A discharge standard as data, with where its values came from (DOMAIN.md §4).

    `code` is the value facilities carry in their `standard` field.
    """

    code = models.CharField(_("standard id"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.TextField(
        _("source / provenance"), help_text=_("Where the values were taken from.")
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("discharge standard")
        verbose_name_plural = _("discharge standards")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DischargeLimit(models.Model):
    """One pollutant's limit for one grade of a standard. pH uses min and max (a range); the
    others a maximum. `cold_limit_max` is NH3-N's limit when the water is 12 °C or colder."""

    standard = models.ForeignKey(
        DischargeStandard,
        verbose_name=_("standard"),
        on_delete=models.CASCADE,
        related_name="limits",
    )
    grade = models.CharField(_("grade"), max_length=4, choices=Grade.choices)
    pollutant = models.CharField(_("pollutant"), max_length=8, choices=Pollutant.choices)
    limit_min = models.DecimalField(
        _("minimum"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    limit_max = models.DecimalField(
        _("maximum"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    cold_limit_max = models.DecimalField(
        _("maximum at water ≤ 12 °C"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, default="mg/L", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("discharge limit")
        verbose_name_plural = _("discharge limits")
        ordering = ["standard", "grade", "pollutant"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "grade", "pollutant"], name="dischargelimit_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(limit_min__isnull=True)
                | models.Q(limit_max__isnull=True)
                | models.Q(limit_min__lte=models.F("limit_max")),
                name="dischargelimit_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} {self.grade} {self.pollutant}"


class WaterSample(models.Model):
    """A water sample (水质检测) and its verdict against the facility's standard and grade.

    Standard and grade are copied from the facility at recording time, so a later ledger edit
    does not change what an old sample was judged against. `results` keeps each item's verdict.
    """

    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="water_samples",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("recorded for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lab = models.CharField(_("laboratory"), max_length=120)
    sampled_at = models.DateTimeField(_("sampled at"))
    water_temperature_c = models.DecimalField(
        _("water temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-5")), MaxValueValidator(Decimal("60"))],
    )
    ph = models.DecimalField(
        "pH",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("14"))],
    )
    cod = models.DecimalField(
        "COD (mg/L)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    ss = models.DecimalField(
        "SS (mg/L)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    nh3n = models.DecimalField(
        "NH₃-N (mg/L)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    tn = models.DecimalField(
        "TN (mg/L)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    tp = models.DecimalField(
        "TP (mg/L)",
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    oils = models.DecimalField(
        _("animal and vegetable oils (mg/L)"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    standard = models.CharField(_("discharge standard"), max_length=30)
    grade = models.CharField(_("discharge grade"), max_length=4, choices=Grade.choices)
    compliance = models.CharField(
        _("compliance"), max_length=14, choices=Compliance.choices, default=Compliance.UNKNOWN
    )
    results = models.JSONField(
        _("per-item results"),
        default=list,
        blank=True,
        help_text=_("[{pollutant, value, min, max, result}] as judged when recorded."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    history = HistoricalRecords()
    objects = OpsQuerySet.as_manager()
    OPS_OWNER_FIELD = "organisation_id"  # the contractor that took it, if any

    class Meta:
        verbose_name = _("water sample")
        verbose_name_plural = _("water samples")
        ordering = ["-sampled_at", "-pk"]
        indexes = [
            models.Index(fields=["facility", "-sampled_at"], name="sample_facility_latest"),
            # The dashboard's 出水达标率 selects samples by time across facilities.
            models.Index(fields=["sampled_at"], name="sample_sampled_at"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} @ {self.sampled_at:%Y-%m-%d}"

    def values(self) -> dict[str, Decimal]:
        """The measured items (those left empty were not measured)."""
        return {
            p.value: getattr(self, p.value) for p in Pollutant if getattr(self, p.value) is not None
        }


class WorkOrder(models.Model):
    """A repair order (维修工单) for a facility's contractor.

    open -> in_progress -> done -> verified; a regulator may reopen a done or verified order.
    Every step is a WorkOrderEvent (who, when, note) and a history row.
    """

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    contractor = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("O&M contractor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=12, choices=WorkOrderSource.choices)
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    report_ref = models.CharField(
        _("public report number"), max_length=40, blank=True, db_index=True
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=WorkOrderState.choices, default=WorkOrderState.OPEN
    )
    description = models.TextField(_("problem"))
    resolution = models.TextField(_("what was done"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = OpsQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["contractor", "state"], name="workorder_contractor_state"),
            models.Index(fields=["facility", "state"], name="workorder_facility_state"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.facility_id}"

    @property
    def is_active(self) -> bool:
        return self.state in WORK_ORDER_ACTIVE


class WorkOrderEvent(models.Model):
    """One step of a work order: what happened, who did it, when, and the note given."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=10, choices=WorkOrderAction.choices)
    from_state = models.CharField(
        _("from"), max_length=12, choices=WorkOrderState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=12, choices=WorkOrderState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.work_order_id} {self.action}"


class WorkOrderPhoto(Photo):
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("stage"), max_length=6, choices=PhotoStage.choices)

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["stage", "pk"]

    def __str__(self) -> str:
        return f"#{self.work_order_id}/{self.stage}/{self.pk}"
