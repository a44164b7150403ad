"""Reads for the scan page and label printing: one selector per block of the page.

The running state, inspections, samples and repairs come from yima.operations, the reports from
yima.cases, each through that app's selectors and mapped onto the small summary types here, so
the templates depend on no other app (and without those apps the blocks say "nothing recorded
yet"). Each selector is at most one query, so the public face stays within its budget of 4:
facility, latest inspection, latest sample, open reports.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yima.accounts.scope import scope_for
from yima.facilities.choices import Status
from yima.facilities.codes import CodeError, parse_code
from yima.facilities.filters import ledger_filter
from yima.facilities.models import Facility, StatusChange
from yima.scan.choices import Face
from yima.scan.models import Label, LabelJob


def scan_facility(code: str) -> Facility:
    """The facility with this compact code, with its current label serial, in one query.

    Soft-deleted entries (registered by mistake) raise Facility.DoesNotExist: the scan page shows
    "no such facility" for them. Decommissioned facilities are found and say so on the page.
    """
    current = Label.objects.filter(facility=OuterRef("pk")).order_by("-serial").values("serial")
    return (
        Facility.objects.alive()
        .select_related("county", "town", "village", "contractor")
        .annotate(current_label_serial=Subquery(current[:1]))
        .get(code=code)
    )


def faces_for(user, facility: Facility) -> list[str]:
    """The faces `user` may see for `facility`, the default first; always ends with public.

    Through the visibility gate: a regulator whose region covers the facility (editable_by) gets
    the regulator face, staff of the facility's contractor get the contractor face, everyone
    else (the public, staff of other regions or contractors) the public face only.
    """
    scope = scope_for(user)
    if not scope.is_staff_member:
        return [Face.PUBLIC]
    editable = Facility.objects.editable_by(user).filter(pk=OuterRef("pk"))
    row = (
        Facility.objects.visible_to(user)
        .filter(pk=facility.pk)
        .annotate(editable=Exists(editable))
        .values_list("editable", flat=True)
        .first()
    )
    if row is None:
        return [Face.PUBLIC]
    faces = []
    if row:
        faces.append(Face.REGULATOR)
    if facility.contractor_id and facility.contractor_id in scope.contractor_ids:
        faces.append(Face.CONTRACTOR)
    faces.append(Face.PUBLIC)
    return faces


def choose_face(faces: list[str], requested: str | None) -> str:
    """The face asked for (?face=...) when the user may see it, else their default face."""
    return requested if requested in faces else faces[0]


def optional_url(name: str, **kwargs) -> str | None:
    """A URL another app provides, or None while that app does not provide it (yet)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


# --- Operation: running state, last inspection, latest sample (yima.operations). ---
# Each selector is one query through yima.operations.selectors and returns a small summary that
# carries nothing private (no names, no notes), so the public face may show all of it. Without
# yima.operations installed they return "nothing recorded yet".


def _operations() -> bool:
    return apps.is_installed("yima.operations")


@dataclass(frozen=True)
class InspectionSummary:
    inspected_on: date
    running_normally: bool
    verified_on_site: bool = True


def latest_inspection(facility: Facility) -> InspectionSummary | None:
    """What the facility's latest inspection found; None when it was never inspected."""
    if not _operations():
        return None
    from yima.operations.choices import OperatingState
    from yima.operations.selectors import facility_operating_state

    state = facility_operating_state(facility)
    if state.last_inspected_at is None:
        return None
    return InspectionSummary(
        inspected_on=timezone.localdate(state.last_inspected_at),
        running_normally=state.state == OperatingState.NORMAL,
        verified_on_site=state.verified_on_site,
    )


# Compliance values of yima.operations.choices.Compliance, spelled out so that the templates
# need not import that app.
COMPLIANT, NON_COMPLIANT, UNASSESSED = "compliant", "non_compliant", "unknown"


@dataclass(frozen=True)
class SampleSummary:
    sampled_on: date
    compliance: str  # COMPLIANT, NON_COMPLIANT or UNASSESSED (the grade's limits not loaded)
    sample_id: int | None = None  # for the staff faces' link to the sample page

    @property
    def compliant(self) -> bool:
        return self.compliance == COMPLIANT

    @property
    def non_compliant(self) -> bool:
        return self.compliance == NON_COMPLIANT


def latest_sample(facility: Facility) -> SampleSummary | None:
    """Whether the facility's latest water sample met its discharge standard; None if none."""
    if not _operations():
        return None
    from yima.operations.selectors import facility_latest_sample

    sample = facility_latest_sample(facility)
    if sample is None:
        return None
    compliance = sample.compliance
    if compliance not in (COMPLIANT, NON_COMPLIANT):
        compliance = UNASSESSED
    return SampleSummary(timezone.localdate(sample.sampled_at), compliance, sample.pk)


@dataclass(frozen=True)
class InspectionDue:
    due_on: date
    overdue: bool
    days_overdue: int = 0  # whole days past the due time, as the overdue list counts them


