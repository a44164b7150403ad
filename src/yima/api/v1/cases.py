"""/api/v1/cases: reports for staff, through the cases gate, with the privacy rules of the
staff pages: the reporter's phone in full for the regulator, masked (138****1234) for the unit
handling the case; phone numbers typed into the description masked for anyone but the regulator.
Steps on a case go through the same forms and services as the case page.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Body, Field, Path, Query, Router, Schema

from yima.api.v1.auth import staff_user
from yima.api.v1.errors import ERROR_STATUSES, ApiError, ErrorOut
from yima.api.v1.pagination import PageIn, PageOut, paginate
from yima.api.v1.schemas import (
    FacilityRef,
    ObjectId,
    OrganisationRef,
    QueryText,
    RegionRef,
    UserRef,
)
from yima.cases import selectors
from yima.cases.choices import ASSIGNEE_ACTIONS, REGULATOR_ACTIONS, CaseState
from yima.cases.models import Case, CaseType
from yima.cases.privacy import redact_phones
from yima.cases.services import NOT_ASSIGNEE, NOT_IN_SCOPE
from yima.cases.views_staff import ACTIONS  # the case page's registry: step -> form, service

router = Router(tags=["cases"])

NO_SUCH_CASE = gettext_noop("No report with this tracking number is visible to you.")
UNKNOWN_ACTION = gettext_noop("There is no such step.")
NO_BODY = Body(None)  # a step without fields may be posted with no body at all


def _viewer(context):
    return context["request"].user


class CaseTypeRef(Schema):
    code: str = Field(description="Also the Open311 service_code.")
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.label


class CaseOut(Schema):
    tracking: str = Field(description="Compact tracking number (also the Open311 id).")
    display_tracking: str = Field(description="As read out to the reporter, e.g. K7MQ-3XWP.")
    case_type: CaseTypeRef
    channel: str = Field(description="web, open311 or staff.")
    facility: FacilityRef | None
    region: RegionRef | None
    subject: str = Field(description="The place or subject, when there is no facility.")
    latitude: float | None
    longitude: float | None
    description: str = Field(description="Phone numbers in it are masked unless you regulate.")
    reporter_phone: str | None = Field(
        description="In full for the regulator, masked for the unit handling it, else null."
    )
    state: str
    state_label: str
    assignee: OrganisationRef | None = Field(description="The unit the report is handed to.")
    submitted_at: datetime
    accept_due_at: datetime = Field(description="Promised acceptance deadline.")
    resolve_due_at: datetime = Field(description="Promised resolution deadline.")
    accepted_at: datetime | None
    assigned_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    fixed: bool | None = Field(description="Set when closed: whether the problem was fixed.")
    overdue: bool
    urge_count: int
    hidden: bool = Field(description="Hidden from the public as abusive (regulators only).")
    work_order_id: int | None
    page_url: str
    public_url: str

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_description(obj, context) -> str:
        if selectors.regulates(_viewer(context), obj):
            return obj.description
        return redact_phones(obj.description)

    @staticmethod
    def resolve_reporter_phone(obj, context) -> str | None:
        return selectors.reporter_phone_for(_viewer(context), obj)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        flag = getattr(obj, "overdue", None)
        return obj.is_overdue() if flag is None else bool(flag)

    @staticmethod
    def resolve_hidden(obj) -> bool:
        return obj.is_hidden

    @staticmethod
    def resolve_page_url(obj) -> str:
        return reverse("cases:detail", kwargs={"tracking": obj.tracking})

    @staticmethod
    def resolve_public_url(obj) -> str:
        return reverse("cases:public", kwargs={"tracking": obj.tracking})


class CaseEventOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: UserRef | None = Field(description="Null for the reporter or the system.")
    by_reporter: bool
    assignee: OrganisationRef | None
    public_note: str = Field(description="What the reporter sees.")
    internal_note: str = Field(description="Staff only.")
    rating: int | None
    fixed: bool | None
    at: datetime

    @staticmethod
    def resolve_action_label(obj) -> str:
        return str(obj.get_action_display())

    # Notes follow the description's rule: phone numbers masked unless you regulate the case.
    # (`obj.case` is the case the events were loaded from: no extra query.)
    @staticmethod
    def resolve_public_note(obj, context) -> str:
        if selectors.regulates(_viewer(context), obj.case):
            return obj.public_note
        return redact_phones(obj.public_note)

    @staticmethod
    def resolve_internal_note(obj, context) -> str:
        if selectors.regulates(_viewer(context), obj.case):
            return obj.internal_note
        return redact_phones(obj.internal_note)


class CasePhotoOut(Schema):
    id: int
    width: int
    height: int
    url: str = Field(description="Download with the same credentials.")


class CaseDetailOut(CaseOut):
    hidden_reason: str | None = Field(description="Regulators only.")
    allowed_actions: list[str] = Field(description="Steps you may take now.")
    events: list[CaseEventOut]
    photos: list[CasePhotoOut]

    @staticmethod
    def resolve_hidden_reason(obj, context) -> str | None:
        if not obj.is_hidden or not selectors.regulates(_viewer(context), obj):
            return None
        return obj.hidden_reason

    @staticmethod
    def resolve_allowed_actions(obj, context) -> list[str]:
        return selectors.allowed_actions(_viewer(context), obj)

    @staticmethod
    def resolve_events(obj) -> list:
        return list(selectors.case_events(obj))

    @staticmethod
    def resolve_photos(obj) -> list[dict]:
        return [
            {
                "id": photo.pk,
                "width": photo.width,
                "height": photo.height,
                "url": reverse(
                    "api-v1:case_photo", kwargs={"tracking": obj.tracking, "photo_id": photo.pk}
                ),
            }
            for photo in obj.photos.all()
        ]


class CasePage(PageOut):
    items: list[CaseOut]


class CaseFilters(Schema):
    state: Literal[("open", *CaseState.values)] | None = Field(
        None, description="A state, or `open` for every state still owing the reporter."
    )
    type: QueryText | None = Field(None, max_length=40, description="Problem type code.")
    overdue: bool | None = Field(None, description="Only reports past a promised deadline.")
    hidden: Literal["", "all", "only"] | None = Field(
        None, description="Hidden reports: left out (default), `all` or `only` (regulators)."
    )
    q: QueryText | None = Field(
        None, max_length=100, description="Tracking number, facility, place."
    )


class CaseActionIn(Schema):
    """The fields of a step; which ones a step needs is the same as on the case page."""

    public_note: str = Field("", max_length=2000, description="Shown to the reporter.")
    internal_note: str = Field("", max_length=2000, description="Staff only.")
    reason: str = Field("", max_length=2000, description="reject, reopen, reassign, hide.")
    assignee: int | None = Field(None, ge=1, le=2**31 - 1, description="Unit id (assign).")
    fixed: bool = Field(False, description="close: whether the problem is fixed.")
    note: str = Field("", max_length=2000, description="note: the internal note.")
    description: str = Field("", max_length=2000, description="repair: what needs repairing.")


def visible_case(user, tracking: str) -> Case:
    try:
        return selectors.case_get(user=user, tracking=tracking)
    except Case.DoesNotExist:
        raise ApiError(404, _(NO_SUCH_CASE)) from None


@router.get("", response={200: CasePage, ERROR_STATUSES: ErrorOut}, summary="List reports")
def list_cases(request, filters: Query[CaseFilters], page: Query[PageIn]):
    """Reports you may see, newest first: the regulator's region, or those handed to you."""
    user = staff_user(request)
    case_type = None
    if filters.type:
        case_type = CaseType.objects.filter(code=filters.type).first()
        if case_type is None:
            return paginate(request, Case.objects.none(), page)
    cases = selectors.case_list(
        user=user,
        state=filters.state or "",
        case_type=case_type,
        overdue=bool(filters.overdue),
        hidden=filters.hidden or "",
        query=(filters.q or "").strip(),
    )
    return paginate(request, cases, page)


