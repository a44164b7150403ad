"""Reads of cases: the visibility gate, who may do what, lists, the public timeline, and the
figures the scan page and the dashboard need (按时办结率, 满意率).

Gate: regulators see and direct the cases whose region lies in their scope (a case about no
region only the city-level bureaus and administrators); a contractor's staff see the cases
handed to their organisation; the public reaches one case by its tracking number.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Count, F, Q, QuerySet, Value, When
from django.db.models import Case as CaseWhen
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation, User
from yima.accounts.scope import scope_for
from yima.cases.choices import (
    ASSIGNEE_ACTIONS,
    EVALUABLE_STATES,
    OPEN_STATES,
    PUBLIC_ACTIONS,
    REGULATOR_ACTIONS,
    TRANSITIONS,
    CaseAction,
    CaseState,
)
from yima.cases.models import Case, CaseEvent, CaseType
from yima.cases.privacy import mask_phone, redact_phones
from yima.cases.tracking import normalize

# A regulator whose scope prefix is this short (a city or a province) also directs the cases
# that name no region at all.
_WIDE_PREFIX = 4


# --- The gate ---


def case_regulator_q(user) -> Q | None:
    """Filter for the cases `user` directs as a regulator; None when none."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.region_prefixes:
        return None
    q = Q(pk__in=[])
    for prefix in scope.region_prefixes:
        q |= Q(region__code__startswith=prefix)
    if any(len(prefix) <= _WIDE_PREFIX for prefix in scope.region_prefixes):
        q |= Q(region__isnull=True)
    return q


def case_visibility_q(user) -> Q | None:
    """Filter for the cases `user` may see on staff pages; None when none. Hidden cases stay
    visible to their regulators (marked) but vanish for the contractor."""
    scope = scope_for(user)
    q = case_regulator_q(user)
    if scope.contractor_ids:
        mine = Q(assignee_id__in=scope.contractor_ids, hidden_at__isnull=True)
        q = mine if q is None else q | mine
    return q


def regulates(user, case: Case) -> bool:
    """Whether `user` directs this case (the same rule as case_regulator_q, without a query)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if case.region_id is None:
        return any(len(p) <= _WIDE_PREFIX for p in scope.region_prefixes)
    return any(case.region.code.startswith(p) for p in scope.region_prefixes)


def is_assignee(user, case: Case) -> bool:
    """Whether `user` works for the unit the case is handed to."""
    return case.assignee_id is not None and case.assignee_id in scope_for(user).contractor_ids


def allowed_actions(user, case: Case) -> list[str]:
    """The actions `user` may take on the case now (by role and state), in display order."""
    roles = set()
    if regulates(user, case):
        roles |= REGULATOR_ACTIONS
    if is_assignee(user, case) and not case.is_hidden:
        roles |= ASSIGNEE_ACTIONS
    actions = []
    for action in CaseAction:
        if action not in roles:
            continue
        if action == CaseAction.HIDE:
            ok = not case.is_hidden
        elif action == CaseAction.UNHIDE:
            ok = case.is_hidden
        elif action == CaseAction.NOTE:
            ok = True
        elif action == CaseAction.REPAIR:
            from yima.cases.services import repairs_available

            ok = (
                case.state in TRANSITIONS[action][0]
                and case.facility_id is not None
                and case.work_order_id is None
                and repairs_available()
            )
        else:
            ok = case.state in TRANSITIONS[action][0]
        if ok:
            actions.append(action.value)
    return actions


# --- Staff lists and pages ---


def overdue_q(now: datetime | None = None) -> Q:
    """Open cases past their resolution deadline, and submitted ones past acceptance."""
    now = now or timezone.now()
    return Q(state=CaseState.SUBMITTED, accept_due_at__lt=now) | Q(
        state__in=OPEN_STATES, resolve_due_at__lt=now
    )


def with_overdue(queryset: QuerySet[Case], now: datetime | None = None) -> QuerySet[Case]:
    flag = CaseWhen(
        When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return queryset.annotate(overdue=flag)


def case_list(
    *,
    user,
    state: str = "",
    case_type: CaseType | None = None,
    overdue: bool = False,
    hidden: str = "",
    query: str = "",
    now: datetime | None = None,
) -> QuerySet[Case]:
    """The cases `user` may see, filtered, each annotated with `overdue`; newest first."""
    cases = Case.objects.visible_to(user)
    if state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif state:
        cases = cases.filter(state=state)
    if case_type is not None:
        cases = cases.filter(case_type=case_type)
    if overdue:
        cases = cases.filter(overdue_q(now))
    if hidden == "only":
        cases = cases.filter(hidden_at__isnull=False)
    elif hidden != "all":
        cases = cases.filter(hidden_at__isnull=True)
    if query:
        compact = normalize(query)
        text = Q(subject__icontains=query) | Q(facility__name__icontains=query)
        code = query.replace("-", "").replace(" ", "").upper()
        text |= Q(facility__code=code)
        cases = cases.filter(Q(tracking=compact) | text if compact else text)
    return with_overdue(cases, now).select_related("case_type", "facility", "region", "assignee")


def overdue_cases(*, user, now: datetime | None = None) -> QuerySet[Case]:
    """Open cases past a deadline that `user` directs (the regulator's overdue list)."""
    return case_list(user=user, overdue=True, now=now).filter(
        case_regulator_q(user) or Q(pk__in=[])
    )


def case_get(*, user, tracking: str) -> Case:
    """The case with this tracking number if `user` may see it, else Case.DoesNotExist (404)."""
    compact = normalize(tracking)
    if compact is None:
        raise Case.DoesNotExist
    return (
        Case.objects.visible_to(user)
        .select_related("case_type", "facility", "facility__town", "region", "assignee")
        .get(tracking=compact)
    )


def case_events(case: Case) -> QuerySet[CaseEvent]:
    """The full log for staff: actors and internal notes included."""
    return case.events.select_related("actor", "assignee")


def reporter_phone_for(user, case: Case) -> str | None:
    """The reporter's phone as `user` may see it: in full for the regulator, masked for the
    unit handling the case, not at all for anyone else. None when there is nothing to show."""
    if not case.reporter_phone:
        return None
    if regulates(user, case):
        return case.reporter_phone
    if is_assignee(user, case):
        return mask_phone(case.reporter_phone)
    return None


def assignable_units() -> QuerySet[Organisation]:
    """Units a case can be handed to: active O&M contractors."""
    return Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR, is_active=True)


