"""Reads for field operations, always through a visibility gate.

The inspection schedule is computed in the database: each in-service facility is annotated with
its last inspection (a correlated subquery), its interval from the policy table (another) and
the due time derived from both, so lists of due and overdue facilities cost one query however
many facilities there are.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from yima.accounts.scope import scope_for
from yima.facilities.choices import Status
from yima.facilities.models import Facility
from yima.operations.choices import WORK_ORDER_ACTIVE, OperatingState, ScheduleState
from yima.operations.compliance import Limit
from yima.operations.models import (
    ChecklistItem,
    DischargeLimit,
    Inspection,
    InspectionPolicy,
    WaterSample,
    WorkOrder,
)

# --- Who may see and do what -------------------------------------------------------------


def ops_visibility_q(user, owner_field: str = "contractor_id") -> Q | None:
    """Operations records `user` may see: those of facilities they can see (regulators in
    scope, the facility's current contractor) and those their own contractor made."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.is_staff_member:
        return None
    q = Q(facility__in=Facility.objects.visible_to(user).values("pk"))
    if scope.contractor_ids:
        q |= Q(**{f"{owner_field}__in": scope.contractor_ids})
    return q


def is_facility_contractor(user, facility: Facility) -> bool:
    """Whether `user` works for the contractor that holds this facility now."""
    return facility.contractor_id is not None and (
        facility.contractor_id in scope_for(user).contractor_ids
    )


def is_facility_regulator(user, facility: Facility) -> bool:
    """Whether `user` supervises the region this facility lies in (administrators do too)."""
    return scope_for(user).covers_region_code(facility.town.code)


def organisation_members(organisation_id: int) -> QuerySet:
    """Active users working for an organisation (who a notification goes to)."""
    from yima.accounts.models import User

    return User.objects.filter(
        memberships__organisation_id=organisation_id, is_active=True
    ).distinct()


def may_record_sample(user, facility: Facility) -> bool:
    return is_facility_contractor(user, facility) or is_facility_regulator(user, facility)


# --- The inspection schedule ---------------------------------------------------------------


def _interval_subquery() -> Subquery:
    """The facility's interval in days: its county's band if the county has one that fits its
    capacity, else the default band; the band with the largest lower bound wins."""
    bands = (
        InspectionPolicy.objects.filter(
            Q(county=OuterRef("county")) | Q(county__isnull=True),
            min_capacity_m3d__lte=OuterRef("capacity_m3d"),
        )
        .order_by(F("county").asc(nulls_last=True), "-min_capacity_m3d")
        .values("interval_days")[:1]
    )
    return Subquery(bands, output_field=IntegerField())


def interval_case() -> Case:
    """The same interval as `_interval_subquery()`, as one CASE over the policy's bands (read
    here, once): no subquery per facility, for statements that write many facilities' rows at
    once. The bands are tried in the subquery's order, county bands first."""
    bands = InspectionPolicy.objects.order_by(
        F("county").asc(nulls_last=True), "-min_capacity_m3d"
    ).values_list("county_id", "min_capacity_m3d", "interval_days")
    return Case(
        *(
            When(
                Q(capacity_m3d__gte=minimum) & (Q(county_id=county) if county else Q()),
                then=Value(interval),
            )
            for county, minimum, interval in bands
        ),
        default=None,
        output_field=IntegerField(),
    )


def _last_inspection_subquery(field: str) -> Subquery:
    latest = Inspection.objects.filter(facility=OuterRef("pk")).order_by("-finished_at", "-pk")
    return Subquery(latest.values(field)[:1])


def schedule_annotate(facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """In-service facilities with last_inspected_at, last_outcome, interval_days and due_at.

    A facility never inspected is due one interval after it was registered. A facility that no
    policy band covers has no due time (due_at is NULL) and is never reported overdue.
    """
    day = Value(timedelta(days=1), output_field=DurationField())
    return facilities.filter(status=Status.IN_SERVICE).annotate(
        last_inspected_at=_last_inspection_subquery("finished_at"),
        last_outcome=_last_inspection_subquery("outcome"),
        interval_days=_interval_subquery(),
        due_at=ExpressionWrapper(
            Coalesce(F("last_inspected_at"), F("created_at"))
            + ExpressionWrapper(F("interval_days") * day, output_field=DurationField()),
            output_field=DateTimeField(),
        ),
    )


def schedule_state(due_at: datetime | None, now: datetime | None = None) -> str:
    if due_at is None:
        return ScheduleState.ON_TIME
    now = now or timezone.now()
    if due_at < now:
        return ScheduleState.OVERDUE
    if due_at < now + timedelta(days=settings.YIMA_INSPECTION_DUE_SOON_DAYS):
        return ScheduleState.DUE_SOON
    return ScheduleState.ON_TIME


def inspection_schedule(
    *,
    user=None,
    facilities: QuerySet[Facility] | None = None,
    state: str | None = None,
    contractor_id: int | None = None,
    county_code: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Facility]:
    """The in-service facilities `user` can see (or `facilities`, for system jobs), annotated
    with their due time and filtered to one ScheduleState, most overdue first."""
    if facilities is None:
        facilities = Facility.objects.visible_to(user)
    now = now or timezone.now()
    qs = schedule_annotate(facilities).select_related("county", "town", "village", "contractor")
    if contractor_id:
        qs = qs.filter(contractor_id=contractor_id)
    if county_code:
        qs = qs.filter(county__code__startswith=county_code[:6])
    soon = now + timedelta(days=settings.YIMA_INSPECTION_DUE_SOON_DAYS)
    if state == ScheduleState.OVERDUE:
        qs = qs.filter(due_at__lt=now)
    elif state == ScheduleState.DUE_SOON:
        qs = qs.filter(due_at__gte=now, due_at__lt=soon)
    elif state == ScheduleState.ON_TIME:
        qs = qs.filter(Q(due_at__gte=soon) | Q(due_at__isnull=True))
    return qs.order_by(F("due_at").asc(nulls_last=True), "code")


@dataclass(frozen=True)
class ScheduleCount:
    key: int | str | None
    name: str
    overdue: int
    due_soon: int
    total: int


def schedule_counts(
    schedule: QuerySet[Facility], *, by: str, now: datetime | None = None
) -> list[ScheduleCount]:
    """Overdue / due-soon / in-service counts per contractor (`by="contractor"`) or per county
    (`by="county"`), in one grouped query over an annotated schedule."""
    now = now or timezone.now()
    soon = now + timedelta(days=settings.YIMA_INSPECTION_DUE_SOON_DAYS)
    key, name = {
        "contractor": ("contractor_id", "contractor__name"),
        "county": ("county__code", "county__name"),
    }[by]
    rows = (
        schedule.order_by()
        .values(key, name)
        .annotate(
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lt=soon)),
            total=Count("pk"),
        )
        .order_by(name)
    )
    return [
        ScheduleCount(
            key=row[key],
            name=row[name] or "",
            overdue=row["overdue"],
            due_soon=row["due_soon"],
            total=row["total"],
        )
        for row in rows
    ]


