"""Reads of the contractor assessment: which contractors a user may assess, each one's live
scorecard for a period, and the records behind every score (its evidence).

Scoring rule (also shown on the pages): an item's points = its rate × its weight. An item with
nothing to count in the period (0 inspections due, no samples, ...) shows "no data" and its
weight is left out; the total is then rescaled to 100: total = sum of points / sum of the
weights of the items that had data × 100. A contractor whose total (rounded to 0.1) is below
the pass mark fails the period. With no data at all there is no total and no verdict.

Four items are the dashboard's figures limited to one contractor (`yima.dashboard.selectors`,
`contractor=`), counted from the dashboard's evidence querysets so that each score and the list
of records behind it always agree; the two the dashboard has no figure for (inspections
verified on site, repairs by their due date) are counted here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.accounts.scope import scope_for
from yima.assessment.choices import EvidencePart, ItemKey
from yima.assessment.models import AssessmentItem, AssessmentSettings, PublishedScorecard
from yima.cases.selectors import Rate
from yima.facilities.models import Facility
from yima.operations.models import Inspection, WorkOrder
from yima.regions.choices import Level

# Items whose figures and evidence come from the dashboard, and the dashboard's figure name.
DASHBOARD_FIGURES = {
    ItemKey.INSPECTIONS_ON_TIME: "inspections_on_time",
    ItemKey.COMPLIANCE: "compliance",
    ItemKey.COMPLAINTS_ON_TIME: "resolution_on_time",
    ItemKey.SATISFACTION: "satisfaction",
}

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal("100")
# Regulators whose scope prefix is this short (a city or a province) set the weights.
_WIDE_PREFIX = 4


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# --- Who may see and change what ---


def may_edit_weights(user) -> bool:
    """City and provincial bureaus (and administrators) set the weights and the pass mark;
    county bureaus and contractors only read them."""
    scope = scope_for(user)
    return scope.is_admin or any(len(p) <= _WIDE_PREFIX for p in scope.region_prefixes)


def may_publish(user) -> bool:
    """Any regulator may publish the scorecards of the contractors in its scope."""
    return scope_for(user).is_regulator


def _facility_region_q(region, prefix: str = "") -> Q:
    """Facilities (or records with a `facility`, via `prefix`) inside `region`."""
    if region is None:
        return Q()
    field = {Level.TOWN: "town", Level.VILLAGE: "village"}.get(region.level, "county")
    return Q(**{f"{prefix}{field}__code__startswith": region.prefix})


def assessable_contractors(*, user, region=None) -> QuerySet[Organisation]:
    """The contractors `user` may see scorecards of: for a regulator, those holding facilities
    in their scope (and `region`); for a contractor's staff, their own organisation."""
    scope = scope_for(user)
    if not scope.is_staff_member:
        return Organisation.objects.none()
    q = Q(pk__in=[])
    if scope.is_regulator:
        holders = (
            Facility.objects.visible_to(user)
            .filter(_facility_region_q(region))
            .exclude(contractor=None)
            .values("contractor_id")
        )
        q |= Q(pk__in=holders)
    if scope.contractor_ids:
        q |= Q(pk__in=scope.contractor_ids)
    return Organisation.objects.filter(q, kind=OrganisationKind.CONTRACTOR).order_by("name")


def contractor_get(*, user, org_id: int, region=None) -> Organisation:
    """One contractor `user` may assess, else Http404 (out of scope looks like missing)."""
    try:
        return assessable_contractors(user=user, region=region).get(pk=org_id)
    except Organisation.DoesNotExist:
        raise Http404 from None


def active_items() -> list[AssessmentItem]:
    return list(AssessmentItem.objects.filter(is_active=True))


def pass_mark() -> Decimal:
    return AssessmentSettings.load().pass_mark


# --- What each item counts ---


def _as_of(period, now: datetime | None) -> datetime:
    return min(period.end, now or timezone.now())


def verified_inspections(*, user, region, period, contractor, now=None) -> QuerySet[Inspection]:
    """现场核验率's denominator: the contractor's inspections finished in the period (up to
    now), on facilities `user` may see."""
    return Inspection.objects.visible_to(user).filter(
        _facility_region_q(region, "facility__"),
        contractor=contractor,
        finished_at__gte=period.start,
        finished_at__lt=_as_of(period, now),
    )