def unit_members(organisation_id: int) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__organisation_id=organisation_id
    ).distinct()


def regulators_for(case: Case) -> list[User]:
    """Active staff of the regulator bureaus that direct this case (to tell them of news)."""
    bureaus = Organisation.objects.filter(
        kind=OrganisationKind.REGULATOR, is_active=True
    ).select_related("region")
    wanted = []
    for bureau in bureaus:
        prefix = bureau.region.prefix
        if case.region_id is None:
            covers = len(prefix) <= _WIDE_PREFIX
        else:
            covers = case.region.code.startswith(prefix)
        if covers:
            wanted.append(bureau.pk)
    if not wanted:
        return []
    return list(
        User.objects.filter(is_active=True, memberships__organisation_id__in=wanted).distinct()
    )


# --- The public side ---


def public_case_get(*, tracking: str) -> Case:
    """The case a tracking number opens for anyone; hidden cases do not exist for the public."""
    compact = normalize(tracking)
    if compact is None:
        raise Case.DoesNotExist
    return (
        Case.objects.public()
        .select_related("case_type", "facility", "facility__town", "facility__village")
        .get(tracking=compact)
    )


@dataclass(frozen=True)
class PublicStep:
    """One line of the public timeline: when, what happened (in public words), the note."""

    at: datetime
    title: str
    note: str
    tone: str = ""  # "", "ok", "warn" or "bad": how the page colours the step


def _public_title(event: CaseEvent) -> tuple[str, str]:
    if event.action == CaseAction.CLOSE:
        if event.fixed:
            return _("Closed: the problem is fixed"), "ok"
        return _("Closed without a fix"), "bad"
    if event.action == CaseAction.EVALUATE:
        verdict = _("fixed") if event.fixed else _("not fixed")
        title = _("Reporter's evaluation: %(rating)s of 5 stars, %(verdict)s") % {
            "rating": event.rating,
            "verdict": verdict,
        }
        return title, "ok" if event.to_state == CaseState.CLOSED else "warn"
    tones = {
        CaseAction.RESOLVE: "ok",
        CaseAction.REJECT: "bad",
        CaseAction.REOPEN: "warn",
        CaseAction.URGE: "warn",
    }
    return CaseAction(event.action).label, tones.get(event.action, "")


def public_timeline(case: Case) -> list[PublicStep]:
    """The steps the reporter sees, oldest first: what happened, when, and the public note.
    Only fields safe for the public are loaded (no actor, no internal note), and phone numbers
    typed into notes are masked."""
    events = (
        case.events.filter(action__in=PUBLIC_ACTIONS)
        .only("case_id", "action", "to_state", "public_note", "rating", "fixed", "at")
        .order_by("at", "pk")
    )
    steps = []
    for event in events:
        title, tone = _public_title(event)
        steps.append(PublicStep(event.at, title, redact_phones(event.public_note), tone))
    return steps


