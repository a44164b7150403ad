from django.db import models
from django.utils.translation import gettext_lazy as _


class Face(models.TextChoices):
    """Who the scan page is shown to. The order is the order of the face switcher."""

    REGULATOR = "regulator", _("Regulator")
    CONTRACTOR = "contractor", _("O&M")
    PUBLIC = "public", _("Public")


class LabelState(models.TextChoices):
    """What the label token in a scanned URL says about the label on site."""

    NONE = "none", _("No label token (code typed or link shared)")
    VALID = "valid", _("Current label")
    REPLACED = "replaced", _("Replaced label")
    FORGED = "forged", _("Token does not verify")


class Layout(models.TextChoices):
    SIGN = "sign", _("A4 signs, one facility per page")
    SHEET = "sheet", _("A4 label sheets, 3 x 8 labels")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReissueReason(models.TextChoices):
    """Why a facility gets a new label; the reason text stored on the label says it in words."""

    DAMAGED = "damaged", _("Sign damaged or faded")
    STOLEN = "stolen", _("Sign stolen or missing")
    TAMPERED = "tampered", _("Sign tampered with or covered by a fake code")
    DATA = "data", _("Sign details changed")
    OTHER = "other", _("Other")
