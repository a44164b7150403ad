"""States, actions and channels of the case engine, and which action may move a case where."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseDomain(models.TextChoices):
    """What kind of matter a case type belongs to. The resident council (征、选、议、解、评) and
    enterprise appeals add their own domains and types; the engine itself does not care."""

    FACILITY = "facility", _("Sewage facility problems")
    GENERAL = "general", _("General matters")


class CaseChannel(models.TextChoices):
    """How a case reached us."""

    WEB = "web", _("Public web form")
    OPEN311 = "open311", _("Open311 API")
    STAFF = "staff", _("Entered by staff")


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Being handled")
    RESOLVED = "resolved", _("Handled, awaiting evaluation")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted")
    REOPENED = "reopened", _("Reopened, awaiting a decision")


# States in which somebody still owes the reporter something.
OPEN_STATES = (CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.ASSIGNED, CaseState.REOPENED)
# States in which the reporter may evaluate (once per conclusion, see services.case_evaluate).
EVALUABLE_STATES = (CaseState.RESOLVED, CaseState.CLOSED)


class CaseAction(models.TextChoices):
    SUBMIT = "submit", _("Report received")
    ACCEPT = "accept", _("Accepted")
    ASSIGN = "assign", _("Handed to the O&M contractor")
    REASSIGN = "reassign", _("Handed to another unit")
    URGE = "urge", _("Urged by the regulator")
    REPAIR = "repair", _("Repair order opened")
    RESOLVE = "resolve", _("Handled")
    CLOSE = "close", _("Closed")
    REJECT = "reject", _("Not accepted")
    REOPEN = "reopen", _("Reopened for handling")
    EVALUATE = "evaluate", _("Evaluated by the reporter")
    HIDE = "hide", _("Hidden as abusive")
    UNHIDE = "unhide", _("Shown again")
    NOTE = "note", _("Internal note")
    OVERDUE = "overdue", _("Deadline missed")
    PURGE_CONTACT = "purge_contact", _("Reporter's phone number deleted")


# The steps a reporter sees on the public page. Everything else is for staff only.
PUBLIC_ACTIONS = frozenset(
    {
        CaseAction.SUBMIT,
        CaseAction.ACCEPT,
        CaseAction.ASSIGN,
        CaseAction.REASSIGN,
        CaseAction.URGE,
        CaseAction.REPAIR,
        CaseAction.RESOLVE,
        CaseAction.CLOSE,
        CaseAction.REJECT,
        CaseAction.REOPEN,
        CaseAction.EVALUATE,
    }
)

# Which action may move a case from which states, and where it lands. Evaluation lands in
# CLOSED or REOPENED depending on the rating (services.case_evaluate).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    CaseAction.ACCEPT: (frozenset({CaseState.SUBMITTED}), CaseState.ACCEPTED),
    CaseAction.ASSIGN: (
        frozenset({CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.REOPENED}),
        CaseState.ASSIGNED,
    ),
    CaseAction.REASSIGN: (frozenset({CaseState.ASSIGNED}), CaseState.ASSIGNED),
    CaseAction.RESOLVE: (frozenset({CaseState.ASSIGNED}), CaseState.RESOLVED),
    CaseAction.CLOSE: (
        frozenset({CaseState.ACCEPTED, CaseState.ASSIGNED, CaseState.RESOLVED, CaseState.REOPENED}),
        CaseState.CLOSED,
    ),
    CaseAction.REJECT: (
        frozenset({CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.REOPENED}),
        CaseState.REJECTED,
    ),
    CaseAction.REOPEN: (
        frozenset({CaseState.RESOLVED, CaseState.CLOSED, CaseState.REJECTED}),
        CaseState.REOPENED,
    ),
    CaseAction.URGE: (frozenset(OPEN_STATES), None),
    CaseAction.REPAIR: (frozenset(OPEN_STATES), CaseState.ASSIGNED),
    CaseAction.EVALUATE: (frozenset(EVALUABLE_STATES), None),
}

# Who may take each action: the regulator in scope, the assigned unit's staff, or the reporter.
REGULATOR_ACTIONS = frozenset(
    {
        CaseAction.ACCEPT,
        CaseAction.ASSIGN,
        CaseAction.REASSIGN,
        CaseAction.CLOSE,
        CaseAction.REJECT,
        CaseAction.REOPEN,
        CaseAction.URGE,
        CaseAction.REPAIR,
        CaseAction.HIDE,
        CaseAction.UNHIDE,
        CaseAction.NOTE,
    }
)
ASSIGNEE_ACTIONS = frozenset({CaseAction.RESOLVE, CaseAction.NOTE})
