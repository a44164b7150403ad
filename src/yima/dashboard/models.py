"""Summary tables behind the regulator's dashboard, kept current by the services that change
what they summarise (see summary.py), never by a nightly job.

They hold nothing that cannot be recomputed from the ledger and the operations records:
`yima dashboard-rebuild` recomputes them from scratch.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yima.operations.choices import Compliance, Outcome


class FacilityState(models.Model):
    """One row per facility: where its inspections and samples stand now.

    `next_due_at` is the current due of the inspection chain (see InspectionDue) for an
    in-service facility, empty otherwise; when it lies in the past, every interval elapsed since
    is one more missed due (counted live by the selectors). `abnormal_since` is when the current
    run of abnormal inspections began (empty when the latest inspection was normal).
    """

    facility = models.OneToOneField(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="state",
    )
    last_inspected_at = models.DateTimeField(_("last inspected"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last inspection outcome"), max_length=10, choices=Outcome.choices, blank=True
    )
    last_verified = models.BooleanField(_("last inspection verified on site"), default=False)
    interval_days = models.PositiveSmallIntegerField(
        _("inspect every (days)"), null=True, blank=True
    )
    next_due_at = models.DateTimeField(_("next inspection due"), null=True, blank=True)
    abnormal_since = models.DateTimeField(_("abnormal since"), null=True, blank=True)
    last_sampled_at = models.DateTimeField(_("last sampled"), null=True, blank=True)
    last_compliance = models.CharField(
        _("last sample compliance"), max_length=14, choices=Compliance.choices, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("facility state")
        verbose_name_plural = _("facility states")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_days__isnull=True) | models.Q(interval_days__gte=1),
                name="facilitystate_interval_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(last_inspected_at__isnull=False) | models.Q(last_outcome=""),
                name="facilitystate_outcome_needs_inspection",
            ),
        ]
        indexes = [
            models.Index(fields=["next_due_at"], name="facilitystate_next_due"),
            models.Index(fields=["last_outcome", "abnormal_since"], name="facilitystate_abnormal"),
            models.Index(
                fields=["last_compliance", "last_sampled_at"], name="facilitystate_compliance"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.last_outcome or '-'} due {self.next_due_at}"


class InspectionDue(models.Model):
    """One due occurrence of a facility's inspection chain, answered or missed.

    The chain of an in-service facility: the first due is one interval after it was registered
    (or came back into service); an inspection at t answers the current due ON TIME when t is at
    or before it, and the next due is t + interval; a due that passes with no inspection is
    MISSED (inspection empty) and the next due is that due + interval. Rows are written for
    every due up to the latest inspection (and for the whole of a closed in-service period);
    dues after the latest inspection are counted live from FacilityState.next_due_at.
    `contractor` is the organisation that held the facility at the due time.
    """

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="inspection_dues",
    )
    contractor = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("O&M contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due"))
    inspection = models.ForeignKey(
        "operations.Inspection",
        verbose_name=_("answered by inspection"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    on_time = models.BooleanField(_("on time"), default=False)

    class Meta:
        verbose_name = _("inspection due")
        verbose_name_plural = _("inspection dues")
        ordering = ["facility", "due_at"]
        constraints = [
            # Also the (facility, due_at) index the refresh and the evidence lists use.
            models.UniqueConstraint(fields=["facility", "due_at"], name="inspectiondue_once"),
            models.CheckConstraint(
                condition=models.Q(on_time=False) | models.Q(inspection__isnull=False),
                name="inspectiondue_on_time_needs_inspection",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="inspectiondue_due_at"),
            models.Index(fields=["contractor", "due_at"], name="inspectiondue_contractor"),
        ]

    def __str__(self) -> str:
        verdict = "on time" if self.on_time else "missed"
        return f"{self.facility_id} @ {self.due_at:%Y-%m-%d %H:%M} {verdict}"


class FacilityMonth(models.Model):
    """One facility's counts for one calendar month (local time), per contractor: what the
    dashboard's figures and trend add up for whole months instead of reading every due,
    inspection and sample (100,000 facilities x 12 months is 1.2 million small rows at most,
    against tens of millions of records).

    Each count is of records credited to `contractor`: stored dues (InspectionDue) to the due's
    contractor, inspections and their flow readings to the inspection's contractor, samples to
    the organisation that took them. A facility-wide figure (samples, load) sums every row of
    the facility; a contractor's figure (dues, inspections) only that contractor's rows. Dues
    after the latest inspection are not here: they are counted live (FacilityState). Rows with
    every count zero are not kept.
    """

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="months",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month (local time)."))
    contractor = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("O&M contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    dues = models.PositiveIntegerField(_("dues in the month"), default=0)
    dues_on_time = models.PositiveIntegerField(_("dues answered on time"), default=0)
    inspections = models.PositiveIntegerField(_("inspections done in the month"), default=0)
    samples_compliant = models.PositiveIntegerField(_("compliant samples"), default=0)
    samples_non_compliant = models.PositiveIntegerField(_("non-compliant samples"), default=0)
    samples_unknown = models.PositiveIntegerField(_("samples not assessed"), default=0)
    flow_sum = models.DecimalField(
        _("sum of daily flow readings (m³/d)"), max_digits=14, decimal_places=2, default=0
    )
    flow_count = models.PositiveIntegerField(_("daily flow readings"), default=0)

    class Meta:
        verbose_name = _("facility month")
        verbose_name_plural = _("facility months")
        ordering = ["facility", "month"]
        # One row per (facility, month, contractor): written only by yima.dashboard.summary,
        # which replaces a facility's rows as a whole under a lock on the facility row.
        indexes = [
            models.Index(fields=["month"], name="facilitymonth_month"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.month:%Y-%m} ({self.contractor_id})"
