from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    REGULATOR = "regulator", _("Regulator (environment bureau)")
    CONTRACTOR = "contractor", _("O&M contractor")