def due_work_orders(*, user, region, period, contractor, now=None) -> QuerySet[WorkOrder]:
    """维修按期完成率's denominator: the contractor's work orders whose due date falls in the
    period and has passed (or that are already done, even before their due date)."""
    start = timezone.localtime(period.start).date()
    end = timezone.localtime(period.end).date()
    today = timezone.localtime(_as_of(period, now)).date()
    return WorkOrder.objects.visible_to(user).filter(
        Q(due_on__lt=today) | Q(completed_at__isnull=False),
        _facility_region_q(region, "facility__"),
        contractor=contractor,
        due_on__gte=start,
        due_on__lt=end,
    )


REPAIRED_ON_TIME = Q(completed_at__isnull=False, completed_at__date__lte=F("due_on"))
MET = {
    ItemKey.VERIFIED_ON_SITE: Q(verified_on_site=True),
    ItemKey.REPAIRS_ON_TIME: REPAIRED_ON_TIME,
}
LOCAL_QUERIES = {
    ItemKey.VERIFIED_ON_SITE: verified_inspections,
    ItemKey.REPAIRS_ON_TIME: due_work_orders,
}


def _local_rate(key: str, **kw) -> Rate:
    records = LOCAL_QUERIES[key](**kw)
    return Rate(records.filter(MET[key]).count(), records.count())


def _dashboard_rate(key: str, **kw) -> Rate:
    """The dashboard's figure for one contractor, counted from the dashboard's own evidence
    querysets, so that a score and the list behind it can never disagree."""
    from yima.dashboard import selectors as dashboard

    figure = DASHBOARD_FIGURES[key]
    met = dashboard.evidence(figure=figure, part=EvidencePart.MET, **kw).count()
    counted = dashboard.evidence(figure=figure, part=EvidencePart.ALL, **kw).count()
    if key == ItemKey.INSPECTIONS_ON_TIME:
        counted += len(dashboard.outstanding_inspection_dues(**kw))
    return Rate(met, counted)


@dataclass(frozen=True)
class Evidence:
    """The records behind one score, and what kind of records they are (for the page)."""

    kind: str  # inspection | workorder | sample | due | case | event
    records: Sequence  # a QuerySet, or a list where live rows are added


def evidence(
    *, user, region, period, contractor, item: str, part: str = EvidencePart.ALL, now=None
) -> Evidence:
    """The records behind one item's figure: all counted (the denominator), those that met it
    (the numerator) or the rest. Raises Http404 for an unknown item or part."""
    if part not in EvidencePart.values:
        raise Http404
    kw = {"user": user, "region": region, "period": period, "contractor": contractor, "now": now}
    if item in LOCAL_QUERIES:
        records = LOCAL_QUERIES[item](**kw)
        if part == EvidencePart.MET:
            records = records.filter(MET[item])
        elif part == EvidencePart.UNMET:
            records = records.exclude(MET[item])
        kind = "inspection" if item == ItemKey.VERIFIED_ON_SITE else "workorder"
        return Evidence(kind, records.select_related("facility").order_by("pk"))
    if item not in DASHBOARD_FIGURES:
        raise Http404
    from yima.dashboard import selectors as dashboard

    records = dashboard.evidence(figure=DASHBOARD_FIGURES[item], part=part, **kw)
    kind = {
        ItemKey.INSPECTIONS_ON_TIME: "due",
        ItemKey.COMPLIANCE: "sample",
        ItemKey.COMPLAINTS_ON_TIME: "case",
        ItemKey.SATISFACTION: "event",
    }[item]
    if item == ItemKey.INSPECTIONS_ON_TIME and part != EvidencePart.MET:
        # Missed dues after a facility's latest inspection are counted live, not stored.
        outstanding = dashboard.outstanding_inspection_dues(**kw)
        records = sorted([*records, *outstanding], key=lambda due: (due.due_at, due.facility.code))
    return Evidence(kind, records)


# --- Scorecards ---


@dataclass(frozen=True)
class ItemScore:
    """One item of a scorecard: its rate over the period, weight and points."""

    key: str
    name: str
    explanation: str
    weight: Decimal
    rate: Rate
    evidence_url: str

    @property
    def has_data(self) -> bool:
        return bool(self.rate.denominator)

    @property
    def exact_points(self) -> Decimal | None:
        if not self.has_data:
            return None
        return Decimal(self.rate.numerator) / Decimal(self.rate.denominator) * self.weight

    @property
    def points(self) -> Decimal | None:
        """rate × weight, rounded to 0.1; None when there was nothing to count."""
        exact = self.exact_points
        return None if exact is None else _round(exact)

    @property
    def percent(self) -> Decimal | None:
        if not self.has_data:
            return None
        return _round(Decimal(self.rate.numerator) / Decimal(self.rate.denominator) * HUNDRED)

    def evidence_part_url(self, part: str) -> str:
        return f"{self.evidence_url}&{urlencode({'part': part})}"

    @property
    def met_url(self) -> str:
        return self.evidence_part_url(EvidencePart.MET)

    @property
    def unmet_url(self) -> str:
        return self.evidence_part_url(EvidencePart.UNMET)


