"""Small shapes shared by the REST API's routers: references to regions, organisations,
facilities and users, and the page wrapper."""

from datetime import UTC, datetime
from typing import Annotated

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Field, Path, Schema
from pydantic import AfterValidator, BeforeValidator

# Database ids in paths: anything outside a 64-bit key is a 422, not a database overflow.
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _aware(value: datetime) -> datetime:
    """Filters accept times with or without a zone (without: the site's zone, Asia/Shanghai)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date out of range") from None


# Free text in query parameters: no control characters (PostgreSQL cannot compare with NUL).
QueryText = Annotated[str, Field(pattern=r"^[^\x00-\x1F\x7F]*$")]


def _iso_only(value):
    """ISO 8601 text only: pydantic alone would also take 0.5 as a Unix time."""
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(value.strip()) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError("not an ISO 8601 date and time, e.g. 2025-01-01T08:00:00+08:00")
    return parsed


QueryDatetime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_aware)]


def url_or_none(name: str, **kwargs) -> str | None:
    """A page's URL, or None while the app providing it is not installed."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


class RegionRef(Schema):
    code: str = Field(description="12-digit statistical code.")
    name: str


class OrganisationRef(Schema):
    id: int
    name: str


class ContractorRef(OrganisationRef):
    phone: str


class FacilityRef(Schema):
    code: str = Field(description="Compact facility code, e.g. 36012120190019X.")
    display_code: str = Field(description="Grouped as printed, e.g. 360121-2019-0019-X.")
    name: str


class UserRef(Schema):
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class PhotoOut(Schema):
    id: int
    width: int
    height: int
    url: str | None = Field(description="The copy without metadata (no location).")
    created_at: datetime

    @staticmethod
    def resolve_url(obj) -> str | None:
        return obj.public.url if obj.public else None
