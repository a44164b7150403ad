"""The assessment items yima knows how to compute. Their names and weights are data
(AssessmentItem rows); what each key measures is code (selectors.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKey(models.TextChoices):
    INSPECTIONS_ON_TIME = "inspections_on_time", _("Inspections on time")
    VERIFIED_ON_SITE = "verified_on_site", _("Inspections verified on site")
    REPAIRS_ON_TIME = "repairs_on_time", _("Repairs completed by their due date")
    COMPLIANCE = "compliance", _("Effluent compliance")
    COMPLAINTS_ON_TIME = "complaints_on_time", _("Public reports resolved on time")
    SATISFACTION = "satisfaction", _("Public satisfaction")


class EvidencePart(models.TextChoices):
    ALL = "all", _("All counted")
    MET = "met", _("Met")
    UNMET = "unmet", _("Not met")
