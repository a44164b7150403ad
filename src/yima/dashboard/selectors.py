"""Reads for the regulator's dashboard: the figures of a scope and period, their breakdown by
region, the monthly trend, the "needs action" lists, the map and the records behind a figure.

Definitions (docs/concepts.md, "Dashboard figures"):

- scope: `Facility.objects.visible_to(user)`, optionally limited to one region (and to one
  contractor); cases: visible cases of those facilities, or without a facility but in the region;
- period: [start, end) in local time; `as_of` = min(end, now);
- 正常运行率 operating: in-service facilities whose latest inspection at or before as_of found
  them running normally and finished at most one policy interval before as_of / in-service;
- 出水达标率 compliance: compliant samples / assessed samples taken in the period (samples that
  cannot be assessed are counted apart);
- 巡检及时率 inspections_on_time: on-time dues / dues with due time in [start, as_of) (the chain
  of summary.py: stored dues plus the missed dues after the latest inspection, counted live);
- 负荷率 load: sum of the facilities' average daily flow read in the period / sum of those
  facilities' design capacities;
- 按时办结率, 满意率: yima.cases.selectors.on_time_rate / satisfaction_rate.

Breakdown and trend group in the database (GROUP BY a region key or a month), so they cost the
same few queries however many regions, facilities or months there are.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import (
    CharField,
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
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr, TruncMonth
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yima.accounts.scope import scope_for
from yima.cases.choices import CaseAction, CaseState
from yima.cases.models import Case, CaseEvent
from yima.cases.selectors import Rate, on_time_rate, overdue_q, satisfaction_rate
from yima.dashboard.models import FacilityMonth, FacilityState, InspectionDue
from yima.dashboard.summary import outstanding_count, outstanding_dues
from yima.facilities.choices import Status
from yima.facilities.models import Facility
from yima.operations.choices import Compliance, Outcome
from yima.operations.models import Inspection, WaterSample
from yima.regions.choices import Level
from yima.regions.models import Region

__all__ = [
    "ActionLists",
    "BreakdownRow",
    "Figures",
    "LoadRate",
    "MapPoints",
    "Period",
    "Rate",
    "TrendPoint",
    "action_lists",
    "dashboard_breakdown",
    "dashboard_figures",
    "dashboard_scope",
    "dashboard_trend",
    "evidence",
    "map_points",
    "outstanding_inspection_dues",
]

DAY = Value(timedelta(days=1), output_field=DurationField())


# --- Periods ---------------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _month_start(year: int, month: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
_YEARS = (1980, 2100)


@dataclass(frozen=True)
class Period:
    """A stretch of time the figures cover: [start, end) in local time (Asia/Shanghai)."""

    start: datetime
    end: datetime
    kind: str  # "month" | "quarter" | "year" | "range"
    key: str  # "2026-11" | "2026-Q4" | "2026" | "2026-01-05..2026-02-01"
    label: str  # translated when made, e.g. "2026年11月"

    @classmethod
    def for_month(cls, year: int, month: int) -> "Period":
        first = _month_start(year, month)
        return cls(
            start=_midnight(first),
            end=_midnight(_month_start(first.year, first.month + 1)),
            kind="month",
            key=f"{first.year:04d}-{first.month:02d}",
            label=formats.date_format(first, "YEAR_MONTH_FORMAT"),
        )

    @classmethod
    def for_quarter(cls, year: int, quarter: int) -> "Period":
        first = _month_start(year, 3 * (quarter - 1) + 1)
        return cls(
            start=_midnight(first),
            end=_midnight(_month_start(first.year, first.month + 3)),
            kind="quarter",
            key=f"{year:04d}-Q{quarter}",
            label=_("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year},
        )

    @classmethod
    def for_year(cls, year: int) -> "Period":
        return cls(
            start=_midnight(date(year, 1, 1)),
            end=_midnight(date(year + 1, 1, 1)),
            kind="year",
            key=f"{year:04d}",
            label=pgettext("period label", "%(year)s") % {"year": year},
        )

    @classmethod
    def for_range(cls, first: date, last: date) -> "Period":
        """From the first day to the last day, both included."""
        return cls(
            start=_midnight(first),
            end=_midnight(last + timedelta(days=1)),
            kind="range",
            key=f"{first.isoformat()}..{last.isoformat()}",
            label=_("%(start)s to %(end)s")
            % {
                "start": formats.date_format(first, "DATE_FORMAT"),
                "end": formats.date_format(last, "DATE_FORMAT"),
            },
        )

    @classmethod
    def parse(cls, value: str | None, *, now: datetime | None = None) -> "Period":
        """ "2026-11" (a month), "2026-Q4", "2026", or "2026-01-05..2026-02-01" (days
        included); empty: the current month. ValueError with a message otherwise."""
        if value is None or not value.strip():
            local = timezone.localtime(now or timezone.now())
            return cls.for_month(local.year, local.month)
        value = value.strip()
        try:
            if m := _RANGE.fullmatch(value):
                first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
                if last < first:
                    raise ValueError(_("The period ends before it starts."))
                _check_year(first.year)
                _check_year(last.year)
                return cls.for_range(first, last)
            if m := _MONTH.fullmatch(value):
                year, month = int(m[1]), int(m[2])
                if not 1 <= month <= 12:
                    raise ValueError(_("There is no month %(month)s.") % {"month": month})
                _check_year(year)
                return cls.for_month(year, month)
            if m := _QUARTER.fullmatch(value):
                _check_year(int(m[1]))
                return cls.for_quarter(int(m[1]), int(m[2]))
            if m := _YEAR.fullmatch(value):
                _check_year(int(m[1]))
                return cls.for_year(int(m[1]))
        except ValueError as error:
            raise ValueError(
                _("Not a valid period: %(value)s (%(problem)s).")
                % {"value": value, "problem": error}
            ) from None
        raise ValueError(
            _(
                "Not a valid period: %(value)s. Use a month (2026-11), a quarter (2026-Q4), "
                "a year (2026) or two days (2026-01-05..2026-02-01)."
            )
            % {"value": value}
        )

    def months(self) -> list["Period"]:
        """The calendar months this period covers, in order."""
        first = timezone.localtime(self.start).date().replace(day=1)
        last = timezone.localtime(self.end - timedelta(microseconds=1)).date()
        result = []
        month = first
        while month <= last:
            result.append(Period.for_month(month.year, month.month))
            month = _month_start(month.year, month.month + 1)
        return result

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        first = timezone.localtime(self.start).date()
        if self.kind == "month":
            return Period.for_month(first.year, first.month - 1)
        if self.kind == "quarter":
            quarter = (first.month - 1) // 3 + 1
            return (
                Period.for_quarter(first.year - 1, 4)
                if quarter == 1
                else Period.for_quarter(first.year, quarter - 1)
            )
        if self.kind == "year":
            return Period.for_year(first.year - 1)
        days = (timezone.localtime(self.end).date() - first).days
        return Period.for_range(first - timedelta(days=days), first - timedelta(days=1))

    def __str__(self) -> str:
        return self.label


def _check_year(year: int) -> None:
    if not _YEARS[0] <= year <= _YEARS[1]:
        raise ValueError(
            _("The year must lie between %(first)s and %(last)s.")
            % {"first": _YEARS[0], "last": _YEARS[1]}
        )


# --- Result types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadRate:
    flow_m3d: Decimal  # sum of the facilities' average daily flow
    capacity_m3d: Decimal  # sum of those facilities' design capacity
    facilities: int  # facilities with at least one reading

    @property
    def ratio(self) -> float | None:
        return float(self.flow_m3d / self.capacity_m3d) if self.capacity_m3d else None

    @property
    def percent(self) -> float | None:
        return None if self.ratio is None else round(self.ratio * 100, 1)


@dataclass(frozen=True)
class Figures:
    facilities: int
    towns: int
    villages: int
    in_service: int
    operating: Rate
    compliance: Rate
    samples_unassessed: int
    inspections_on_time: Rate
    load: LoadRate | None
    resolution_on_time: Rate
    satisfaction: Rate
    reports_opened: int
    reports_resolved: int


@dataclass(frozen=True)
class BreakdownRow:
    region: Region | None  # the child region (None at the facility level)
    facility: Facility | None  # set at the lowest level (a village's facilities)
    figures: Figures

    @property
    def name(self) -> str:
        return str(self.region.name if self.region is not None else self.facility.name)


@dataclass(frozen=True)
class TrendPoint:
    period: Period  # one month
    inspections_due: int
    inspections_on_time: int
    inspections_done: int
    reports_opened: int
    reports_resolved: int
    samples: int
    samples_compliant: int
    samples_assessed: int = 0  # compliant + non-compliant: the compliance rate's denominator


@dataclass(frozen=True)
class ActionLists:
    overdue_inspections: QuerySet  # Facility, annotated due_at, last_inspected_at
    overdue_reports: QuerySet  # Case
    abnormal: QuerySet  # Facility, annotated abnormal_since
    samples_over_limit: QuerySet  # WaterSample: the latest sample of its facility, non-compliant


@dataclass(frozen=True)
class OutstandingDue:
    """A missed due after a facility's latest inspection (not stored; see summary.py)."""

    facility: Facility
    due_at: datetime