def inspection_due(facility: Facility, *, now: datetime | None = None) -> InspectionDue | None:
    """When the facility's next inspection is due and whether that is past; None when it has
    no schedule (not in service, or no policy band covers its capacity)."""
    if not _operations():
        return None
    from yima.operations.selectors import facility_inspection_due

    due_at = facility_inspection_due(facility)
    if due_at is None:
        return None
    now = now or timezone.now()
    overdue = due_at < now
    return InspectionDue(
        due_on=timezone.localdate(due_at),
        overdue=overdue,
        days_overdue=(now - due_at).days if overdue else 0,
    )


@dataclass(frozen=True)
class InspectionRow:
    """One recent inspection on the contractor's face: no inspector names, only "you"."""

    finished_at: datetime
    running_normally: bool
    verified_on_site: bool
    by_you: bool
    url: str


def recent_inspections(user, facility: Facility, *, limit: int = 5) -> list[InspectionRow]:
    """The facility's latest inspections that `user` may see (one query)."""
    if not _operations():
        return []
    from yima.operations.choices import Outcome
    from yima.operations.selectors import inspection_list

    rows = (
        inspection_list(user=user, facility=facility)
        .select_related(None)
        .only("pk", "finished_at", "outcome", "verified_on_site", "inspector_id")[:limit]
    )
    return [
        InspectionRow(
            finished_at=row.finished_at,
            running_normally=row.outcome == Outcome.NORMAL,
            verified_on_site=row.verified_on_site,
            by_you=row.inspector_id == user.pk,
            url=reverse("operations:inspection", args=[row.pk]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class WorkOrderRow:
    number: int
    description: str
    state: str  # the state's label
    due_on: date
    overdue: bool
    from_report: bool
    url: str


def open_work_orders(user, facility: Facility) -> list[WorkOrderRow]:
    """Repair orders of the facility still owed (open, in progress, reopened), oldest due
    first, that `user` may see (one query)."""
    if not _operations():
        return []
    from yima.operations.choices import WorkOrderSource, WorkOrderState
    from yima.operations.selectors import work_order_list

    today = timezone.localdate()
    orders = (
        work_order_list(user=user, state="active", facility=facility)
        .select_related(None)
        .only("pk", "description", "state", "due_on", "source")
        .order_by("due_on", "pk")
    )
    return [
        WorkOrderRow(
            number=order.pk,
            description=order.description,
            state=WorkOrderState(order.state).label,
            due_on=order.due_on,
            overdue=order.due_on < today,
            from_report=order.source == WorkOrderSource.REPORT,
            url=reverse("operations:work_order", args=[order.pk]),
        )
        for order in orders
    ]


# --- Public supervision: report a problem, follow a report (yima.cases). ---


def _cases() -> bool:
    return apps.is_installed("yima.cases")


@dataclass(frozen=True)
class ReportLinks:
    new_report_url: str
    follow_report_url: str


def report_links(facility: Facility) -> ReportLinks | None:
    """Where the public reports a problem about this facility and follows a report by its
    tracking number; None (the page offers the phones only) without yima.cases."""
    if not _cases():
        return None
    from yima.cases.selectors import follow_url, new_case_url

    return ReportLinks(new_case_url(facility), follow_url())


@dataclass(frozen=True)
class OpenReport:
    tracking_number: str  # grouped for reading, e.g. K7MQ-3XWP
    title: str  # the problem type
    opened_at: datetime
    state: str  # the state's label
    due_at: datetime  # to be resolved by
    public_url: str  # the report's public page (anyone with the number)
    url: str  # its staff page
    overdue: bool = False
    assignee_id: int | None = None


def open_reports(
    facility: Facility, *, limit: int = 20, now: datetime | None = None
) -> list[OpenReport]:
    """Public reports about the facility still being handled, oldest first, at most `limit`
    (one query; staff find the rest in the reports list). Hidden (abusive) reports are left
    out. Nothing about the reporter is loaded."""
    if not _cases():
        return []
    from yima.cases.choices import CaseState
    from yima.cases.selectors import open_cases_for_facility

    now = now or timezone.now()
    cases = open_cases_for_facility(facility).only(
        "tracking",
        "case_type",
        "state",
        "submitted_at",
        "accept_due_at",
        "resolve_due_at",
        "assignee_id",
        "facility_id",
        "case_type__name",
        "case_type__name_en",
    )[:limit]
    return [
        OpenReport(
            tracking_number=case.display_tracking,
            title=case.case_type.label,
            opened_at=case.submitted_at,
            state=CaseState(case.state).label,
            due_at=case.resolve_due_at,
            public_url=reverse("cases:public", kwargs={"tracking": case.tracking}),
            url=reverse("cases:detail", kwargs={"tracking": case.tracking}),
            overdue=case.is_overdue(now),
            assignee_id=case.assignee_id,
        )
        for case in cases
    ]


def reports_list_url(facility: Facility) -> str | None:
    """The staff list of every report about this facility (open or not)."""
    url = optional_url("cases:list")
    return f"{url}?{urlencode({'q': facility.code})}" if url else None


def reports_for_contractor(reports: list[OpenReport], user) -> list[OpenReport]:
    """The open reports handed to `user`'s contractor."""
    mine = set(scope_for(user).contractor_ids)
    return [report for report in reports if report.assignee_id in mine]


# --- The contractor's on-site actions and the facility's recent history. ---


@dataclass(frozen=True)
class SiteAction:
    title: str
    url: str | None  # None: not possible here (see `why_not`), or the app is not installed
    why_not: str = ""


def site_actions(facility: Facility, face: str = Face.CONTRACTOR) -> list[SiteAction]:
    """What staff do on site, as the operations forms allow it: the facility's contractor
    inspects, records a sample and opens a repair; a regulator records a sample and opens a
    repair. An inspection is only possible while the facility is in service."""
    code = facility.code
    in_service = facility.status == Status.IN_SERVICE
    actions = []
    if face == Face.CONTRACTOR:
        actions.append(
            SiteAction(
                _("Start an inspection"),
                optional_url("operations:inspect", code=code) if in_service else None,
                "" if in_service else _("Only a facility in service is inspected."),
            )
        )
    actions += [
        SiteAction(_("Record a water sample"), optional_url("operations:record_sample", code=code)),
        SiteAction(_("Open a repair"), optional_url("operations:work_order_new", code=code)),
    ]
    return actions


@dataclass(frozen=True)
class HistoryItem:
    when: datetime | date
    title: str
    note: str
    actor: object = None  # a User; shown on the regulator face only


def recent_history(facility: Facility, *, limit: int = 10) -> list[HistoryItem]:
    """Status changes and label issues, newest first (inspections and repairs have their own
    blocks on the staff faces)."""
    items = [
        HistoryItem(
            change.effective_on,
            _("Status: %(status)s") % {"status": change.get_to_status_display()},
            gettext(change.reason),  # default reasons are stored untranslated
            change.actor,
        )
        for change in facility.status_changes.select_related("actor")[:limit]
    ]
    items += [
        HistoryItem(
            label.issued_at.date(),
            _("Label No. %(serial)s issued") % {"serial": label.serial},
            label.reason,
            label.issued_by,
        )
        for label in label_history(facility)[:limit]
    ]
    items.sort(key=lambda item: _as_date(item.when), reverse=True)
    return items[:limit]


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


# --- The regulator's view: the ledger entry, status and label history. ---


LEDGER_FIELDS = (
    "name",
    "county",
    "town",
    "village",
    "longitude",
    "latitude",
    "year_built",
    "capacity_m3d",
    "process",
    "households",
    "population",
    "standard",
    "grade",
    "receiving_water",
    "contractor",
    "status",
    "status_since",
    "created_at",
    "updated_at",
)


def ledger_fields(facility: Facility) -> list[tuple[str, object]]:
    """(label, value) of every ledger field, choices shown by their label."""
    rows = []
    for name in LEDGER_FIELDS:
        field = facility._meta.get_field(name)
        display = getattr(facility, f"get_{name}_display", None)
        value = display() if display else getattr(facility, name)
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")  # 30.00 -> 30, 115.944000 -> 115.944
        rows.append((field.verbose_name, value))
    return rows


def status_history(facility: Facility) -> QuerySet[StatusChange]:
    return facility.status_changes.select_related("actor")


def label_history(facility: Facility) -> QuerySet[Label]:
    return Label.objects.filter(facility=facility).select_related("issued_by").order_by("-serial")


# --- Printing batches of signs and labels. ---


def printable_facilities(user) -> QuerySet[Facility]:
    """Facilities whose signs and labels `user` may print: the ones they can see."""
    return Facility.objects.visible_to(user)


def parse_code_list(values: list[str]) -> tuple[list[str], list[str]]:
    """Compact codes from typed text (commas, spaces or new lines between) and the bad words."""
    good, bad = [], []
    for value in values:
        for word in value.replace(",", " ").replace("，", " ").replace("、", " ").split():
            try:
                good.append(parse_code(word).compact)
            except CodeError:
                bad.append(word)
    return good, bad


def batch_facilities(user, data) -> tuple[QuerySet[Facility], object, list[str]]:
    """The batch a print request selects: the ledger's filters on the visible facilities,
    narrowed to the typed or ticked codes (`codes=...` text, `code=` repeated) if there are any.

    Returns the queryset in code order, the ledger filter form (for the page) and the codes that
    could not be read.
    """
    queryset, form = ledger_filter(printable_facilities(user), data)
    codes, bad = parse_code_list(data.getlist("codes") + data.getlist("code"))
    if codes or bad:
        queryset = queryset.filter(code__in=codes)
    return queryset.select_related("county", "town", "village", "contractor"), form, bad


def label_job_for(user, job_id) -> LabelJob:
    """A print job of this user (others' jobs are invisible: LabelJob.DoesNotExist -> 404)."""
    return LabelJob.objects.get(pk=job_id, requested_by=user)
