"""Reads for the scan page and label printing: one selector per block of the page.

The blocks whose data arrives with later issues (inspections and samples with field operations,
reports with public supervision) have their selector here already, returning "nothing recorded
yet". Those issues replace the body of the selector with a real query that returns the same
small summary type, and the templates need no change. Each selector is at most one query, so the
public face stays within its budget of 4 (facility + inspection + sample + one spare).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from yima.accounts.scope import scope_for
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


# --- Operation: running state, last inspection, latest sample (field-operations issue). ---


@dataclass(frozen=True)
class InspectionSummary:
    inspected_on: date
    running_normally: bool
    verified_on_site: bool = True


@dataclass(frozen=True)
class SampleSummary:
    sampled_on: date
    compliant: bool


def latest_inspection(facility: Facility) -> InspectionSummary | None:
    """The facility's latest inspection; None until inspections are recorded."""
    return None


def latest_sample(facility: Facility) -> SampleSummary | None:
    """The facility's latest water sample; None until samples are recorded."""
    return None


@dataclass(frozen=True)
class OverdueInspection:
    due_on: date
    days_overdue: int


def overdue_inspection(facility: Facility) -> OverdueInspection | None:
    """Whether the facility's next inspection is overdue; None until schedules exist."""
    return None


# --- Public supervision: report a problem, follow a report (public-supervision issue). ---


@dataclass(frozen=True)
class ReportLinks:
    new_report_url: str
    follow_report_url: str


def report_links(facility: Facility) -> ReportLinks | None:
    """Where the public reports a problem and follows a report; None until reports exist."""
    new_url = optional_url("reports:new", code=facility.code)
    follow_url = optional_url("reports:follow")
    if new_url and follow_url:
        return ReportLinks(new_url, follow_url)
    return None


@dataclass(frozen=True)
class OpenReport:
    tracking_number: str
    title: str
    opened_at: datetime
    url: str
    overdue: bool = False


def open_reports(facility: Facility) -> list[OpenReport]:
    """Public reports about the facility that are not closed; empty until reports exist."""
    return []


# --- The contractor's on-site actions and the facility's recent history. ---


@dataclass(frozen=True)
class SiteAction:
    title: str
    url: str | None  # None: the form arrives with the field-operations issue


def site_actions(facility: Facility) -> list[SiteAction]:
    """What a technician does on site; each links to its form once that form exists."""
    code = facility.code
    return [
        SiteAction(_("Start an inspection"), optional_url("operations:inspect", code=code)),
        SiteAction(_("Record a water sample"), optional_url("operations:record_sample", code=code)),
        SiteAction(_("Open a repair"), optional_url("operations:work_order_new", code=code)),
    ]


@dataclass(frozen=True)
class HistoryItem:
    when: datetime | date
    title: str
    note: str
    actor: object = None  # a User; shown on the regulator face only


def recent_history(facility: Facility, *, limit: int = 10) -> list[HistoryItem]:
    """Status changes and label issues, newest first (inspections and repairs join later)."""
    items = [
        HistoryItem(
            change.effective_on,
            _("Status: %(status)s") % {"status": change.get_to_status_display()},
            change.reason,
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