# --- Scope -----------------------------------------------------------------------------------


def _region_q(region: Region | None, prefix: str = "") -> Q:
    """Facilities inside `region` (fields prefixed with `prefix`, e.g. "facility__")."""
    if region is None:
        return Q()
    level = region.level
    if level in (Level.COUNTY, Level.TOWN, Level.VILLAGE):
        return Q(**{f"{prefix}{level}": region})
    return Q(**{f"{prefix}county__code__startswith": region.prefix})


def _normalise_code(code: str) -> str:
    code = code.strip()
    if code.isdigit() and len(code) in (2, 4, 6, 9):
        return code.ljust(12, "0")
    return code


def dashboard_scope(*, user, region_code: str | None) -> Region | None:
    """The region to show (None: everything the user can see). Http404 when the code is
    unknown or the user can see no facility in it. Accepts a 12-digit code or the significant
    digits (e.g. "360121")."""
    if not region_code:
        return _home_region(user)
    region = Region.objects.filter(code=_normalise_code(region_code)).first()
    if region is None:
        raise Http404("No such region.")
    if not Facility.objects.visible_to(user).filter(_region_q(region)).exists():
        raise Http404("No facility of this region is visible to you.")
    return region


def _home_region(user) -> Region | None:
    """Where a user's dashboard starts: a county (or town) bureau's own region, so its first
    table lists its towns rather than one row for itself; None (all they can see) otherwise."""
    scope = scope_for(user)
    if scope.is_admin or scope.contractor_ids or len(scope.region_prefixes) != 1:
        return None
    prefix = scope.region_prefixes[0]
    if len(prefix) < 6:  # a province or city bureau starts with its counties
        return None
    return Region.objects.filter(code=prefix.ljust(12, "0")).first()


@dataclass(frozen=True)
class _Scope:
    base: QuerySet  # visible facilities in the region (any contractor)
    facilities: QuerySet  # ... held by the contractor, if one is given
    cases: QuerySet
    contractor: object


