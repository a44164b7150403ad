"""Writes to cases. Every step is one function here: it checks who may take it, moves the
case under a row lock (two clicks cannot both apply), records a CaseEvent and a history row,
and sends notices only after the transaction commits.

Who may do what (selectors.allowed_actions shows the same rules to the pages):
- the regulator whose region covers the case: accept, assign, reassign, urge (督办), open a
  repair order, close, reject, reopen, hide and show again, add internal notes;
- the staff of the unit the case is handed to: resolve, add internal notes;
- the reporter (no account; proven by the browser they filed from or the phone number they
  left): evaluate once after each resolution or closing.

Errors are ValidationError / PermissionDenied with the constant messages below (translated
when raised), so a page or an API can show them as they are.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from yima.cases import ratelimit, selectors, tracking
from yima.cases.choices import (
    OPEN_STATES,
    TRANSITIONS,
    CaseAction,
    CaseChannel,
    CaseState,
)
from yima.cases.deadlines import deadline_after
from yima.cases.models import DESCRIPTION_MAX, Case, CaseEvent, CasePhoto, CaseType
from yima.cases.photos import CleanPhoto
from yima.cases.privacy import normalize_phone

NOT_IN_SCOPE = gettext_noop("Only the regulator responsible for this report may do this.")
NOT_ASSIGNEE = gettext_noop("Only the unit this report is handed to may do this.")
NOT_THE_REPORTER = gettext_noop(
    "Only the person who filed this report can evaluate it: from the phone it was filed on, "
    "or by entering the phone number left with the report."
)
BAD_TRANSITION = gettext_noop("A report that is “%(state)s” cannot be “%(action)s”.")
DESCRIPTION_REQUIRED = gettext_noop("Please describe the problem.")
DESCRIPTION_TOO_LONG = gettext_noop("Please keep the description under %(max)s characters.")
PLACE_REQUIRED = gettext_noop("Please say where the problem is.")
TYPE_NOT_OFFERED = gettext_noop("This problem type is not offered any more.")
BAD_PHONE = gettext_noop("This does not look like a phone number (e.g. 13812345678).")
NOTE_REQUIRED = gettext_noop("Please write a note.")
REASON_REQUIRED = gettext_noop("A reason is required.")
RESOLUTION_REQUIRED = gettext_noop("Tell the reporter what was done.")
CLOSE_NOTE_REQUIRED = gettext_noop("Tell the reporter why the report is closed without a fix.")
UNIT_REQUIRED = gettext_noop("Choose the unit to hand the report to.")
SAME_UNIT = gettext_noop("The report is already with this unit.")
BAD_RATING = gettext_noop("Choose from 1 to 5 stars.")
NOT_EVALUABLE = gettext_noop("This report cannot be evaluated now.")
ALREADY_HIDDEN = gettext_noop("This report is already hidden.")
NOT_HIDDEN = gettext_noop("This report is not hidden.")
REPAIRS_UNAVAILABLE = gettext_noop("Repair orders are not available on this site.")
REPAIR_NEEDS_FACILITY = gettext_noop("Only a report about a facility can open a repair order.")
REPAIR_EXISTS = gettext_noop("A repair order is already open for this report.")
NO_CONTRACTOR = gettext_noop("This facility has no O&M contractor to send a repair order to.")
CLIENT_ID_REUSED = gettext_noop("This submission id was already used for another report.")

# A rating at or below this (or "not fixed") sends the case back to the regulator.
LOW_RATING = 2


# --- Filing ---


def case_submit(
    *,
    case_type: CaseType,
    description: str,
    facility=None,
    subject: str = "",
    region=None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    reporter_phone: str = "",
    photos: Sequence[CleanPhoto] = (),
    channel: str = CaseChannel.WEB,
    actor=None,
    client_ip: str | None = None,
    client_id: uuid.UUID | None = None,
) -> Case:
    """File a case, fix its deadlines and give it a tracking number.

    `actor` is None for the public (web form, Open311); staff entering a phoned-in report pass
    themselves. The case is handled by the regulator of the facility's village or town, else of
    `region`. Raises ratelimit.RateLimited when this client or facility has sent too many.

    `client_id` identifies the submission (the form's hidden field, an Open311 client's id): a
    retry after a dropped connection returns the case the first copy created, and does not
    count against the rate limits. The unique constraint makes this hold under a race too.
    """
    if client_id is not None:
        existing = _existing(client_id, case_type=case_type, facility=facility)
        if existing is not None:
            return existing
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not case_type.is_active:
        errors["case_type"] = _(TYPE_NOT_OFFERED)
    if not description:
        errors["description"] = _(DESCRIPTION_REQUIRED)
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _(DESCRIPTION_TOO_LONG) % {"max": DESCRIPTION_MAX}
    phone = ""
    if (reporter_phone or "").strip():
        phone = normalize_phone(reporter_phone) or ""
        if not phone:
            errors["reporter_phone"] = _(BAD_PHONE)
    subject = (subject or "").strip()
    if facility is None and not subject and region is None:
        errors["subject"] = _(PLACE_REQUIRED)
    if errors:
        raise ValidationError(errors)

    limits = ratelimit.submission_limits(
        client_ip=client_ip, facility_id=facility.pk if facility is not None else None
    )
    ratelimit.check(limits, ratelimit.TOO_MANY_REPORTS)

    now = timezone.now()
    case = Case(
        case_type=case_type,
        channel=channel,
        facility=facility,
        subject=subject,
        latitude=latitude,
        longitude=longitude,
        description=description,
        reporter_phone=phone,
        submitted_at=now,
        accept_due_at=deadline_after(now, case_type.accept_days),
        resolve_due_at=deadline_after(now, case_type.resolve_days),
        client_id=client_id,
    )
    if facility is not None:
        case.region_id = facility.village_id or facility.town_id
    elif region is not None:
        case.region = region
    case.full_clean(exclude=["tracking"], validate_unique=False)
    try:
        with transaction.atomic():
            _save_with_new_tracking(case, actor)
            for photo in photos:
                row = CasePhoto(case=case, width=photo.width, height=photo.height)
                row.image.save(photo.content.name, photo.content, save=False)
                row.save()
            event = CaseEvent.objects.create(
                case=case,
                action=CaseAction.SUBMIT,
                to_state=case.state,
                actor=actor,
                by_reporter=actor is None,
                at=now,
            )
    except IntegrityError:
        # A concurrent copy of this submission won the race: answer with what it created.
        existing = (
            _existing(client_id, case_type=case_type, facility=facility) if client_id else None
        )
        if existing is None:
            raise
        return existing
    ratelimit.hit(limits)
    _after_commit(case, event)
    return case


def _existing(client_id: uuid.UUID, *, case_type: CaseType, facility) -> Case | None:
    """The case an earlier copy of this submission created, or None."""
    found = Case.objects.filter(client_id=client_id).first()
    if found is None:
        return None
    facility_id = facility.pk if facility is not None else None
    if found.case_type_id != case_type.pk or found.facility_id != facility_id:
        raise ValidationError({"client_id": _(CLIENT_ID_REUSED)})
    return found


def _save_with_new_tracking(case: Case, actor, attempts: int = 5) -> None:
    """Draw tracking numbers until one is free (a clash is a one-in-10^11 event)."""
    case._history_user = actor
    case._change_reason = _("Report received")
    for attempt in range(attempts):
        case.tracking = tracking.generate()
        try:
            with transaction.atomic():
                case.save()
            return
        except IntegrityError:
            if attempt == attempts - 1 or Case.objects.filter(tracking=case.tracking).count() == 0:
                raise


# --- The engine: one locked step ---


def _require_regulator(actor, case: Case) -> None:
    if actor is None or not selectors.regulates(actor, case):
        raise PermissionDenied(_(NOT_IN_SCOPE))


def _require_assignee(actor, case: Case) -> None:
    if actor is None or not selectors.is_assignee(actor, case) or case.is_hidden:
        raise PermissionDenied(_(NOT_ASSIGNEE))


def _bad_transition(case: Case, action: str) -> ValidationError:
    return ValidationError(
        _(BAD_TRANSITION)
        % {"state": CaseState(case.state).label, "action": CaseAction(action).label}
    )


def _step(
    *,
    case: Case,
    actor,
    action: str,
    check: Callable[[Case], None],
    public_note: str = "",
    internal_note: str = "",
    to_state: str | None = None,
    apply: Callable[[Case, datetime], None] | None = None,
    by_reporter: bool = False,
    event_fields: dict | None = None,
) -> Case:
    """Move the case one step under a row lock and log it; notices go out after commit.

    `check` raises PermissionDenied for the locked row; the state must be one the action may
    leave (choices.TRANSITIONS); `apply` sets the step's timestamps and fields.
    """
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("region", "facility", "case_type", "assignee")
            .get(pk=case.pk)
        )
        check(locked)
        if action in TRANSITIONS:
            sources, target = TRANSITIONS[action]
            if locked.state not in sources:
                raise _bad_transition(locked, action)
        else:
            target = None
        now = timezone.now()
        from_state = locked.state
        locked.state = to_state or target or locked.state
        if apply is not None:
            apply(locked, now)
        locked._history_user = actor
        locked._change_reason = internal_note or public_note or CaseAction(action).label
        locked.save()
        event = CaseEvent.objects.create(
            case=locked,
            action=action,
            from_state=from_state,
            to_state=locked.state,
            actor=actor,
            by_reporter=by_reporter,
            public_note=public_note,
            internal_note=internal_note,
            at=now,
            **(event_fields or {}),
        )
    _after_commit(locked, event)
    return locked


def _after_commit(case: Case, event: CaseEvent) -> None:
    transaction.on_commit(partial(_enqueue_notices, event.pk))
    if case.facility_id is not None:
        code = case.facility.code
        transaction.on_commit(partial(_facility_page_changed, code))


def _enqueue_notices(event_id: int) -> None:
    from yima.cases.tasks import notify_case_event

    notify_case_event.enqueue(event_id)


def _facility_page_changed(code: str) -> None:
    """The scan page may show a facility's open reports: forget its cached public face."""
    if apps.is_installed("yima.scan"):
        from yima.scan.public_cache import public_face_invalidate

        public_face_invalidate([code])


