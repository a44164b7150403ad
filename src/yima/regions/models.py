"""Administrative divisions (province, city, county, town, village) with official codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yima.regions.choices import PREFIX_LENGTH, Level


class Region(models.Model):
    """One administrative division, identified by its 12-digit statistical code (GB/T 2260 + NBS).

    `is_demo` marks generated names (the demo's villages) so the UI can say they are not real.
    """

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
        ]
        indexes = [models.Index(fields=["level", "name"], name="region_level_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The significant digits of the code at this level (e.g. '360121' for a county)."""
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    @property
    def county_code(self) -> str:
        """The 6-digit county-level code (GB/T 2260) this region belongs to."""
        return self.code[:6]