def _scope(user, region: Region | None, contractor=None) -> _Scope:
    base = Facility.objects.visible_to(user).filter(_region_q(region))
    facilities = base if contractor is None else base.filter(contractor=contractor)
    cases = Case.objects.visible_to(user)
    without_facility = Q(facility__isnull=True)
    if region is not None:
        without_facility &= Q(region__code__startswith=region.prefix)
    if contractor is not None:
        without_facility &= Q(assignee=contractor)
    cases = cases.filter(Q(facility__in=facilities.values("pk")) | without_facility)
    return _Scope(base=base, facilities=facilities, cases=cases, contractor=contractor)


# --- Grouping --------------------------------------------------------------------------------
#
# A "level" says what rows are wanted: None (one total), "county", "town", "village" (the
# facility's region of that level) or "facility". Every figure is computed by one grouped query
# per level; the total is the same query without GROUP BY.

_FACILITY_KEY = {
    "county": "county_id",
    "town": "town_id",
    "village": "village_id",
    "facility": "pk",
}
_CASE_PREFIX = {"county": 6, "town": 9, "village": 12}


def _key_field(level: str | None, through: str = "") -> str | None:
    if level is None:
        return None
    field = _FACILITY_KEY[level]
    if through:
        return f"{through}__id" if field == "pk" else f"{through}__{field}"
    return field


def _group(qs: QuerySet, key: str | None, **aggregates) -> dict:
    """{key value: {aggregate: value}}; key None: one group, keyed None."""
    if key is None:
        return {None: qs.order_by().aggregate(**aggregates)}
    rows = qs.order_by().values(key).annotate(**aggregates)
    return {row[key]: row for row in rows}


def _as_of(period: Period, now: datetime) -> datetime:
    return min(period.end, now)


def _operating_q(period: Period, now: datetime) -> tuple[dict, Q]:
    """(aliases, filter) selecting in-service facilities running normally at as_of."""
    as_of = _as_of(period, now)
    # (A plain IntegerField: SQLite refuses to multiply a PositiveSmallIntegerField by a duration.)
    days = ExpressionWrapper(F("state__interval_days"), output_field=IntegerField())
    interval = ExpressionWrapper(days * DAY, output_field=DurationField())
    if period.end >= now:
        # The latest inspection is the one on the facility's summary row.
        aliases = {
            "ok_until": ExpressionWrapper(
                F("state__last_inspected_at") + interval, output_field=DateTimeField()
            )
        }
        return aliases, Q(state__last_outcome=Outcome.NORMAL, ok_until__gte=as_of)
    # The latest inspection at or before as_of, looked for only within one interval of it (an
    # older one cannot make the facility operating): one index probe per facility, not two.
    outer_days = ExpressionWrapper(OuterRef("state__interval_days"), output_field=IntegerField())
    since = ExpressionWrapper(
        Value(as_of, output_field=DateTimeField())
        - ExpressionWrapper(outer_days * DAY, output_field=DurationField()),
        output_field=DateTimeField(),
    )
    latest = Inspection.objects.filter(
        facility=OuterRef("pk"), finished_at__lte=as_of, finished_at__gte=since
    ).order_by("-finished_at", "-pk")
    return {"then_outcome": Subquery(latest.values("outcome")[:1])}, Q(then_outcome=Outcome.NORMAL)


# --- Whole months from FacilityMonth, the rest from the records ------------------------------
#
# A figure over [lo, hi) adds FacilityMonth rows for the whole local months inside it and counts
# the records of the partial months at either end (a day range, the current month up to now).
# A partial last month is usually read as its whole month MINUS the records after `hi`: when
# `hi` is now there are next to none (an inspection is not recorded in advance; a stored due
# lies ahead only when answered early, one per facility at most), where counting the records
# from the 1st to now read a month of them. `test_summary_months_give_the_figures_of_the_records`
# checks both ways give the same figures.