def _clean(text: str) -> str:
    return (text or "").strip()


# --- Regulator steps ---


def case_accept(*, case: Case, actor, public_note: str = "", internal_note: str = "") -> Case:
    """受理: the regulator takes the report on."""

    def apply(c: Case, now: datetime) -> None:
        c.accepted_at = now

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.ACCEPT,
        check=partial(_require_regulator, actor),
        public_note=_clean(public_note),
        internal_note=_clean(internal_note),
        apply=apply,
    )


def case_assign(
    *, case: Case, actor, assignee=None, public_note: str = "", internal_note: str = ""
) -> Case:
    """交办: hand the case to a unit (default: the facility's O&M contractor). A submitted case
    is accepted by the same step."""
    assignee = assignee or (case.facility.contractor if case.facility_id else None)
    if assignee is None:
        raise ValidationError({"assignee": _(UNIT_REQUIRED)})

    def apply(c: Case, now: datetime) -> None:
        c.accepted_at = c.accepted_at or now
        c.assigned_at = now
        c.assignee = assignee

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.ASSIGN,
        check=partial(_require_regulator, actor),
        public_note=_clean(public_note),
        internal_note=_clean(internal_note),
        apply=apply,
        event_fields={"assignee": assignee},
    )


def case_reassign(*, case: Case, actor, assignee, reason: str, public_note: str = "") -> Case:
    """改派: hand an assigned case to another unit; the reason stays internal."""
    if assignee is None:
        raise ValidationError({"assignee": _(UNIT_REQUIRED)})
    if not _clean(reason):
        raise ValidationError({"reason": _(REASON_REQUIRED)})

    def check(c: Case) -> None:
        _require_regulator(actor, c)
        if c.assignee_id == assignee.pk:
            raise ValidationError({"assignee": _(SAME_UNIT)})

    def apply(c: Case, now: datetime) -> None:
        c.assigned_at = now
        c.assignee = assignee

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.REASSIGN,
        check=check,
        public_note=_clean(public_note),
        internal_note=_clean(reason),
        apply=apply,
        event_fields={"assignee": assignee},
    )


