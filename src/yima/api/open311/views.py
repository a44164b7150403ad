"""Open311 GeoReport v2 at /open311/v2/ and its service discovery at /open311/discovery.*:
plain views, each in `.json` and `.xml`.

Reading needs no key. Filing a report (POST requests) needs an API key, sent as the form field
`api_key` (the spec's way) or as `Authorization: Bearer <key>`. Reports filed here are ordinary
public reports (channel "open311"): same deadlines, same workflow, same privacy rules.

Errors are the spec's list with HTTP 400 (bad request), 403 (missing or wrong api_key), 404
(unknown service, request or format) and 429 (too many reports from one client or about one
facility, with Retry-After).
"""

import logging
import re
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt

from yima.accounts.scope import scope_for
from yima.api import selectors as api_selectors
from yima.api import services as api_services
from yima.api.open311 import mapping
from yima.api.open311.render import FORMATS, error, respond
from yima.cases import selectors as case_selectors
from yima.cases.choices import OPEN_STATES, CaseChannel
from yima.cases.models import DESCRIPTION_MAX, Case, CaseType
from yima.cases.ratelimit import RateLimited
from yima.cases.services import case_submit
from yima.cases.tracking import normalize
from yima.core.http import client_ip
from yima.facilities.codes import CodeError, parse_code
from yima.facilities.models import Facility
from yima.regions.choices import Level
from yima.regions.models import Region

log = logging.getLogger(__name__)

MAX_SPAN = timedelta(days=90)
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")
# Control characters (other than tab and newlines) in typed text: dropped, as the web form's
# fields would refuse them; PostgreSQL cannot even store NUL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_RESULTS = 1000
ADDRESS_MAX = Case._meta.get_field("subject").max_length

UNKNOWN_FORMAT = gettext_noop("Unknown format: use .xml or .json.")
METHOD_NOT_ALLOWED = gettext_noop("This method is not allowed here.")
SERVICE_NOT_FOUND = gettext_noop("service_code not found: %(code)s")
SERVICE_REQUIRED = gettext_noop("service_code was not provided.")
REQUEST_NOT_FOUND = gettext_noop("service_request_id not found: %(id)s")
KEY_REQUIRED = gettext_noop("api_key was not provided.")
KEY_INVALID = gettext_noop("Invalid api_key received -- cannot create the request.")
LOCATION_REQUIRED = gettext_noop(
    "A location is required: lat and long, address_string or address_id."
)
LAT_LONG_PAIR = gettext_noop("lat and long must be sent together.")
BAD_COORDINATE = gettext_noop("%(field)s is not a number.")
ADDRESS_TOO_LONG = gettext_noop("address_string: at most %(max)s characters.")
UNKNOWN_FACILITY = gettext_noop("address_id: no facility has this code.")
DESCRIPTION_TOO_LONG = gettext_noop("description: at most %(max)s characters.")
BAD_DATE = gettext_noop("%(field)s is not a date and time in W3C format (e.g. %(example)s).")
SPAN_TOO_LONG = gettext_noop("start_date and end_date may not span more than 90 days.")
END_BEFORE_START = gettext_noop("end_date is before start_date.")
BAD_STATUS = gettext_noop("status must be open or closed.")
BAD_CLIENT_ID = gettext_noop("client_id must be a UUID (e.g. %(example)s).")
CONTACT = gettext_noop(
    "Questions about this service: the environment bureau's hotline %(hotline)s (government "
    "service hotline 12345)."
)
KEY_SERVICE = gettext_noop(
    "Reading needs no key. To file reports, ask the environment bureau's yima administrator "
    "for an API key (created with: yima create-api-key NAME)."
)

# case_submit's field names, as an Open311 client knows them.
_PARAM_NAMES = {
    "case_type": "service_code",
    "description": "description",
    "reporter_phone": "phone",
    "subject": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "client_id": "client_id",
}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions
        self.headers = headers


