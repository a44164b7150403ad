"""/api/v1/facilities: the ledger, with the ledger page's filters, through its visibility gate."""

from datetime import date, datetime
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema

from yima.api.v1.auth import staff_user
from yima.api.v1.errors import ERROR_STATUSES, ApiError, ErrorOut
from yima.api.v1.pagination import PageIn, PageOut, paginate
from yima.api.v1.schemas import ContractorRef, QueryText, RegionRef, url_or_none
from yima.facilities import selectors
from yima.facilities.choices import CapacityClass, Process, Status
from yima.facilities.codes import CodeError, parse_code
from yima.facilities.filters import SORTS, ledger_filter
from yima.facilities.models import Facility
from yima.operations import selectors as ops_selectors

router = Router(tags=["facilities"])

NO_SUCH_FACILITY = gettext_noop("No facility with this code is visible to you.")

# Filters whose choices are the regions and contractors the user can see: a value outside them
# matches nothing (the ledger page would drop it instead, which an API must not do silently).
_SCOPED_FILTERS = ("county", "town", "contractor")


class FacilityOut(Schema):
    code: str = Field(description="Compact facility code.")
    display_code: str = Field(description="Grouped as printed on the sign.")
    name: str
    county: RegionRef
    town: RegionRef
    village: RegionRef | None
    longitude: float | None = Field(description="WGS-84.")
    latitude: float | None = Field(description="WGS-84.")
    year_built: int
    capacity_m3d: float = Field(description="Design capacity, m³/d.")
    process: str
    process_label: str
    households: int | None
    population: int | None
    standard: str
    grade: str
    receiving_water: str
    contractor: ContractorRef | None
    status: str
    status_label: str
    status_since: date | None
    created_at: datetime
    updated_at: datetime
    page_url: str | None = Field(description="The ledger page for staff.")
    scan_url: str | None = Field(description="The page the sign's QR code opens.")

    @staticmethod
    def resolve_process_label(obj) -> str:
        return str(obj.get_process_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_page_url(obj) -> str | None:
        return url_or_none("facilities:detail", code=obj.code)

    @staticmethod
    def resolve_scan_url(obj) -> str | None:
        return url_or_none("scan:facility", code=obj.code)


class OperatingStateOut(Schema):
    state: str = Field(description="normal, abnormal or unknown (never inspected).")
    label: str
    last_inspected_at: datetime | None
    verified_on_site: bool


class FacilityDetailOut(FacilityOut):
    operating_state: OperatingStateOut
    inspection_due_at: datetime | None = Field(description="When the next inspection is due.")
    can_edit: bool = Field(description="Whether you may change this ledger entry.")


class FacilityPage(PageOut):
    items: list[FacilityOut]


class FacilityFilters(Schema):
    q: QueryText | None = Field(None, max_length=100, description="Name, village, town or code.")
    county: str | None = Field(
        None, pattern=r"^[0-9]{6}([0-9]{6})?$", description="County code (6 or 12 digits)."
    )
    town: str | None = Field(
        None, pattern=r"^[0-9]{9}([0-9]{3})?$", description="Town code (9 or 12 digits)."
    )
    status: Literal[tuple(Status.values)] | None = None
    process: Literal[tuple(Process.values)] | None = None
    contractor: int | None = Field(None, ge=1, le=2**31 - 1, description="Contractor id.")
    capacity: Literal[tuple(CapacityClass.values)] | None = None
    sort: Literal[tuple(SORTS)] | None = Field(None, description="e.g. -capacity.")


def _ledger_params(filters: FacilityFilters) -> dict[str, str]:
    data = {k: str(v) for k, v in filters.dict().items() if v not in (None, "")}
    for field in ("county", "town"):
        if field in data:
            data[field] = data[field].ljust(12, "0")
    return data


def visible_facility(user, code: str) -> Facility:
    """The facility with this code (grouped or compact) if `user` may see it, else 404."""
    try:
        compact = parse_code(code).compact
    except CodeError as exc:
        raise ApiError(404, str(exc.message)) from None
    try:
        return selectors.facility_get(user=user, code=compact)
    except Facility.DoesNotExist:
        raise ApiError(404, _(NO_SUCH_FACILITY)) from None


@router.get("", response={200: FacilityPage, ERROR_STATUSES: ErrorOut}, summary="List facilities")
def list_facilities(request, filters: Query[FacilityFilters], page: Query[PageIn]):
    """The facilities you may see, filtered and sorted like the ledger page."""
    user = staff_user(request)
    params = _ledger_params(filters)
    facilities, form = ledger_filter(selectors.facility_list(user=user), params)
    if any(field in form.errors for field in _SCOPED_FILTERS):
        facilities = facilities.none()
    return paginate(request, facilities, page)


@router.get(
    "/{code}", response={200: FacilityDetailOut, ERROR_STATUSES: ErrorOut}, summary="A facility"
)
def get_facility(request, code: str):
    """One facility by its code, grouped (360121-2019-0019-X) or compact (36012120190019X)."""
    user = staff_user(request)
    facility = visible_facility(user, code)
    state = ops_selectors.facility_operating_state(facility)
    facility.operating_state = {
        "state": state.state,
        "label": str(state.label),
        "last_inspected_at": state.last_inspected_at,
        "verified_on_site": state.verified_on_site,
    }
    facility.inspection_due_at = ops_selectors.facility_inspection_due(facility)
    facility.can_edit = selectors.can_edit(user, facility)
    return facility