def case_urge(*, case: Case, actor, public_note: str = "", internal_note: str = "") -> Case:
    """督办: the regulator presses for an open case to be handled; shown on the public page."""

    def apply(c: Case, now: datetime) -> None:
        c.urge_count += 1  # the row is locked: no lost update

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.URGE,
        check=partial(_require_regulator, actor),
        public_note=_clean(public_note),
        internal_note=_clean(internal_note),
        apply=apply,
    )


def case_close(
    *, case: Case, actor, fixed: bool, public_note: str = "", internal_note: str = ""
) -> Case:
    """办结: close the case. Closing without a fix must tell the reporter why; the public page
    says "closed without a fix" in so many words."""
    public_note = _clean(public_note)
    if not fixed and not public_note:
        raise ValidationError({"public_note": _(CLOSE_NOTE_REQUIRED)})

    def apply(c: Case, now: datetime) -> None:
        c.closed_at = now
        c.concluded_at = c.concluded_at or now
        c.fixed = fixed

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.CLOSE,
        check=partial(_require_regulator, actor),
        public_note=public_note,
        internal_note=_clean(internal_note),
        apply=apply,
        event_fields={"fixed": fixed},
    )


def case_reject(*, case: Case, actor, reason: str, internal_note: str = "") -> Case:
    """不予受理: refuse the case; the reason is shown to the reporter."""
    reason = _clean(reason)
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})

    def apply(c: Case, now: datetime) -> None:
        c.closed_at = now
        c.fixed = None

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.REJECT,
        check=partial(_require_regulator, actor),
        public_note=reason,
        internal_note=_clean(internal_note),
        apply=apply,
    )


