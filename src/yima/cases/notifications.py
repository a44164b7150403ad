"""Notices about cases, and the pluggable backends that deliver them.

Services never send anything themselves: after their transaction commits they enqueue
`tasks.notify_case_event(event_id)`, which asks `notices_for_event` who should hear about the
step and hands each notice to the backend named by YIMA_NOTIFY_BACKEND. Built in:

- ConsoleBackend: writes each notice to the log (phone numbers masked); the default.
- EmailBackend: e-mails staff who have an address (Django's EMAIL_* settings); reporters
  leave only a phone number, so they are skipped and the log says so.
- MemoryBackend: keeps notices in `MemoryBackend.outbox` (tests, development).

An SMS or WeChat gateway is a subclass of BaseBackend whose `send` delivers to
`notice.phones` (and, if it can, to `notice.users`); set its class path in YIMA_NOTIFY_BACKEND.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.cases.choices import CaseAction, CaseState
from yima.cases.privacy import mask_phone

logger = logging.getLogger("yima.notify")


@dataclass(frozen=True)
class Notice:
    """One message to some staff users and/or reporters' phone numbers."""

    kind: str  # e.g. "case.assign"
    subject: str
    body: str
    users: tuple = ()  # accounts.User
    phones: tuple[str, ...] = ()
    case_tracking: str = ""
    extra: dict = field(default_factory=dict)


