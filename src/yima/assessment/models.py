"""Contractor assessment (运维考核): the scored items and their weights, the pass mark, and
the scorecards a regulator publishes for a period (frozen numbers, who and when).

Weights and the pass mark are data with change history: a bureau edits them on
/assessment/weights/ with a reason. The scores themselves are computed live (selectors.py)
from inspections, work orders, samples and public reports; publishing freezes them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yima.assessment.choices import ItemKey
from yima.core.i18n import in_language

DEFAULT_PASS_MARK = Decimal("80")


class AssessmentItem(models.Model):
    """One scored item of the contractor assessment: what it measures (`key`, computed by
    yima), how it is named and explained, and how many points it is worth."""

    key = models.CharField(_("measure"), max_length=30, choices=ItemKey.choices, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    description = models.TextField(_("how it is computed (Chinese)"), blank=True)
    description_en = models.TextField(_("how it is computed (English)"), blank=True)
    weight = models.DecimalField(
        _("weight (points)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Points the item is worth when its rate is 100 %."),
    )
    is_active = models.BooleanField(_("scored"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=0), name="assessmentitem_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.name, self.name_en)

    @property
    def explanation(self) -> str:
        return in_language(self.description, self.description_en)


class AssessmentSettings(models.Model):
    """The assessment's settings (one row): the pass mark out of 100."""

    pass_mark = models.DecimalField(
        _("pass mark (out of 100)"),
        max_digits=5,
        decimal_places=1,
        default=DEFAULT_PASS_MARK,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "A contractor whose total is below this fails the period; its O&M fee may be suspended."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=0, pass_mark__lte=100),
                name="assessmentsettings_pass_mark_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Assessment settings"))

    @classmethod
    def load(cls) -> "AssessmentSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class PublishedScorecard(models.Model):
    """A contractor's scorecard for a period as a regulator published it: the numbers frozen
    at that moment (`items`: key, name, numerator, denominator, weight, points), who and when.
    Publishing again replaces the bureau's earlier snapshot of the same card."""

    period = models.CharField(_("period"), max_length=40)
    contractor = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("O&M contractor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    bureau = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("published by bureau"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=1, null=True, blank=True)
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    items = models.JSONField(_("items"), default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("published scorecard")
        verbose_name_plural = _("published scorecards")
        ordering = ["-period", "contractor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "contractor", "bureau", "region_code"],
                name="publishedscorecard_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.contractor_id}"
