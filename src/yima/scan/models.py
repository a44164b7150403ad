"""Printed labels of facilities (each with a serial that a reissue bumps) and batch print jobs."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from yima.scan.choices import JobStatus, Layout


class Label(models.Model):
    """One issued label (sign) of a facility; the current label is the one with the highest serial.

    Labels are append-only: a reissue adds a row and never changes an old one, so the rows are the
    label history (who issued which serial, when and why). The QR code of label N carries a
    token that only the server can compute for (code, N), see `yima.scan.qr`.
    """

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="labels",
    )
    serial = models.PositiveIntegerField(_("label serial"))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["facility", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "serial"], name="label_facility_serial"),
            models.CheckConstraint(condition=models.Q(serial__gte=1), name="label_serial_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} #{self.serial}"


class LabelJob(models.Model):
    """A large batch of signs or labels rendered to PDF in the background, with its progress.

    The facilities are fixed when the job is requested (through the requester's visibility gate),
    so the worker needs no user scope and prints exactly what the requester saw counted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="label_jobs",
    )
    layout = models.CharField(_("layout"), max_length=8, choices=Layout.choices)
    description = models.CharField(_("selection"), max_length=500, blank=True)
    facility_ids = models.JSONField(_("facilities"), default=list)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="labels/", blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("label print job")
        verbose_name_plural = _("label print jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="labeljob_done_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_layout_display()} x {self.total} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