def _reopen_fields(c: Case, now: datetime) -> None:
    c.resolved_at = None
    c.closed_at = None
    c.concluded_at = None
    c.fixed = None
    c.resolve_overdue_flagged_at = None


def case_reopen(*, case: Case, actor, reason: str, internal_note: str = "") -> Case:
    """The regulator sends a resolved, closed or rejected case back to work."""
    reason = _clean(reason)
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    return _step(
        case=case,
        actor=actor,
        action=CaseAction.REOPEN,
        check=partial(_require_regulator, actor),
        public_note=reason,
        internal_note=_clean(internal_note),
        apply=_reopen_fields,
    )


def case_hide(*, case: Case, actor, reason: str) -> Case:
    """Hide an abusive report: it vanishes from public pages and figures; the reason is kept."""
    reason = _clean(reason)
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})

    def check(c: Case) -> None:
        _require_regulator(actor, c)
        if c.is_hidden:
            raise ValidationError(_(ALREADY_HIDDEN))

    def apply(c: Case, now: datetime) -> None:
        c.hidden_at = now
        c.hidden_reason = reason

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.HIDE,
        check=check,
        internal_note=reason,
        apply=apply,
    )


def case_unhide(*, case: Case, actor, reason: str) -> Case:
    reason = _clean(reason)
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})

    def check(c: Case) -> None:
        _require_regulator(actor, c)
        if not c.is_hidden:
            raise ValidationError(_(NOT_HIDDEN))

    def apply(c: Case, now: datetime) -> None:
        c.hidden_at = None
        c.hidden_reason = ""

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.UNHIDE,
        check=check,
        internal_note=reason,
        apply=apply,
    )


def case_note(*, case: Case, actor, note: str) -> Case:
    """An internal note by the regulator or the handling unit; never shown to the public."""
    note = _clean(note)
    if not note:
        raise ValidationError({"note": _(NOTE_REQUIRED)})

    def check(c: Case) -> None:
        if not (selectors.regulates(actor, c) or selectors.is_assignee(actor, c)):
            raise PermissionDenied(_(NOT_IN_SCOPE))

    return _step(case=case, actor=actor, action=CaseAction.NOTE, check=check, internal_note=note)


# --- The handling unit ---