# --- A facility's state, for the scan page ----------------------------------------------------


@dataclass(frozen=True)
class FacilityOperatingState:
    state: str  # OperatingState
    last_inspected_at: datetime | None
    verified_on_site: bool = False  # whether that latest inspection was checked in on site

    @property
    def label(self) -> str:
        return OperatingState(self.state).label


def facility_operating_state(facility: Facility) -> FacilityOperatingState:
    """Running normally / abnormal / unknown, from the latest inspection (one query).

    Carries no names or notes: the public face shows it.
    """
    row = (
        Inspection.objects.filter(facility_id=facility.pk)
        .order_by("-finished_at", "-pk")
        .values_list("outcome", "finished_at", "verified_on_site")
        .first()
    )
    if row is None:
        return FacilityOperatingState(OperatingState.UNKNOWN, None)
    return FacilityOperatingState(*row)


def facility_inspection_due(facility: Facility) -> datetime | None:
    """When the facility's next inspection is due (one query); None when it is not in service
    or no policy band covers it."""
    row = schedule_annotate(Facility.objects.filter(pk=facility.pk)).values_list("due_at").first()
    return row[0] if row else None


def facility_latest_sample(facility: Facility) -> WaterSample | None:
    """The facility's most recent water sample (one query), or None."""
    return (
        WaterSample.objects.filter(facility_id=facility.pk).order_by("-sampled_at", "-pk").first()
    )


