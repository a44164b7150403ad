from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONSTRUCTION = "construction", _("Under construction")
    IN_SERVICE = "in_service", _("In service")
    SUSPENDED = "suspended", _("Suspended")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


# Which status may follow which. Decommissioned is final: the code is never reused.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.PLANNED: {Status.CONSTRUCTION, Status.IN_SERVICE, Status.DECOMMISSIONED},
    Status.CONSTRUCTION: {Status.IN_SERVICE, Status.SUSPENDED, Status.DECOMMISSIONED},
    Status.IN_SERVICE: {Status.SUSPENDED, Status.DECOMMISSIONED},
    Status.SUSPENDED: {Status.IN_SERVICE, Status.DECOMMISSIONED},
    Status.DECOMMISSIONED: set(),
}


class Process(models.TextChoices):
    AO = "ao", "A/O"
    A2O = "a2o", "A²/O"
    MBR = "mbr", "MBR"
    WETLAND = "wetland", _("Constructed wetland")
    CONTACT_OXIDATION = "contact_oxidation", _("Biological contact oxidation")
    INTEGRATED = "integrated", _("Integrated equipment")
    SBR = "sbr", "SBR"
    ANAEROBIC = "anaerobic", _("Anaerobic + ecological filter")
    OTHER = "other", _("Other")


class Standard(models.TextChoices):
    """Discharge standards a facility may be held to (limit values are data, see operations)."""

    DB36_1102_2019 = "DB36/1102-2019", "DB36/1102-2019"
    GB18918_2002 = "GB18918-2002", "GB 18918-2002"


class Grade(models.TextChoices):
    GRADE_1A = "1A", _("Grade 1A")
    GRADE_1B = "1B", _("Grade 1B")
    GRADE_1 = "1", _("Grade 1")
    GRADE_2 = "2", _("Grade 2")
    GRADE_3 = "3", _("Grade 3")


class CapacityClass(models.TextChoices):
    """Design capacity bands, as the default inspection policy uses them (DOMAIN.md §5)."""

    SMALL = "small", _("Under 20 m³/d")
    MEDIUM = "medium", _("20-100 m³/d")
    LARGE = "large", _("100 m³/d and over")