def case_resolve(*, case: Case, actor, public_note: str, internal_note: str = "") -> Case:
    """The assigned unit reports the problem handled, telling the reporter what was done."""
    public_note = _clean(public_note)
    if not public_note:
        raise ValidationError({"public_note": _(RESOLUTION_REQUIRED)})
    return _resolve(
        case=case,
        actor=actor,
        public_note=public_note,
        internal_note=_clean(internal_note),
        check=partial(_require_assignee, actor),
    )


def _resolve(*, case: Case, actor, public_note: str, internal_note: str, check) -> Case:
    def apply(c: Case, now: datetime) -> None:
        c.resolved_at = now
        c.concluded_at = now

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.RESOLVE,
        check=check,
        public_note=public_note,
        internal_note=internal_note,
        apply=apply,
        event_fields={"fixed": True},
    )


# --- The reporter ---


def reporter_proven(case: Case, *, reporter_phone: str = "", filed_in_session: bool = False):
    """Whether the person evaluating is the reporter: they filed it from this browser, or they
    know the phone number they left (the contractor sees it masked, so cannot guess it)."""
    if filed_in_session:
        return True
    typed = normalize_phone(reporter_phone)
    return bool(case.reporter_phone and typed and typed == case.reporter_phone)


def case_evaluate(
    *,
    case: Case,
    rating: int,
    fixed: bool,
    comment: str = "",
    reporter_phone: str = "",
    filed_in_session: bool = False,
) -> Case:
    """评: the reporter rates the handling 1-5 and says whether the problem is fixed.

    A rating of 2 or less, or "not fixed", reopens the case for the regulator to decide;
    otherwise the case is closed (as fixed, if it was resolved).
    """
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _(BAD_RATING)})
    comment = _clean(comment)[:DESCRIPTION_MAX]
    satisfied = fixed and rating > LOW_RATING

    def check(c: Case) -> None:
        if not reporter_proven(c, reporter_phone=reporter_phone, filed_in_session=filed_in_session):
            raise PermissionDenied(_(NOT_THE_REPORTER))
        if not selectors.awaiting_evaluation(c):
            raise ValidationError(_(NOT_EVALUABLE))

    def apply(c: Case, now: datetime) -> None:
        if satisfied:
            c.closed_at = c.closed_at or now
            if c.fixed is None:
                c.fixed = True
        else:
            _reopen_fields(c, now)

    return _step(
        case=case,
        actor=None,
        action=CaseAction.EVALUATE,
        check=check,
        public_note=comment,
        to_state=CaseState.CLOSED if satisfied else CaseState.REOPENED,
        apply=apply,
        by_reporter=True,
        event_fields={"rating": rating, "fixed": fixed},
    )


# --- Adapter: field operations (yima.operations) ---------------------------------------------
# The only code that touches yima.operations. Without that app, repairs_available() is False,
# the pages offer no repair button and case_open_repair refuses; everything else works.


def repairs_available() -> bool:
    return apps.is_installed("yima.operations")


def _work_order_open(*, case: Case, actor, description: str) -> int:
    """ADAPTER -> yima.operations.services.work_order_open; returns the work order's id."""
    from yima.operations.choices import WorkOrderSource
    from yima.operations.services import work_order_open

    due_on = max(timezone.localtime(case.resolve_due_at).date(), timezone.localdate())
    work_order = work_order_open(
        facility=case.facility,
        actor=actor,
        source=WorkOrderSource.REPORT,
        description=description,
        report_ref=case.tracking,
        due_on=due_on,
        reason=_("From public report %(number)s") % {"number": case.display_tracking},
    )
    return work_order.pk


def case_open_repair(*, case: Case, actor, description: str = "") -> Case:
    """Open a repair order for the facility's contractor from this case (regulator). The case
    is handed to that contractor; the repair's completion resolves it
    (case_on_work_order_done)."""
    if not repairs_available():
        raise ValidationError(_(REPAIRS_UNAVAILABLE))
    if case.facility_id is None:
        raise ValidationError(_(REPAIR_NEEDS_FACILITY))
    contractor = case.facility.contractor
    if contractor is None:
        raise ValidationError(_(NO_CONTRACTOR))
    description = _clean(description) or case.description

    def check(c: Case) -> None:
        _require_regulator(actor, c)
        if c.work_order_id is not None:
            raise ValidationError(_(REPAIR_EXISTS))

    def apply(c: Case, now: datetime) -> None:
        c.work_order_id = _work_order_open(case=c, actor=actor, description=description)
        c.accepted_at = c.accepted_at or now
        if c.assignee_id != contractor.pk:
            c.assignee = contractor
            c.assigned_at = now

    return _step(
        case=case,
        actor=actor,
        action=CaseAction.REPAIR,
        check=check,
        apply=apply,
        event_fields={"assignee": contractor},
    )