def _floor_month(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return _midnight(local.date().replace(day=1))


def _ceil_month(at: datetime) -> datetime:
    floor = _floor_month(at)
    return floor if floor == at else _floor_month(floor + timedelta(days=32))


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class _Split:
    months: tuple[date, date] | None  # [first, end) of the whole months (FacilityMonth.month)
    plus: tuple[Span, ...] = ()  # spans read from the records and added
    minus: tuple[Span, ...] = ()  # spans inside `months` read from the records and taken off

    def month_q(self) -> Q:
        if self.months is None:
            return Q(pk__in=[])
        return Q(month__gte=self.months[0], month__lt=self.months[1])

    def records(self, field: str) -> list[tuple[int, Q]]:
        """[(sign, filter on the datetime `field`)]: +1 for the spans to add, -1 for those to
        take off (none, one or both)."""
        out = []
        for sign, spans in ((1, self.plus), (-1, self.minus)):
            if spans:
                q = Q(pk__in=[])
                for lo, hi in spans:
                    q |= Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
                out.append((sign, q))
        return out


def _split(lo: datetime, hi: datetime, *, now: datetime) -> _Split:
    """[lo, hi) as whole local months, plus or minus the records of partial months at its
    ends. WHOLE_MONTHS False: everything from the records (what the equality test compares)."""
    if hi <= lo:
        return _Split(None)
    if not WHOLE_MONTHS:
        return _Split(None, plus=((lo, hi),))
    first, last = _ceil_month(lo), _floor_month(hi)
    if first > hi:  # inside one month, touching neither end
        return _Split(None, plus=((lo, hi),))
    plus: list[Span] = [(lo, first)] if lo < first else []
    minus: list[Span] = []
    end = last
    if last < hi:
        after = _ceil_month(hi)
        if hi >= now or after - hi < hi - last:
            end, minus = after, [(hi, after)]
        else:
            plus.append((last, hi))
    if first >= end:
        return _Split(None, plus=((lo, hi),))
    local = timezone.localtime
    return _Split((local(first).date(), local(end).date()), tuple(plus), tuple(minus))


WHOLE_MONTHS = True  # False: every figure from the records (tests compare the two)


def _facility_figures(scope: _Scope, period: Period, level, now) -> dict:
    """Coverage, operating, compliance, dues, load: {key: partial dict}."""
    as_of = _as_of(period, now)
    out: dict = defaultdict(Counter)
    key = _key_field(level)
    by_facility = _key_field(level, "facility")
    contractor = scope.contractor
    credited = Q() if contractor is None else Q(contractor=contractor)  # dues, inspections
    held = Q() if contractor is None else Q(facility__contractor=contractor)  # samples, load
    samples_split = _split(period.start, period.end, now=now)
    dues_split = _split(period.start, as_of, now=now)

    live = ~Q(status=Status.DECOMMISSIONED)
    for k, row in _group(
        scope.facilities,
        key,
        facilities=Count("pk", filter=live),
        towns=Count("town", filter=live, distinct=True),
        villages=Count("village", filter=live, distinct=True),
        in_service=Count("pk", filter=Q(status=Status.IN_SERVICE)),
        any=Count("pk"),
    ).items():
        if row["any"] or key is None:
            for name in ("facilities", "towns", "villages", "in_service"):
                out[k][name] += row[name]
            out[k]["_seen"] += row["any"]

    aliases, ok = _operating_q(period, now)
    operating = scope.facilities.filter(status=Status.IN_SERVICE).alias(**aliases).filter(ok)
    for k, row in _group(operating, key, n=Count("pk")).items():
        out[k]["operating"] += row["n"]

    if samples_split.months or dues_split.months:
        in_samples = held & samples_split.month_q()
        in_dues = credited & dues_split.month_q()
        months = FacilityMonth.objects.filter(
            (samples_split.month_q() | dues_split.month_q()),
            facility__in=scope.base.values("pk"),
        )
        for k, row in _group(
            months,
            by_facility,
            compliant=Sum("samples_compliant", filter=in_samples),
            non_compliant=Sum("samples_non_compliant", filter=in_samples),
            unknown=Sum("samples_unknown", filter=in_samples),
            due=Sum("dues", filter=in_dues),
            on_time=Sum("dues_on_time", filter=in_dues),
        ).items():
            for name in ("compliant", "non_compliant", "unknown", "due", "on_time"):
                out[k][name] += row[name] or 0

    for sign, span in samples_split.records("sampled_at"):
        samples = WaterSample.objects.filter(span, facility__in=scope.facilities.values("pk"))
        for k, row in _group(
            samples,
            by_facility,
            compliant=Count("pk", filter=Q(compliance=Compliance.COMPLIANT)),
            non_compliant=Count("pk", filter=Q(compliance=Compliance.NON_COMPLIANT)),
            unknown=Count("pk", filter=Q(compliance=Compliance.UNKNOWN)),
        ).items():
            for name in ("compliant", "non_compliant", "unknown"):
                out[k][name] += sign * row[name]

    for sign, span in dues_split.records("due_at"):
        dues = InspectionDue.objects.filter(span, credited, facility__in=scope.base.values("pk"))
        for k, row in _group(
            dues,
            by_facility,
            due=Count("pk"),
            on_time=Count("pk", filter=Q(on_time=True)),
        ).items():
            out[k]["due"] += sign * row["due"]
            out[k]["on_time"] += sign * row["on_time"]

    state_key = _key_field(level, "facility") or "facility_id"
    for k, next_due, interval in FacilityState.objects.filter(
        facility__in=scope.facilities.values("pk"), next_due_at__lt=as_of
    ).values_list(state_key, "next_due_at", "interval_days"):
        out[k if key else None]["due"] += outstanding_count(next_due, interval, period.start, as_of)

    # Load: each facility's average daily flow over the period (its readings' sum / count,
    # whole months and pieces added up first), then summed with the capacities.
    group_fields = ["facility_id", "facility__capacity_m3d"]
    if key is not None and key != "pk":
        group_fields.append(by_facility)
    flows: dict[int, list] = {}

    def add_flows(rows, sign: int = 1) -> None:
        for row in rows:
            k = row[group_fields[-1]] if key not in (None, "pk") else row["facility_id"]
            k = None if key is None else k
            found = flows.setdefault(
                row["facility_id"], [k, row["facility__capacity_m3d"], Decimal(0), 0]
            )
            found[2] += sign * Decimal(row["flow"])
            found[3] += sign * row["readings"]

    if dues_split.months:
        add_flows(
            FacilityMonth.objects.filter(
                dues_split.month_q(),
                facility__in=scope.facilities.values("pk"),
                flow_count__gt=0,
            )
            .order_by()
            .values(*group_fields)
            .annotate(flow=Sum("flow_sum"), readings=Sum("flow_count"))
        )
    for sign, span in dues_split.records("finished_at"):
        add_flows(
            Inspection.objects.filter(
                span, facility__in=scope.facilities.values("pk"), flow_m3d__isnull=False
            )
            .order_by()
            .values(*group_fields)
            .annotate(flow=Sum("flow_m3d"), readings=Count("flow_m3d")),
            sign,
        )
    for k, capacity, flow, readings in flows.values():
        if not readings:
            continue  # its only readings lie in a span taken off
        load = out[k]
        load["flow"] = load.get("flow", Decimal(0)) + (flow / readings).quantize(Decimal("0.0001"))
        load["capacity"] = load.get("capacity", Decimal(0)) + capacity
        load["load_facilities"] += 1
    return out


def _case_key(level: str | None, row: dict, prefixes: dict[str, int]):
    if level is None:
        return None
    if level == "facility":
        return row["facility_id"]
    if row["k_facility"] is not None:
        return row["k_facility"]
    return prefixes.get(row["k_prefix"])


def _case_group(qs: QuerySet, level: str | None, prefixes: dict, **aggregates) -> dict:
    """Cases grouped by the facility's region, or (cases without a facility) by the prefix of
    their own region's code."""
    if level is None:
        return {None: qs.order_by().aggregate(**aggregates)}
    if level == "facility":
        fields = ["facility_id"]
        qs = qs.filter(facility__isnull=False)
    else:
        qs = qs.annotate(
            k_facility=F(f"facility__{_FACILITY_KEY[level]}"),
            k_prefix=Substr("region__code", 1, _CASE_PREFIX[level]),
        )
        fields = ["k_facility", "k_prefix"]
    out: dict = defaultdict(Counter)
    for row in qs.order_by().values(*fields).annotate(**aggregates):
        k = _case_key(level, row, prefixes)
        if k is None:
            continue
        for name in aggregates:
            out[k][name] += row[name]
    return out


def _case_figures(scope: _Scope, period: Period, level, now, prefixes) -> dict:
    """按时办结率, 满意率 and report counts, grouped the same way (the rules of
    yima.cases.selectors.on_time_rate / satisfaction_rate)."""
    cases = scope.cases.public()
    counted = ~Q(state=CaseState.REJECTED)
    in_period = Q(resolve_due_at__gte=period.start, resolve_due_at__lt=period.end)
    due = counted & in_period & (Q(resolve_due_at__lt=now) | Q(concluded_at__isnull=False))
    on_time = due & Q(concluded_at__isnull=False, concluded_at__lte=F("resolve_due_at"))
    out = _case_group(
        cases,
        level,
        prefixes,
        due=Count("pk", filter=due),
        on_time=Count("pk", filter=on_time),
        opened=Count("pk", filter=Q(submitted_at__gte=period.start, submitted_at__lt=period.end)),
        resolved=Count(
            "pk",
            filter=counted & Q(concluded_at__gte=period.start, concluded_at__lt=period.end),
        ),
    )
    out = defaultdict(Counter, {k: Counter(v) for k, v in out.items()})
    evaluations = CaseEvent.objects.filter(
        action=CaseAction.EVALUATE,
        case__in=cases.values("pk"),
        at__gte=period.start,
        at__lt=period.end,
    )
    if level is None:
        row = evaluations.aggregate(all=Count("pk"), good=Count("pk", filter=Q(rating__gte=4)))
        out[None]["evaluations"] += row["all"]
        out[None]["good"] += row["good"]
    else:
        if level == "facility":
            evaluations = evaluations.annotate(facility_id=F("case__facility_id"))
            fields = ["facility_id"]
        else:
            evaluations = evaluations.annotate(
                k_facility=F(f"case__facility__{_FACILITY_KEY[level]}"),
                k_prefix=Substr("case__region__code", 1, _CASE_PREFIX[level]),
            )
            fields = ["k_facility", "k_prefix"]
        for row in (
            evaluations.order_by()
            .values(*fields)
            .annotate(all=Count("pk"), good=Count("pk", filter=Q(rating__gte=4)))
        ):
            k = _case_key(level, row, prefixes)
            if k is not None:
                out[k]["evaluations"] += row["all"]
                out[k]["good"] += row["good"]
    return out


def _make_figures(f: Counter, c: Counter, *, cases_total: tuple[Rate, Rate] | None = None):
    load = None
    if f.get("load_facilities"):
        load = LoadRate(
            flow_m3d=f["flow"], capacity_m3d=f["capacity"], facilities=f["load_facilities"]
        )
    resolution, satisfaction = cases_total or (
        Rate(c["on_time"], c["due"]),
        Rate(c["good"], c["evaluations"]),
    )
    return Figures(
        facilities=f["facilities"],
        towns=f["towns"],
        villages=f["villages"],
        in_service=f["in_service"],
        operating=Rate(f["operating"], f["in_service"]),
        compliance=Rate(f["compliant"], f["compliant"] + f["non_compliant"]),
        samples_unassessed=f["unknown"],
        inspections_on_time=Rate(f["on_time"], f["due"]),
        load=load,
        resolution_on_time=resolution,
        satisfaction=satisfaction,
        reports_opened=c["opened"],
        reports_resolved=c["resolved"],
    )


# --- The figures -----------------------------------------------------------------------------


def dashboard_figures(
    *, user, region: Region | None, period: Period, now: datetime | None = None, contractor=None
) -> Figures:
    """The figures of everything `user` sees in `region` (and of `contractor`) for `period`."""
    now = now or timezone.now()
    scope = _scope(user, region, contractor)
    f = _facility_figures(scope, period, None, now)[None]
    c = _case_figures(scope, period, None, now, {})[None]
    cases_total = (
        on_time_rate(cases=scope.cases, start=period.start, end=period.end, now=now),
        satisfaction_rate(cases=scope.cases, start=period.start, end=period.end),
    )
    return _make_figures(f, c, cases_total=cases_total)


def _child_level(region: Region | None) -> str:
    if region is None or region.level in (Level.PROVINCE, Level.CITY):
        return "county"
    return {Level.COUNTY: "town", Level.TOWN: "village", Level.VILLAGE: "facility"}[region.level]


def dashboard_breakdown(
    *, user, region: Region | None, period: Period, now: datetime | None = None, contractor=None
) -> list[BreakdownRow]:
    """One row per child of `region` (counties, towns, villages, or a village's facilities)
    holding facilities in scope, each with its Figures, ordered by code. A fixed number of
    queries (one per figure, plus one for the rows' regions or facilities)."""
    now = now or timezone.now()
    scope = _scope(user, region, contractor)
    level = _child_level(region)
    facility_part = _facility_figures(scope, period, level, now)
    keys = [k for k, v in facility_part.items() if k is not None and v.get("_seen")]
    if level == "facility":
        objects = list(Facility.objects.filter(pk__in=keys).order_by("code"))
        prefixes: dict[str, int] = {}
    else:
        objects = list(Region.objects.filter(pk__in=keys).order_by("code"))
        prefixes = {r.code[: _CASE_PREFIX[level]]: r.pk for r in objects}
    case_part = _case_figures(scope, period, level, now, prefixes)
    return [
        BreakdownRow(
            region=None if level == "facility" else obj,
            facility=obj if level == "facility" else None,
            figures=_make_figures(facility_part[obj.pk], case_part.get(obj.pk, Counter())),
        )
        for obj in objects
    ]


def _month_key(value: datetime | None) -> str | None:
    if value is None:
        return None
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.year:04d}-{local.month:02d}"