def endpoint(*methods: str):
    """Check the format and method; turn Open311Error into the spec's error response."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return error("json", 404, _(UNKNOWN_FORMAT))
            if request.method not in methods:
                return error(fmt, 405, _(METHOD_NOT_ALLOWED), headers={"Allow": ", ".join(methods)})
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, *exc.descriptions, headers=exc.headers)

        return csrf_exempt(wrapper)

    return decorate


# --- Discovery and services ---


@endpoint("GET", "HEAD")
def discovery(request, fmt):
    services_url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt}))
    changeset = mapping.changeset()
    body = {
        "changeset": changeset,
        "contact": _(CONTACT) % {"hotline": settings.YIMA_REGULATOR_HOTLINE},
        "key_service": _(KEY_SERVICE),
        "endpoints": [
            {
                "specification": mapping.SPECIFICATION,
                "url": services_url.rsplit("/", 1)[0],
                "changeset": changeset,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@endpoint("GET", "HEAD")
def services(request, fmt):
    types = case_selectors.public_case_types()
    return respond(fmt, "services", [mapping.service(t) for t in types])


def _service(code: str) -> CaseType:
    case_type = None
    if SLUG.fullmatch(code):
        case_type = case_selectors.public_case_types().filter(code=code).first()
    if case_type is None:
        raise Open311Error(404, _(SERVICE_NOT_FOUND) % {"code": code})
    return case_type


@endpoint("GET", "HEAD")
def service_definition(request, code, fmt):
    return respond(fmt, "service_definition", mapping.service_definition(_service(code)))


# --- Requests: list and one ---


def _comma_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _moment(params, field: str, *, end_of_day: bool = False) -> datetime | None:
    """A W3C date-time (or a plain date) from the query; naive values are in the site's zone.
    A '+' of an offset sent unencoded arrives as a space: it is put back."""
    raw = re.sub(r" (\d{2}:?\d{2})$", r"+\1", (params.get(field) or "").strip())
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = datetime.combine(day, time.max if end_of_day else time.min)
        if moment is None:
            raise ValueError(raw)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(UTC)  # out-of-range values fail here, not in the database
    except (ValueError, OverflowError):
        raise Open311Error(
            400, _(BAD_DATE) % {"field": field, "example": "2025-01-01T00:00:00+08:00"}
        ) from None
    return moment


def _window(params) -> tuple[datetime, datetime]:
    """start_date/end_date, defaulting to the last 90 days; no more than 90 days apart."""
    start = _moment(params, "start_date")
    end = _moment(params, "end_date", end_of_day=True)
    try:
        if start is None and end is None:
            end = timezone.now()
            start = end - MAX_SPAN
        elif start is None:
            start = end - MAX_SPAN
        elif end is None:
            end = start + MAX_SPAN
    except OverflowError:
        raise Open311Error(400, _(SPAN_TOO_LONG)) from None
    if end < start:
        raise Open311Error(400, _(END_BEFORE_START))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _(SPAN_TOO_LONG))
    return start, end


def _request_list(params):
    cases = mapping.with_public_progress(case_selectors.public_cases())
    ids = _comma_list(params.get("service_request_id"))
    if ids:
        # The spec: a list of ids overrides every other argument.
        wanted = {compact for compact in map(normalize, ids) if compact}
        return cases.filter(tracking__in=wanted)
    statuses = set(_comma_list(params.get("status")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _(BAD_STATUS))
    start, end = _window(params)
    cases = cases.filter(submitted_at__gte=start, submitted_at__lte=end)
    codes = _comma_list(params.get("service_code"))
    if codes:
        cases = cases.filter(case_type__code__in=[c for c in codes if SLUG.fullmatch(c)])
    if statuses == {"open"}:
        cases = cases.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        cases = cases.exclude(state__in=OPEN_STATES)
    return cases[:MAX_RESULTS]


@endpoint("GET", "HEAD", "POST")
def requests(request, fmt):
    """GET: search requests (no key). POST: file one (api_key required)."""
    if request.method == "POST":
        return create_request(request, fmt)
    return list_requests(request, fmt)


def list_requests(request, fmt):
    agencies = mapping.Agencies()
    body = [mapping.service_request(case, agencies) for case in _request_list(request.GET)]
    return respond(fmt, "service_requests", body)


@endpoint("GET", "HEAD")
def request_detail(request, request_id, fmt):
    compact = normalize(request_id)
    case = None
    if compact:
        cases = mapping.with_public_progress(case_selectors.public_cases())
        case = cases.filter(tracking=compact).first()
    if case is None:
        raise Open311Error(404, _(REQUEST_NOT_FOUND) % {"id": request_id})
    return respond(fmt, "service_requests", [mapping.service_request(case, mapping.Agencies())])


# --- Filing a request ---


def _api_key(request):
    secret = (request.POST.get("api_key") or "").strip()
    if not secret:
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        secret = token.strip() if scheme.lower() == "bearer" else ""
    if not secret:
        raise Open311Error(403, _(KEY_REQUIRED))
    key = api_selectors.api_key_for_secret(secret)
    if key is None:
        raise Open311Error(403, _(KEY_INVALID))
    api_services.api_key_touch(key)
    return key


def _coordinates(params) -> tuple[Decimal | None, Decimal | None]:
    raw = {field: (params.get(field) or "").strip() for field in ("lat", "long")}
    if not raw["lat"] and not raw["long"]:
        return None, None
    if not raw["lat"] or not raw["long"]:
        raise Open311Error(400, _(LAT_LONG_PAIR))
    values = []
    for field in ("lat", "long"):
        try:
            value = Decimal(raw[field])
            if not value.is_finite():
                raise InvalidOperation
            # The case stores 6 decimals (about 0.1 m); range is checked by the model.
            values.append(value.quantize(Decimal("0.000001")))
        except InvalidOperation:
            raise Open311Error(400, _(BAD_COORDINATE) % {"field": field}) from None
    return values[0], values[1]


def _facility(address_id: str) -> Facility | None:
    if not address_id:
        return None
    try:
        compact = parse_code(address_id).compact
    except CodeError as exc:
        raise Open311Error(400, f"address_id: {exc.message}") from None
    facility = Facility.objects.alive().filter(code=compact).first()
    if facility is None:
        raise Open311Error(400, _(UNKNOWN_FACILITY))
    return facility


def _county_at(latitude: Decimal, longitude: Decimal) -> Region | None:
    """The county whose boundary holds the point, so its bureau handles the report."""
    from yima.regions.geo import county_contains

    for county in Region.objects.filter(level=Level.COUNTY).order_by("code"):
        if county_contains(county.code, longitude, latitude):
            return county
    return None


def _validation_errors(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return [str(message) for message in exc.messages]
    return [
        f"{_PARAM_NAMES.get(field, field)}: {message}"
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _client_ip(request, key) -> str | None:
    """Whose per-IP limit applies. A key tied to a bureau or contractor account is a trusted
    relay (e.g. the 12345 hotline filing for many callers): only the per-facility limit."""
    if key.user is not None and scope_for(key.user).is_staff_member:
        return None
    return client_ip(request) or None


def _client_id(params) -> uuid.UUID | None:
    """yima's extension: `client_id`, a UUID the client draws once per report and sends again
    with every retry of it; a retry answers 201 with the report the first copy filed."""
    raw = (params.get("client_id") or "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Open311Error(
            400, _(BAD_CLIENT_ID) % {"example": "5f0c3b9e-8d2a-4c1e-9b7a-2e6d4f1a0c3d"}
        ) from None


def create_request(request, fmt):
    params = request.POST
    key = _api_key(request)
    client_id = _client_id(params)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _(SERVICE_REQUIRED))
    case_type = _service(code)

    latitude, longitude = _coordinates(params)
    address = CONTROL.sub("", params.get("address_string") or "").strip()
    facility = _facility((params.get("address_id") or "").strip())
    if facility is None and latitude is None and not address:
        raise Open311Error(400, _(LOCATION_REQUIRED))
    if len(address) > ADDRESS_MAX:
        raise Open311Error(400, _(ADDRESS_TOO_LONG) % {"max": ADDRESS_MAX})
    description = CONTROL.sub("", params.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _(DESCRIPTION_TOO_LONG) % {"max": DESCRIPTION_MAX})
    region = None
    if facility is None and latitude is not None:
        region = _county_at(latitude, longitude)
    subject = address
    if facility is None and region is None and not subject:
        subject = f"{latitude}, {longitude}"

    # first_name, last_name, email, device_id, account_id and media_url are not kept: a
    # report needs none of them, and PIPL asks us to collect no more than we need. A phone
    # number is kept (the reporter may want to be called back), under the usual rules.
    try:
        case = case_submit(
            case_type=case_type,
            # The spec makes the description optional; a report names its problem type anyway.
            description=description or case_type.name,
            facility=facility,
            subject=subject,
            region=region,
            latitude=latitude,
            longitude=longitude,
            reporter_phone=params.get("phone") or "",
            channel=CaseChannel.OPEN311,
            client_ip=_client_ip(request, key),
            client_id=client_id,
        )
    except ValidationError as exc:
        raise Open311Error(400, *_validation_errors(exc)) from None
    except RateLimited as exc:
        raise Open311Error(
            429, _(exc.message), headers={"Retry-After": str(exc.retry_after)}
        ) from None
    log.info("Open311 report %s filed with API key %s", case.display_tracking, key.prefix)
    body = [
        {
            "service_request_id": case.display_tracking,
            "service_notice": mapping.service_notice(case),
            "account_id": None,
        }
    ]
    return respond(fmt, "service_requests", body, status=201)