@router.get(
    "/{tracking}", response={200: CaseDetailOut, ERROR_STATUSES: ErrorOut}, summary="A report"
)
def get_case(request, tracking: str = Path(..., max_length=20)):
    """One report by tracking number (K7MQ-3XWP or K7MQ3XWP), with its full log and photos."""
    user = staff_user(request)
    return visible_case(user, tracking)


@router.get(
    "/{tracking}/photos/{photo_id}",
    response={200: None, ERROR_STATUSES: ErrorOut},
    url_name="case_photo",
    summary="A reporter's photo",
    openapi_extra={"responses": {200: {"description": "JPEG", "content": {"image/jpeg": {}}}}},
)
def get_case_photo(request, photo_id: ObjectId, tracking: str = Path(..., max_length=20)):
    """The photo as JPEG (re-encoded on upload, so without location metadata)."""
    user = staff_user(request)
    case = visible_case(user, tracking)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None:
        raise ApiError(404, _(NO_SUCH_CASE))
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@router.post(
    "/{tracking}/actions/{action}",
    response={200: CaseDetailOut, ERROR_STATUSES: ErrorOut},
    summary="Take a step on a report",
)
def act_on_case(
    request,
    body: CaseActionIn = NO_BODY,
    tracking: str = Path(..., max_length=20),
    action: str = Path(..., max_length=20),
):
    """Accept, assign, reassign, urge, repair, resolve, close, reject, reopen, hide, unhide
    or note, with the same rules as the case page: 403 if the step is not yours to take,
    422 if the report's state does not allow it or a required field is missing."""
    user = staff_user(request)
    case = visible_case(user, tracking)
    spec = ACTIONS.get(action)
    if spec is None:
        raise ApiError(404, _(UNKNOWN_ACTION))
    if not _may_take(user, case, action):
        message = NOT_IN_SCOPE if action in REGULATOR_ACTIONS else NOT_ASSIGNEE
        raise PermissionDenied(_(message))
    data = {
        key: ("on" if value is True else "" if value is False else str(value))
        for key, value in (body or CaseActionIn()).dict().items()
        if value is not None
    }
    form = spec.form(data, case=case)
    if not form.is_valid():
        errors = [
            {"field": field if field != "__all__" else "", "message": str(message)}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise ApiError(422, errors[0]["message"], errors=errors)
    spec.run(case, user, form.cleaned_data)
    return visible_case(user, tracking)


def _may_take(user, case: Case, action: str) -> bool:
    """Whether the step belongs to this user's role on the case (its state is checked later)."""
    if action in REGULATOR_ACTIONS and selectors.regulates(user, case):
        return True
    return action in ASSIGNEE_ACTIONS and selectors.is_assignee(user, case) and not case.is_hidden