def case_on_work_order_done(work_order, *, actor=None) -> Case | None:
    """HOOK for yima.operations: call when a work order is completed (in progress -> done).

    The case it was opened from (by id, or by its tracking number in `report_ref`) moves to
    resolved with what was done as the public note. Does nothing (returns None) for work orders
    that do not come from a case, or when the case is no longer being handled; calling it twice
    is harmless.
    """
    case = Case.objects.filter(work_order_id=work_order.pk).first()
    if case is None and getattr(work_order, "report_ref", ""):
        case = Case.objects.filter(tracking=work_order.report_ref).first()
    if case is None or case.state != CaseState.ASSIGNED:
        return None
    resolution = _clean(getattr(work_order, "resolution", "")) or _("The repair is done.")
    return _resolve(
        case=case,
        actor=actor,
        public_note=resolution,
        internal_note=_("Repair order #%(number)s completed.") % {"number": work_order.pk},
        check=lambda c: None,
    )


# --- Housekeeping (tasks.py and management commands) ---


def case_flag_overdue(*, now: datetime | None = None) -> int:
    """Escalate cases that just missed a deadline: log it and tell the regulator (and the unit
    handling it). Each deadline is escalated once; returns how many cases were flagged."""
    now = now or timezone.now()
    accept_late = Case.objects.public().filter(
        state=CaseState.SUBMITTED, accept_due_at__lt=now, accept_overdue_flagged_at__isnull=True
    )
    resolve_late = Case.objects.public().filter(
        state__in=OPEN_STATES, resolve_due_at__lt=now, resolve_overdue_flagged_at__isnull=True
    )
    flagged = 0
    for field, queryset, note in (
        ("accept_overdue_flagged_at", accept_late, _("Not accepted by its deadline.")),
        ("resolve_overdue_flagged_at", resolve_late, _("Not resolved by its deadline.")),
    ):
        for case in queryset.only("pk"):

            def apply(c: Case, at: datetime, field=field) -> None:
                setattr(c, field, at)

            def check(c: Case, field=field) -> None:
                if getattr(c, field) is not None:
                    raise ValidationError("already flagged")

            try:
                _step(
                    case=case,
                    actor=None,
                    action=CaseAction.OVERDUE,
                    check=check,
                    internal_note=note,
                    apply=apply,
                )
            except ValidationError:
                continue  # flagged meanwhile by another run
            flagged += 1
    return flagged


def case_purge_reporter_contacts(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete reporters' phone numbers once their case has been closed or rejected (or hidden
    as abusive) for longer than YIMA_CASE_PHONE_RETENTION_DAYS. The number is not in the change
    history, so it is gone for good; the log records that it was deleted. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.YIMA_CASE_PHONE_RETENTION_DAYS)
    finished = Q(state__in=(CaseState.CLOSED, CaseState.REJECTED), closed_at__lt=cutoff)
    cases = list(Case.objects.exclude(reporter_phone="").filter(finished | Q(hidden_at__lt=cutoff)))
    if dry_run or not cases:
        return len(cases)
    reason = _("Reporter's phone number deleted after the retention period")
    with transaction.atomic():
        for case in cases:
            case.reporter_phone = ""
            case.contact_purged_at = now
        bulk_update_with_history(
            cases,
            Case,
            ["reporter_phone", "contact_purged_at"],
            default_change_reason=reason,
            default_date=now,
        )
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case=case,
                action=CaseAction.PURGE_CONTACT,
                from_state=case.state,
                to_state=case.state,
                internal_note=reason,
                at=now,
            )
            for case in cases
        )
    return len(cases)