# --- Lists and pages for staff --------------------------------------------------------------


def inspection_list(*, user, facility: Facility | None = None) -> QuerySet[Inspection]:
    qs = Inspection.objects.visible_to(user).select_related("facility", "contractor", "inspector")
    if facility is not None:
        qs = qs.filter(facility=facility)
    return qs.order_by("-finished_at", "-pk")


def inspection_get(*, user, pk: int) -> Inspection:
    return inspection_list(user=user).select_related("facility__town").get(pk=pk)


def sample_list(*, user, facility: Facility | None = None) -> QuerySet[WaterSample]:
    qs = WaterSample.objects.visible_to(user).select_related("facility", "recorded_by")
    if facility is not None:
        qs = qs.filter(facility=facility)
    return qs.order_by("-sampled_at", "-pk")


def work_order_list(
    *, user, state: str | None = None, facility: Facility | None = None, overdue: bool = False
) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.visible_to(user).select_related(
        "facility", "facility__county", "facility__town", "contractor"
    )
    if state == "active":
        qs = qs.filter(state__in=WORK_ORDER_ACTIVE)
    elif state:
        qs = qs.filter(state=state)
    if facility is not None:
        qs = qs.filter(facility=facility)
    if overdue:
        qs = qs.filter(state__in=WORK_ORDER_ACTIVE, due_on__lt=timezone.localdate())
    return qs.order_by("-created_at", "-pk")


def work_order_get(*, user, pk: int) -> WorkOrder:
    return (
        WorkOrder.objects.visible_to(user)
        .select_related("facility", "facility__town", "facility__county", "contractor", "opened_by")
        .get(pk=pk)
    )


# --- Reference data ---------------------------------------------------------------------------


def checklist_for(process: str) -> list[ChecklistItem]:
    """The checklist items for a treatment process: its own template, else the default one."""
    items = list(
        ChecklistItem.objects.filter(template__process__in=[process, ""]).select_related("template")
    )
    own = [item for item in items if item.template.process == process and process]
    return own or [item for item in items if item.template.process == ""]


def limits_for(standard_code: str, grade: str) -> dict[str, Limit]:
    """The limits of one grade of a standard, keyed by pollutant (empty when none loaded)."""
    return {
        row.pollutant: Limit(
            pollutant=row.pollutant,
            limit_min=row.limit_min,
            limit_max=row.limit_max,
            cold_limit_max=row.cold_limit_max,
            unit=row.unit,
        )
        for row in DischargeLimit.objects.filter(standard__code=standard_code, grade=grade)
    }


@dataclass
class OverdueGroup:
    contractor: object  # Organisation or None (facilities without a contractor)
    facilities: list[Facility]


def overdue_by_contractor(
    *, user=None, facilities: QuerySet[Facility] | None = None, now: datetime | None = None
) -> list[OverdueGroup]:
    """Overdue facilities grouped by contractor (one query), for the `overdue` command."""
    rows = inspection_schedule(
        user=user, facilities=facilities, state=ScheduleState.OVERDUE, now=now
    ).order_by(F("contractor__name").asc(nulls_last=True), "due_at", "code")
    groups: list[OverdueGroup] = []
    for facility in rows:
        if not groups or groups[-1].contractor != facility.contractor:
            groups.append(OverdueGroup(facility.contractor, []))
        groups[-1].facilities.append(facility)
    return groups


def standard_for(code: str):
    """The DischargeStandard row for a facility's standard code, or None."""
    from yima.operations.models import DischargeStandard

    return DischargeStandard.objects.filter(code=code).first()