@dataclass(frozen=True)
class Scorecard:
    """A contractor's assessment for a period, as `user` sees it (their scope, `region`)."""

    contractor: Organisation
    period: object  # yima.dashboard.selectors.Period
    region: object  # Region | None
    items: tuple[ItemScore, ...]
    pass_mark: Decimal

    @property
    def weight_counted(self) -> Decimal:
        """The weights of the items that had data: what the total is rescaled from."""
        return sum((i.weight for i in self.items if i.has_data), Decimal("0"))

    @property
    def weight_total(self) -> Decimal:
        return sum((i.weight for i in self.items), Decimal("0"))

    @property
    def rescaled(self) -> bool:
        return self.weight_counted != self.weight_total

    @property
    def total(self) -> Decimal | None:
        """Out of 100: the points of the items with data over their weights, rounded to 0.1."""
        if not self.weight_counted:
            return None
        earned = sum((i.exact_points for i in self.items if i.has_data), Decimal("0"))
        return _round(earned / self.weight_counted * HUNDRED)

    @property
    def passed(self) -> bool | None:
        total = self.total
        return None if total is None else total >= self.pass_mark

    @property
    def url(self) -> str:
        return _card_url("assessment:card", self.contractor.pk, self.period, self.region)

    def item(self, key: str) -> ItemScore | None:
        return next((i for i in self.items if i.key == key), None)


def period_query(period, region=None) -> str:
    params = {"period": period.key}
    if region is not None:
        params["region"] = region.code
    return urlencode(params)


def _card_url(name: str, org_id: int, period, region, **kwargs) -> str:
    return f"{reverse(name, kwargs={'org_id': org_id, **kwargs})}?{period_query(period, region)}"


def scorecard(
    *, user, contractor: Organisation, period, region=None, now=None, items=None, mark=None
) -> Scorecard:
    """One contractor's live scorecard (the caller has checked `user` may see it)."""
    items = active_items() if items is None else items
    mark = pass_mark() if mark is None else mark
    kw = {"user": user, "region": region, "period": period, "contractor": contractor, "now": now}
    scores = []
    for item in items:
        if item.key in DASHBOARD_FIGURES:
            rate = _dashboard_rate(item.key, **kw)
        else:
            rate = _local_rate(item.key, **kw)
        scores.append(
            ItemScore(
                key=item.key,
                name=item.label,
                explanation=item.explanation,
                weight=item.weight,
                rate=rate,
                evidence_url=_card_url(
                    "assessment:evidence", contractor.pk, period, region, item=item.key
                ),
            )
        )
    return Scorecard(
        contractor=contractor, period=period, region=region, items=tuple(scores), pass_mark=mark
    )


def scorecards(*, user, period, region=None, now=None) -> list[Scorecard]:
    """The live scorecard of every contractor `user` may assess, by contractor name."""
    items = active_items()
    mark = pass_mark()
    return [
        scorecard(
            user=user,
            contractor=contractor,
            period=period,
            region=region,
            now=now,
            items=items,
            mark=mark,
        )
        for contractor in assessable_contractors(user=user, region=region)
    ]


# --- Weights and published results ---


def weight_history(limit: int = 30) -> list:
    """The latest changes to weights and the pass mark, newest first (who, when, why)."""
    items = AssessmentItem.history.select_related("history_user").order_by("-history_date")
    marks = AssessmentSettings.history.select_related("history_user").order_by("-history_date")
    rows = list(items[:limit]) + list(marks[:limit])
    rows.sort(key=lambda row: row.history_date, reverse=True)
    return rows[:limit]


def published_for(*, user, period, region=None) -> QuerySet[PublishedScorecard]:
    """Snapshots of this period `user` may see (of the contractors they may assess)."""
    return (
        PublishedScorecard.objects.filter(
            period=period.key,
            contractor__in=assessable_contractors(user=user, region=region),
            region_code=region.code if region is not None else "",
        )
        .select_related("contractor", "bureau", "published_by")
        .order_by("contractor__name", "-published_at")
    )