def _by_month(qs: QuerySet, field: str, **aggregates) -> dict[str, dict]:
    month = TruncMonth(field, tzinfo=timezone.get_current_timezone())
    rows = qs.order_by().annotate(m=month).values("m").annotate(**aggregates)
    return {_month_key(row["m"]): row for row in rows}


def dashboard_trend(
    *,
    user,
    region: Region | None,
    period: Period,
    months: int = 12,
    now: datetime | None = None,
    contractor=None,
) -> list[TrendPoint]:
    """The `months` calendar months ending with the period's last month, oldest first
    (six grouped queries whatever the number of months)."""
    now = now or timezone.now()
    last = period.months()[-1]
    last_day = timezone.localtime(last.start).date()
    series = [
        Period.for_month(last_day.year, last_day.month - back) for back in range(months - 1, -1, -1)
    ]
    start, end = series[0].start, series[-1].end
    as_of = min(end, now)
    scope = _scope(user, region, contractor)
    facility_ids = scope.facilities.values("pk")
    credited = Q() if contractor is None else Q(contractor=contractor)  # dues, inspections
    held = Q() if contractor is None else Q(facility__contractor=contractor)  # samples
    dues_split = _split(start, as_of, now=now)
    done_split = _split(start, end, now=now)

    due_rows: dict[str, Counter] = defaultdict(Counter)
    done: dict[str, Counter] = defaultdict(Counter)
    samples: dict[str, Counter] = defaultdict(Counter)
    if done_split.months:
        in_dues = credited & dues_split.month_q()
        rows = (
            FacilityMonth.objects.filter(done_split.month_q(), facility__in=scope.base.values("pk"))
            .order_by()
            .values("month")
            .annotate(
                due=Sum("dues", filter=in_dues),
                on_time=Sum("dues_on_time", filter=in_dues),
                n=Sum("inspections", filter=credited),
                samples=Sum(
                    F("samples_compliant") + F("samples_non_compliant") + F("samples_unknown"),
                    filter=held,
                ),
                compliant=Sum("samples_compliant", filter=held),
                non_compliant=Sum("samples_non_compliant", filter=held),
            )
        )
        for row in rows:
            month = f"{row['month'].year:04d}-{row['month'].month:02d}"
            due_rows[month].update(due=row["due"] or 0, on_time=row["on_time"] or 0)
            done[month]["n"] += row["n"] or 0
            samples[month].update(
                n=row["samples"] or 0,
                compliant=row["compliant"] or 0,
                assessed=(row["compliant"] or 0) + (row["non_compliant"] or 0),
            )
    for sign, span in dues_split.records("due_at"):
        dues = InspectionDue.objects.filter(span, credited, facility__in=scope.base.values("pk"))
        for month, row in _by_month(
            dues, "due_at", due=Count("pk"), on_time=Count("pk", filter=Q(on_time=True))
        ).items():
            due_rows[month].update(due=sign * row["due"], on_time=sign * row["on_time"])
    live: Counter = Counter()
    for next_due, interval in FacilityState.objects.filter(
        facility__in=facility_ids, next_due_at__lt=as_of
    ).values_list("next_due_at", "interval_days"):
        for at in outstanding_dues(next_due, interval, start, as_of):
            live[_month_key(at)] += 1
    for sign, span in done_split.records("finished_at"):
        inspections = Inspection.objects.filter(
            span, credited, facility__in=scope.base.values("pk")
        )
        for month, row in _by_month(inspections, "finished_at", n=Count("pk")).items():
            done[month]["n"] += sign * row["n"]
    for sign, span in done_split.records("sampled_at"):
        for month, row in _by_month(
            WaterSample.objects.filter(span, facility__in=facility_ids),
            "sampled_at",
            n=Count("pk"),
            compliant=Count("pk", filter=Q(compliance=Compliance.COMPLIANT)),
            assessed=Count("pk", filter=~Q(compliance=Compliance.UNKNOWN)),
        ).items():
            for name in ("n", "compliant", "assessed"):
                samples[month][name] += sign * row[name]
    cases = scope.cases.public()
    opened = _by_month(
        cases.filter(submitted_at__gte=start, submitted_at__lt=end), "submitted_at", n=Count("pk")
    )
    resolved = _by_month(
        cases.exclude(state=CaseState.REJECTED).filter(
            concluded_at__gte=start, concluded_at__lt=end
        ),
        "concluded_at",
        n=Count("pk"),
    )
    empty: dict = {}
    return [
        TrendPoint(
            period=month,
            inspections_due=due_rows[month.key]["due"] + live[month.key],
            inspections_on_time=due_rows[month.key]["on_time"],
            inspections_done=done[month.key]["n"],
            reports_opened=opened.get(month.key, empty).get("n", 0),
            reports_resolved=resolved.get(month.key, empty).get("n", 0),
            samples=samples[month.key]["n"],
            samples_compliant=samples[month.key]["compliant"],
            samples_assessed=samples[month.key]["assessed"],
        )
        for month in series
    ]


