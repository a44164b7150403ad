"""/api/v1/inspections, /samples and /work-orders: field records, through operations' gate
(`visible_to`: regulators in scope, the record's contractor, the facility's contractor)."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from yima.api import selectors as api_selectors
from yima.api.v1.auth import staff_user
from yima.api.v1.errors import ERROR_STATUSES, ErrorOut
from yima.api.v1.pagination import PageIn, PageOut, paginate
from yima.api.v1.schemas import (
    FacilityRef,
    ObjectId,
    OrganisationRef,
    PhotoOut,
    QueryDatetime,
    UserRef,
    url_or_none,
)
from yima.facilities.codes import CodeError, parse_code
from yima.operations import selectors
from yima.operations.choices import (
    WORK_ORDER_ACTIVE,
    Compliance,
    Outcome,
    Priority,
    WorkOrderSource,
    WorkOrderState,
)

router = Router()

FACILITY_PARAM = Field(None, max_length=40, description="Facility code, grouped or compact.")


def _for_facility(queryset: QuerySet, code: str | None) -> QuerySet:
    """Narrow to one facility; a code that cannot be one matches nothing."""
    if not code:
        return queryset
    try:
        compact = parse_code(code).compact
    except CodeError:
        return queryset.none()
    return queryset.filter(facility__code=compact)


# --- Inspections ---


class ChecklistAnswer(Schema):
    key: str
    label: str = ""
    ok: bool | None = Field(None, description="False: a problem; null: not answered.")


class InspectionOut(Schema):
    id: int
    client_id: UUID
    facility: FacilityRef
    contractor: OrganisationRef
    inspector: UserRef
    started_at: datetime
    finished_at: datetime
    outcome: str
    outcome_label: str
    verified_on_site: bool = Field(description="Checked in within range of the facility.")
    coord_system: str = Field(description="Datum the phone reported (wgs84, gcj02) or empty.")
    latitude: float | None = Field(description="WGS-84.")
    longitude: float | None = Field(description="WGS-84.")
    accuracy_m: float | None
    distance_m: float | None = Field(description="Distance to the facility's position.")
    flow_m3d: float | None = Field(
        None, description="The day's treated volume read on site (m³/d), if recorded."
    )
    notes: str
    checklist: list[ChecklistAnswer]
    created_at: datetime
    page_url: str | None

    @staticmethod
    def resolve_outcome_label(obj) -> str:
        return str(obj.get_outcome_display())

    @staticmethod
    def resolve_page_url(obj) -> str | None:
        return url_or_none("operations:inspection", pk=obj.pk)


class InspectionDetailOut(InspectionOut):
    photos: list[PhotoOut]
    work_order_ids: list[int]

    @staticmethod
    def resolve_photos(obj) -> list:
        return list(obj.photos.all())

    @staticmethod
    def resolve_work_order_ids(obj) -> list[int]:
        return list(obj.work_orders.values_list("pk", flat=True))


class InspectionPage(PageOut):
    items: list[InspectionOut]


class InspectionFilters(Schema):
    facility: str | None = FACILITY_PARAM
    outcome: Literal[tuple(Outcome.values)] | None = None
    verified_on_site: bool | None = None
    finished_after: QueryDatetime | None = None
    finished_before: QueryDatetime | None = None


@router.get(
    "/inspections",
    response={200: InspectionPage, ERROR_STATUSES: ErrorOut},
    tags=["inspections"],
    summary="List inspections",
)
def list_inspections(request, filters: Query[InspectionFilters], page: Query[PageIn]):
    """Inspections you may see, newest first."""
    user = staff_user(request)
    qs = _for_facility(selectors.inspection_list(user=user), filters.facility)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.verified_on_site is not None:
        qs = qs.filter(verified_on_site=filters.verified_on_site)
    if filters.finished_after:
        qs = qs.filter(finished_at__gte=filters.finished_after)
    if filters.finished_before:
        qs = qs.filter(finished_at__lt=filters.finished_before)
    return paginate(request, qs, page)


@router.get(
    "/inspections/{inspection_id}",
    response={200: InspectionDetailOut, ERROR_STATUSES: ErrorOut},
    tags=["inspections"],
    summary="An inspection",
)
def get_inspection(request, inspection_id: ObjectId):
    user = staff_user(request)
    return selectors.inspection_get(user=user, pk=inspection_id)


# --- Water samples ---


class SampleOut(Schema):
    id: int
    client_id: UUID
    facility: FacilityRef
    organisation: OrganisationRef | None = Field(description="Contractor that took it, if any.")
    recorded_by: UserRef
    lab: str
    sampled_at: datetime
    water_temperature_c: float | None
    ph: float | None
    cod: float | None = Field(description="mg/L")
    ss: float | None = Field(description="mg/L")
    nh3n: float | None = Field(description="mg/L")
    tn: float | None = Field(description="mg/L")
    tp: float | None = Field(description="mg/L")
    oils: float | None = Field(description="mg/L")
    standard: str
    grade: str
    compliance: str
    compliance_label: str
    results: list[dict[str, Any]] = Field(
        description="Each measured item's value, limits and verdict, as judged when recorded."
    )
    notes: str
    created_at: datetime
    page_url: str | None

    @staticmethod
    def resolve_compliance_label(obj) -> str:
        return str(obj.get_compliance_display())

    @staticmethod
    def resolve_page_url(obj) -> str | None:
        return url_or_none("operations:sample", pk=obj.pk)


class SamplePage(PageOut):
    items: list[SampleOut]


class SampleFilters(Schema):
    facility: str | None = FACILITY_PARAM
    compliance: Literal[tuple(Compliance.values)] | None = None
    sampled_after: QueryDatetime | None = None
    sampled_before: QueryDatetime | None = None


@router.get(
    "/samples",
    response={200: SamplePage, ERROR_STATUSES: ErrorOut},
    tags=["samples"],
    summary="List water samples",
)
def list_samples(request, filters: Query[SampleFilters], page: Query[PageIn]):
    """Water samples you may see, newest first."""
    user = staff_user(request)
    qs = selectors.sample_list(user=user).select_related("organisation")
    qs = _for_facility(qs, filters.facility)
    if filters.compliance:
        qs = qs.filter(compliance=filters.compliance)
    if filters.sampled_after:
        qs = qs.filter(sampled_at__gte=filters.sampled_after)
    if filters.sampled_before:
        qs = qs.filter(sampled_at__lt=filters.sampled_before)
    return paginate(request, qs, page)


@router.get(
    "/samples/{sample_id}",
    response={200: SampleOut, ERROR_STATUSES: ErrorOut},
    tags=["samples"],
    summary="A water sample",
)
def get_sample(request, sample_id: ObjectId):
    user = staff_user(request)
    return api_selectors.sample_get(user=user, pk=sample_id)


# --- Work orders ---


class WorkOrderEventOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: UserRef
    at: datetime
    note: str

    @staticmethod
    def resolve_action_label(obj) -> str:
        return str(obj.get_action_display())


class WorkOrderOut(Schema):
    id: int
    facility: FacilityRef
    contractor: OrganisationRef
    source: str
    inspection_id: int | None
    report_ref: str = Field(description="Tracking number of the public report, if any.")
    priority: str
    due_on: date
    state: str
    state_label: str
    overdue: bool
    description: str
    resolution: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    verified_at: datetime | None
    page_url: str | None

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.state in WORK_ORDER_ACTIVE and obj.due_on < timezone.localdate()

    @staticmethod
    def resolve_page_url(obj) -> str | None:
        return url_or_none("operations:work_order", pk=obj.pk)


class WorkOrderDetailOut(WorkOrderOut):
    opened_by: UserRef
    events: list[WorkOrderEventOut]
    photos: list[PhotoOut]

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_photos(obj) -> list:
        return list(obj.photos.all())


class WorkOrderPage(PageOut):
    items: list[WorkOrderOut]


class WorkOrderFilters(Schema):
    state: Literal[("active", *WorkOrderState.values)] | None = Field(
        None, description="A state, or `active` for open, in progress and reopened."
    )
    facility: str | None = FACILITY_PARAM
    overdue: bool | None = Field(None, description="Only active orders past their due date.")
    source: Literal[tuple(WorkOrderSource.values)] | None = None
    priority: Literal[tuple(Priority.values)] | None = None


@router.get(
    "/work-orders",
    response={200: WorkOrderPage, ERROR_STATUSES: ErrorOut},
    tags=["work orders"],
    summary="List work orders",
)
def list_work_orders(request, filters: Query[WorkOrderFilters], page: Query[PageIn]):
    """Repair orders you may see, newest first."""
    user = staff_user(request)
    qs = selectors.work_order_list(user=user, state=filters.state, overdue=bool(filters.overdue))
    qs = _for_facility(qs, filters.facility)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    return paginate(request, qs, page)


@router.get(
    "/work-orders/{work_order_id}",
    response={200: WorkOrderDetailOut, ERROR_STATUSES: ErrorOut},
    tags=["work orders"],
    summary="A work order",
)
def get_work_order(request, work_order_id: ObjectId):
    user = staff_user(request)
    return selectors.work_order_get(user=user, pk=work_order_id)
