from django.db import models
from django.utils.translation import gettext_lazy as _


class CoordSystem(models.TextChoices):
    """The datum a position was reported in. Browsers report WGS-84; WeChat's SDK GCJ-02."""

    WGS84 = "wgs84", "WGS-84"
    GCJ02 = "gcj02", "GCJ-02"


class Outcome(models.TextChoices):
    NORMAL = "normal", _("Running normally")
    ABNORMAL = "abnormal", _("Abnormal")


class OperatingState(models.TextChoices):
    """What the public face says about a facility, from its latest inspection."""

    NORMAL = "normal", _("Running normally")
    ABNORMAL = "abnormal", _("Abnormal")
    UNKNOWN = "unknown", _("Not yet inspected")


class Pollutant(models.TextChoices):
    """Measured items of a water sample; the value is also the WaterSample field name."""

    PH = "ph", "pH"
    COD = "cod", "COD"
    SS = "ss", "SS"
    NH3N = "nh3n", "NH₃-N"
    TN = "tn", "TN"
    TP = "tp", "TP"
    OILS = "oils", _("Animal and vegetable oils")


class Compliance(models.TextChoices):
    COMPLIANT = "compliant", _("Meets the standard")
    NON_COMPLIANT = "non_compliant", _("Exceeds the standard")
    UNKNOWN = "unknown", _("Cannot be assessed")


class ItemResult(models.TextChoices):
    """The verdict on one measured item of a sample."""

    PASS = "pass", _("Within limit")
    FAIL = "fail", _("Exceeds limit")
    NO_LIMIT = "no_limit", _("No limit for this grade")


class WorkOrderSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    REPORT = "report", _("Public report")
    REGULATOR = "regulator", _("Regulator")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Default time to fix by priority, when whoever opens the order gives no due date.
PRIORITY_DAYS = {
    Priority.URGENT: 1,
    Priority.HIGH: 3,
    Priority.NORMAL: 7,
    Priority.LOW: 15,
}


class WorkOrderState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done, awaiting verification")
    VERIFIED = "verified", _("Verified")
    REOPENED = "reopened", _("Reopened")


class WorkOrderAction(models.TextChoices):
    OPEN = "open", _("Opened")
    START = "start", _("Repair started")
    COMPLETE = "complete", _("Repair completed")
    VERIFY = "verify", _("Verified")
    REOPEN = "reopen", _("Reopened")


# Which action may move a work order from which states, and where it lands.
WORK_ORDER_TRANSITIONS: dict[str, tuple[set[str], str]] = {
    WorkOrderAction.START: (
        {WorkOrderState.OPEN, WorkOrderState.REOPENED},
        WorkOrderState.IN_PROGRESS,
    ),
    WorkOrderAction.COMPLETE: ({WorkOrderState.IN_PROGRESS}, WorkOrderState.DONE),
    WorkOrderAction.VERIFY: ({WorkOrderState.DONE}, WorkOrderState.VERIFIED),
    WorkOrderAction.REOPEN: (
        {WorkOrderState.DONE, WorkOrderState.VERIFIED},
        WorkOrderState.REOPENED,
    ),
}

# States in which the contractor still owes work.
WORK_ORDER_ACTIVE = (WorkOrderState.OPEN, WorkOrderState.IN_PROGRESS, WorkOrderState.REOPENED)


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before repair")
    AFTER = "after", _("After repair")


class ScheduleState(models.TextChoices):
    """Where a facility stands against its inspection interval."""

    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    ON_TIME = "on_time", _("On schedule")