# --- What needs action today -----------------------------------------------------------------


def action_lists(
    *, user, region: Region | None, now: datetime | None = None, contractor=None
) -> ActionLists:
    """Overdue inspections (most overdue first), overdue reports, facilities abnormal for more
    than YIMA_DASHBOARD_ABNORMAL_DAYS, and facilities whose latest sample exceeds the limits."""
    now = now or timezone.now()
    scope = _scope(user, region, contractor)
    # The current due of the chain the on-time figure counts (FacilityState), not a
    # per-facility look-up of the latest inspection: 100,000 facilities read one summary row each.
    overdue = (
        scope.facilities.filter(status=Status.IN_SERVICE, state__next_due_at__lt=now)
        .annotate(
            due_at=F("state__next_due_at"),
            last_inspected_at=F("state__last_inspected_at"),
            last_outcome=F("state__last_outcome"),
            interval_days=F("state__interval_days"),
        )
        .select_related("county", "town", "village", "contractor")
        .order_by("due_at", "code")
    )
    reports = (
        scope.cases.filter(overdue_q(now))
        .select_related("case_type", "facility", "region", "assignee")
        .order_by("resolve_due_at", "pk")
    )
    abnormal_before = now - timedelta(days=settings.YIMA_DASHBOARD_ABNORMAL_DAYS)
    abnormal = (
        scope.facilities.filter(
            status=Status.IN_SERVICE,
            state__last_outcome=Outcome.ABNORMAL,
            state__abnormal_since__lt=abnormal_before,
        )
        .annotate(abnormal_since=F("state__abnormal_since"))
        .select_related("county", "town", "village", "contractor")
        .order_by("abnormal_since", "code")
    )
    samples = (
        WaterSample.objects.filter(
            facility__in=scope.facilities.filter(
                state__last_compliance=Compliance.NON_COMPLIANT
            ).values("pk"),
            compliance=Compliance.NON_COMPLIANT,
            sampled_at=F("facility__state__last_sampled_at"),
        )
        .select_related("facility", "facility__town", "facility__contractor")
        .order_by("-sampled_at", "-pk")
    )
    return ActionLists(
        overdue_inspections=overdue,
        overdue_reports=reports,
        abnormal=abnormal,
        samples_over_limit=samples,
    )