class BaseBackend:
    def send(self, notice: Notice) -> int:
        """Deliver the notice; return how many recipients it reached."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, notice: Notice) -> int:
        to = [u.username for u in notice.users] + [mask_phone(p) for p in notice.phones]
        recipients = ", ".join(to) or "-"
        logger.info("notice %s to %s: %s\n%s", notice.kind, recipients, notice.subject, notice.body)
        return len(to)


class EmailBackend(BaseBackend):
    def send(self, notice: Notice) -> int:
        addresses = sorted({u.email for u in notice.users if getattr(u, "email", "")})
        if notice.phones:
            logger.info("notice %s: e-mail cannot reach a phone number; skipped", notice.kind)
        if not addresses:
            return 0
        try:
            # One message per address: recipients do not see each other's addresses.
            return send_mass_mail(
                [
                    (notice.subject, notice.body, settings.YIMA_NOTIFY_FROM_EMAIL, [a])
                    for a in addresses
                ]
            )
        except OSError:
            logger.exception("notice %s: e-mail could not be sent (EMAIL_* settings)", notice.kind)
            return 0


class MemoryBackend(BaseBackend):
    outbox: list[Notice] = []

    def send(self, notice: Notice) -> int:
        MemoryBackend.outbox.append(notice)
        return len(notice.users) + len(notice.phones)


def get_backend() -> BaseBackend:
    return import_string(settings.YIMA_NOTIFY_BACKEND)()


def deliver(notices: list[Notice]) -> int:
    backend = get_backend()
    return sum(backend.send(notice) for notice in notices)


# --- What to say to whom ---


def _day(moment) -> str:
    return timezone.localtime(moment).date().isoformat()


def _public_url(case) -> str:
    return settings.BASE_URL + reverse("cases:public", kwargs={"tracking": case.tracking})


def _staff_url(case) -> str:
    return settings.BASE_URL + reverse("cases:detail", kwargs={"tracking": case.tracking})


def _about(case) -> str:
    return case.facility.name if case.facility_id else (case.subject or "-")


# What the reporter is told at each public step (the step's public note follows).
_REPORTER_LINES = {
    CaseAction.ACCEPT: gettext_noop("Your report has been accepted and will be handled."),
    CaseAction.ASSIGN: gettext_noop("Your report has been handed to the O&M contractor."),
    CaseAction.REASSIGN: gettext_noop("Your report has been handed to another unit."),
    CaseAction.URGE: gettext_noop("The regulator has urged the handling of your report."),
    CaseAction.REPAIR: gettext_noop("A repair order has been opened for your report."),
    CaseAction.RESOLVE: gettext_noop(
        "Your report has been handled. Please tell us whether the problem is fixed."
    ),
    CaseAction.CLOSE: gettext_noop("Your report has been closed."),
    CaseAction.REJECT: gettext_noop("Your report was not accepted."),
    CaseAction.REOPEN: gettext_noop("Your report has been reopened."),
}
# Steps the handling unit hears about, and steps that need the regulator's attention.
_ASSIGNEE_ACTIONS = (CaseAction.ASSIGN, CaseAction.REASSIGN, CaseAction.REPAIR, CaseAction.URGE)
_REGULATOR_SUBJECTS = {
    CaseAction.SUBMIT: gettext_noop("New report %(number)s"),
    CaseAction.REOPEN: gettext_noop("Report %(number)s was reopened"),
    CaseAction.OVERDUE: gettext_noop("Report %(number)s is overdue"),
    CaseAction.EVALUATE: gettext_noop("Report %(number)s: the reporter is not satisfied"),
}


def _to_reporter(case, event) -> Notice | None:
    if not case.reporter_phone:
        return None
    if event.action == CaseAction.SUBMIT:
        line = _(
            "Your report %(number)s was received. It will be accepted by %(accept)s and "
            "resolved by %(resolve)s."
        ) % {
            "number": case.display_tracking,
            "accept": _day(case.accept_due_at),
            "resolve": _day(case.resolve_due_at),
        }
    elif event.action in _REPORTER_LINES:
        line = _(_REPORTER_LINES[event.action])
    else:
        return None
    body = "\n".join(part for part in (line, event.public_note, _public_url(case)) if part)
    return Notice(
        kind=f"case.{event.action}.reporter",
        subject=_("Report %(number)s") % {"number": case.display_tracking},
        body=body,
        phones=(case.reporter_phone,),
        case_tracking=case.tracking,
    )


def _staff_body(case, note: str = "") -> str:
    lines = [
        _("%(type)s at %(about)s. To be resolved by %(due)s.")
        % {"type": case.case_type.name, "about": _about(case), "due": _day(case.resolve_due_at)},
        note,
        _staff_url(case),
    ]
    return "\n".join(line for line in lines if line)


def _to_assignee(case, event) -> Notice | None:
    from yima.cases.selectors import unit_members

    if event.action not in _ASSIGNEE_ACTIONS or not case.assignee_id:
        return None
    if event.action == CaseAction.URGE:
        subject = _("Urged: report %(number)s") % {"number": case.display_tracking}
    else:
        subject = _("New report for you: %(number)s") % {"number": case.display_tracking}
    return Notice(
        kind=f"case.{event.action}.assignee",
        subject=subject,
        body=_staff_body(case, "\n".join(n for n in (event.internal_note, event.public_note) if n)),
        users=tuple(unit_members(case.assignee_id)),
        case_tracking=case.tracking,
    )


def _to_regulators(case, event) -> Notice | None:
    from yima.cases.selectors import regulators_for, unit_members

    if event.action not in _REGULATOR_SUBJECTS:
        return None
    if event.action == CaseAction.EVALUATE and event.to_state != CaseState.REOPENED:
        return None
    users = tuple(regulators_for(case))
    if event.action == CaseAction.OVERDUE and case.assignee_id:
        users += tuple(unit_members(case.assignee_id))
    if not users:
        return None
    return Notice(
        kind=f"case.{event.action}.regulator",
        subject=_(_REGULATOR_SUBJECTS[event.action]) % {"number": case.display_tracking},
        body=_staff_body(case, event.internal_note),
        users=users,
        case_tracking=case.tracking,
    )


def notices_for_event(event) -> list[Notice]:
    """The notices one step of a case causes, in the site's language. The reporter hears of
    every public step (if they left a number); the handling unit of being handed or urged a
    case; the regulator of new, reopened, overdue and badly rated cases. Staff notices never
    carry the reporter's phone number."""
    case = event.case
    with translation.override(settings.LANGUAGE_CODE):
        notices = [
            _to_reporter(case, event),
            _to_assignee(case, event),
            _to_regulators(case, event),
        ]
    return [notice for notice in notices if notice is not None]
