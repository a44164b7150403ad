"""API keys: how another system (a county's 12345 hotline, a WeChat mini-program, a bureau's
data platform) calls yima. A key tied to a user acts as that user on the REST API, through the
same visibility gate as the pages; any valid key may file Open311 reports.

Only the SHA-256 of a key is stored; the key itself is shown once, when it is created. The
first characters (`prefix`) are kept in clear so a key can be recognised in lists and logs.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A secret that identifies a calling system; revoked keys stay listed for the record."""

    name = models.CharField(
        _("name"), max_length=100, help_text=_("Who uses the key, e.g. “12345 hotline”.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text=_(
            "The REST API answers as this user would see it. Leave empty for a key that may "
            "only file Open311 reports."
        ),
    )
    prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    key_hash = models.CharField(_("SHA-256 of the key"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    # last_used_at is bumped with queryset.update(), outside the history on purpose.
    history = HistoricalRecords(excluded_fields=["last_used_at"])
    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="apikey_hash_unique"),
            models.CheckConstraint(
                condition=models.Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="apikey_hash_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