# --- The map ---------------------------------------------------------------------------------


_STATE_RANK = {"abnormal": 0, "overdue": 1, "inactive": 2, "unknown": 3, "normal": 4}


@dataclass(frozen=True)
class MapPoints:
    points: list[dict]  # {"code", "name", "lat", "lon", "state"}
    total: int  # facilities with a position in scope (more than len(points) when limited)


def map_points(
    *,
    user,
    region: Region | None,
    now: datetime | None = None,
    contractor=None,
    limit: int | None = None,
) -> MapPoints:
    """The facilities with a position: {"code", "name", "lat", "lon", "state"}.

    state: "inactive" (not in service), else "abnormal" (latest inspection abnormal), else
    "overdue" (current due passed), else "normal" (latest inspection normal), else "unknown"
    (never inspected, not yet due). With `limit`, at most that many, those needing attention
    first (abnormal, overdue, inactive, unknown, normal; then by code): a province's 100,000
    markers would be megabytes no browser draws usefully. Two queries (one without `limit`).
    """
    now = now or timezone.now()
    scope = _scope(user, region, contractor)
    placed = scope.facilities.exclude(latitude__isnull=True).exclude(longitude__isnull=True)
    state = SqlCase(
        When(~Q(status=Status.IN_SERVICE), then=Value("inactive")),
        When(state__last_outcome=Outcome.ABNORMAL, then=Value("abnormal")),
        When(state__next_due_at__lt=now, then=Value("overdue")),
        When(state__last_outcome=Outcome.NORMAL, then=Value("normal")),
        default=Value("unknown"),
        output_field=CharField(),
    )
    rows = placed.annotate(map_state=state)
    if limit is None:
        rows = rows.order_by("code")
    else:
        rank = SqlCase(
            *(When(map_state=key, then=Value(n)) for key, n in _STATE_RANK.items()),
            output_field=IntegerField(),
        )
        rows = rows.annotate(rank=rank).order_by("rank", "code")[:limit]
    points = [
        {"code": code, "name": name, "lat": float(lat), "lon": float(lon), "state": state}
        for code, name, lat, lon, state in rows.values_list(
            "code", "name", "latitude", "longitude", "map_state"
        )
    ]
    total = len(points) if limit is None or len(points) < limit else placed.count()
    return MapPoints(points=points, total=total)