def public_status(case: Case, now: datetime | None = None) -> tuple[str, str]:
    """The case's state in public words, and its tone."""
    if case.state == CaseState.CLOSED:
        if case.fixed:
            return _("Closed: the problem is fixed"), "ok"
        return _("Closed without a fix"), "bad"
    if case.state == CaseState.RESOLVED:
        return _("Handled, waiting for your evaluation"), "ok"
    if case.state == CaseState.REJECTED:
        return CaseState(case.state).label, "bad"
    tone = "bad" if case.is_overdue(now) else "warn"
    return CaseState(case.state).label, tone


def new_case_url(facility=None) -> str:
    """Where the public reports a problem (about this facility): what the scan page links to."""
    url = reverse("cases:new")
    return f"{url}?{urlencode({'facility': facility.code})}" if facility is not None else url


def follow_url() -> str:
    """Where the public types a tracking number to follow a report."""
    return reverse("cases:follow")


def open_cases_for_facility(facility) -> QuerySet[Case]:
    """Open, not hidden cases about a facility, oldest first (scan page, duplicate hint)."""
    return (
        Case.objects.public()
        .open()
        .filter(facility=facility)
        .select_related("case_type")
        .order_by("submitted_at", "pk")
    )


def public_cases(
    *,
    case_type: CaseType | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    is_open: bool | None = None,
) -> QuerySet[Case]:
    """Cases anyone may list (e.g. Open311 `GET requests`): not hidden, newest first, with what
    a public listing shows loaded. Never expose reporter_phone from these."""
    cases = Case.objects.public().select_related("case_type", "facility")
    if case_type is not None:
        cases = cases.filter(case_type=case_type)
    if start is not None:
        cases = cases.filter(submitted_at__gte=start)
    if end is not None:
        cases = cases.filter(submitted_at__lt=end)
    if is_open is not None:
        cases = (
            cases.filter(state__in=OPEN_STATES) if is_open else cases.exclude(state__in=OPEN_STATES)
        )
    return cases.order_by("-submitted_at", "-pk")


def duplicate_candidates(*, facility, case_type: CaseType) -> QuerySet[Case]:
    """Open reports of the same type about the same facility: offered to follow instead."""
    return open_cases_for_facility(facility).filter(case_type=case_type)


def client_id_recorded(client_id) -> bool:
    """Whether a report was already filed with this client id (the one sent again is a retry)."""
    return Case.objects.filter(client_id=client_id).exists()


def public_case_types() -> QuerySet[CaseType]:
    return CaseType.objects.filter(is_active=True)


def awaiting_evaluation(case: Case) -> bool:
    """Whether the reporter may evaluate now: once after each resolution or closing."""
    if case.state not in EVALUABLE_STATES or case.concluded_at is None or case.is_hidden:
        return False
    return not case.events.filter(action=CaseAction.EVALUATE, at__gte=case.concluded_at).exists()


# --- Figures ---


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def ratio(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        return None if self.ratio is None else round(self.ratio * 100, 1)


def on_time_rate(
    *,
    cases: QuerySet[Case] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> Rate:
    """按时办结率 = reports concluded by their deadline / reports due.

    A report is due once its resolution deadline has passed, or earlier if it is already
    concluded (resolved, or closed with an explanation). Hidden and rejected reports are not
    counted. `start`/`end` select reports by their deadline.
    """
    now = now or timezone.now()
    cases = (Case.objects.all() if cases is None else cases).public()
    cases = cases.exclude(state=CaseState.REJECTED)
    if start is not None:
        cases = cases.filter(resolve_due_at__gte=start)
    if end is not None:
        cases = cases.filter(resolve_due_at__lt=end)
    due = Q(resolve_due_at__lt=now) | Q(concluded_at__isnull=False)
    on_time = Q(concluded_at__isnull=False, concluded_at__lte=F("resolve_due_at"))
    figures = cases.filter(due).aggregate(due=Count("pk"), on_time=Count("pk", filter=on_time))
    return Rate(figures["on_time"], figures["due"])


def satisfaction_rate(
    *,
    cases: QuerySet[Case] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Rate:
    """满意率 = evaluations of 4 or 5 (out of 5) / evaluations, of reports not hidden.
    `start`/`end` select evaluations by when they were given."""
    cases = (Case.objects.all() if cases is None else cases).public()
    events = CaseEvent.objects.filter(action=CaseAction.EVALUATE, case__in=cases)
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lt=end)
    figures = events.aggregate(all=Count("pk"), good=Count("pk", filter=Q(rating__gte=4)))
    return Rate(figures["good"], figures["all"])