# --- What lies behind a figure ---------------------------------------------------------------

FIGURES = (
    "facilities",
    "in_service",
    "operating",
    "compliance",
    "inspections_on_time",
    "load",
    "resolution_on_time",
    "satisfaction",
)
PARTS = ("all", "met", "unmet")


def evidence(
    *,
    user,
    region: Region | None,
    period: Period,
    figure: str,
    part: str,
    now: datetime | None = None,
    contractor=None,
) -> QuerySet:
    """The records behind a figure: its denominator ("all"), numerator ("met") or the
    difference ("unmet"). Facilities for facilities/in_service/operating, WaterSamples for
    compliance ("unassessed" too), InspectionDues for inspections_on_time (stored dues only:
    add `outstanding_inspection_dues` for the missed dues after a facility's latest
    inspection), Inspections with a flow reading for load, Cases for resolution_on_time,
    CaseEvents (evaluations) for satisfaction. ValueError for an unknown figure or part."""
    if figure not in FIGURES:
        raise ValueError(f"Unknown figure: {figure}")
    if part not in PARTS and not (figure == "compliance" and part == "unassessed"):
        raise ValueError(f"Unknown part: {part}")
    now = now or timezone.now()
    as_of = _as_of(period, now)
    scope = _scope(user, region, contractor)
    facilities = scope.facilities.select_related("county", "town", "village", "contractor")
    none = facilities.none()

    if figure in ("facilities", "in_service", "operating"):
        covered = facilities.exclude(status=Status.DECOMMISSIONED)
        if figure == "facilities":
            return {"all": covered, "met": covered, "unmet": none}[part]
        in_service = covered.filter(status=Status.IN_SERVICE)
        if figure == "in_service":
            met = in_service
            total = covered
        else:
            aliases, ok = _operating_q(period, now)
            met = in_service.filter(
                pk__in=scope.facilities.alias(**aliases).filter(ok).values("pk")
            )
            total = in_service
        return {"all": total, "met": met, "unmet": total.exclude(pk__in=met.values("pk"))}[part]

    if figure == "compliance":
        samples = WaterSample.objects.filter(
            facility__in=scope.facilities.values("pk"),
            sampled_at__gte=period.start,
            sampled_at__lt=period.end,
        ).select_related("facility", "facility__town")
        return {
            "all": samples.exclude(compliance=Compliance.UNKNOWN),
            "met": samples.filter(compliance=Compliance.COMPLIANT),
            "unmet": samples.filter(compliance=Compliance.NON_COMPLIANT),
            "unassessed": samples.filter(compliance=Compliance.UNKNOWN),
        }[part].order_by("-sampled_at", "-pk")

    if figure == "inspections_on_time":
        dues = InspectionDue.objects.filter(
            facility__in=scope.base.values("pk"), due_at__gte=period.start, due_at__lt=as_of
        ).select_related("facility", "facility__town", "contractor", "inspection")
        if contractor is not None:
            dues = dues.filter(contractor=contractor)
        dues = dues.order_by("due_at", "facility__code")
        return {"all": dues, "met": dues.filter(on_time=True), "unmet": dues.filter(on_time=False)}[
            part
        ]

    if figure == "load":
        readings = (
            Inspection.objects.filter(
                facility__in=scope.facilities.values("pk"),
                finished_at__gte=period.start,
                finished_at__lt=as_of,
                flow_m3d__isnull=False,
            )
            .select_related("facility", "facility__town", "contractor")
            .order_by("facility__code", "finished_at")
        )
        return {"all": readings, "met": readings, "unmet": readings.none()}[part]

    cases = scope.cases.public()
    if figure == "resolution_on_time":
        cases = (
            cases.exclude(state=CaseState.REJECTED)
            .filter(resolve_due_at__gte=period.start, resolve_due_at__lt=period.end)
            .filter(Q(resolve_due_at__lt=now) | Q(concluded_at__isnull=False))
            .select_related("case_type", "facility", "region", "assignee")
            .order_by("resolve_due_at", "pk")
        )
        on_time = Q(concluded_at__isnull=False, concluded_at__lte=F("resolve_due_at"))
        return {"all": cases, "met": cases.filter(on_time), "unmet": cases.exclude(on_time)}[part]

    events = (
        CaseEvent.objects.filter(
            action=CaseAction.EVALUATE,
            case__in=cases.values("pk"),
            at__gte=period.start,
            at__lt=period.end,
        )
        .select_related("case", "case__case_type", "case__facility", "case__region")
        .order_by("-at", "-pk")
    )
    return {
        "all": events,
        "met": events.filter(rating__gte=4),
        "unmet": events.filter(rating__lt=4),
    }[part]


def outstanding_inspection_dues(
    *,
    user,
    region: Region | None,
    period: Period,
    now: datetime | None = None,
    contractor=None,
) -> list[OutstandingDue]:
    """The missed dues in the period that no table holds (after each facility's latest
    inspection; see summary.py), oldest first: with evidence("inspections_on_time", "unmet")
    they are every missed due behind 巡检及时率. Two queries."""
    now = now or timezone.now()
    as_of = _as_of(period, now)
    scope = _scope(user, region, contractor)
    states = FacilityState.objects.filter(
        facility__in=scope.facilities.values("pk"), next_due_at__lt=as_of
    ).select_related("facility", "facility__town", "facility__contractor")
    result = [
        OutstandingDue(facility=state.facility, due_at=at)
        for state in states
        for at in outstanding_dues(state.next_due_at, state.interval_days, period.start, as_of)
    ]
    return sorted(result, key=lambda due: (due.due_at, due.facility.code))
