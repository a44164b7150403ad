"""The dashboard pages: key figures of a region and a period, the same figures one level down,
what needs action today, a map and twelve months of trends; every figure links to the records
behind it. The figures themselves come from `yima.dashboard.selectors` only.

Who: members of a bureau or a contractor, each seeing their own scope (a region outside it is
404); a logged-in user without an organisation is 403, a visitor is sent to the login page.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yima.accounts.decorators import staff_member_required
from yima.dashboard import mapdata, selectors
from yima.dashboard.selectors import Period
from yima.facilities.codes import format_code
from yima.facilities.models import Facility
from yima.regions.choices import Level
from yima.regions.models import Region

NOT_STAFF = gettext_lazy("The dashboard is for regulators and O&M contractors.")
BAD_PERIOD = gettext_lazy(
    "“%(value)s” is not a period yima knows. Showing this month instead; "
    "use a month such as 2026-11, a quarter such as 2026-Q4 or a year such as 2026."
)
EVIDENCE_PAGE_SIZE = 50
ACTION_PREVIEW = 10


@dataclass(frozen=True)
class FigureSpec:
    key: str
    label: object  # lazy string
    counts: object  # what the denominator counts
    definition: object
    parts: tuple[str, ...] = ("all", "met", "unmet")


# The key figures of DOMAIN.md §5, in the order the bureau reports them.
RATES = (
    FigureSpec(
        "operating",
        gettext_lazy("Operating rate"),
        gettext_lazy("facilities in service"),
        gettext_lazy(
            "In-service facilities whose latest inspection, within its required interval, "
            "found them running normally, out of all in-service facilities."
        ),
    ),
    FigureSpec(
        "compliance",
        gettext_lazy("Effluent compliance rate"),
        gettext_lazy("samples assessed"),
        gettext_lazy(
            "Water samples taken in the period that meet every limit of the facility's "
            "discharge grade, out of the samples that could be assessed."
        ),
        parts=("all", "met", "unmet", "unassessed"),
    ),
    FigureSpec(
        "inspections_on_time",
        gettext_lazy("Inspection timeliness"),
        gettext_lazy("inspections due"),
        gettext_lazy(
            "Inspections due in the period (one per interval of each in-service facility) "
            "that were done by their due date, out of all inspections due."
        ),
    ),
    FigureSpec(
        "load",
        gettext_lazy("Load rate"),
        gettext_lazy("m³/d of capacity"),
        gettext_lazy(
            "Average daily flow recorded at inspections in the period, out of the design "
            "capacity of the facilities with a flow reading."
        ),
        parts=("all",),
    ),
    FigureSpec(
        "resolution_on_time",
        gettext_lazy("On-time resolution rate"),
        gettext_lazy("reports due"),
        gettext_lazy(
            "Public reports whose deadline fell in the period that were handled by the "
            "deadline, out of those reports."
        ),
    ),
    FigureSpec(
        "satisfaction",
        gettext_lazy("Satisfaction rate"),
        gettext_lazy("evaluations"),
        gettext_lazy(
            "Evaluations given in the period that rate the handling 4 or 5 out of 5, out of "
            "all evaluations."
        ),
    ),
)
COVERAGE = (
    FigureSpec(
        "facilities",
        gettext_lazy("Facilities"),
        gettext_lazy("facilities"),
        gettext_lazy("Facilities in the ledger that are not decommissioned."),
        parts=("all",),
    ),
    FigureSpec(
        "in_service",
        gettext_lazy("In service"),
        gettext_lazy("facilities"),
        gettext_lazy("Facilities whose status is in service."),
        parts=("all",),
    ),
)
FIGURES = {spec.key: spec for spec in COVERAGE + RATES}
PART_LABELS = {
    "all": gettext_lazy("all counted"),
    "met": gettext_lazy("met"),
    "unmet": gettext_lazy("not met"),
    "unassessed": gettext_lazy("not assessable"),
}


@dataclass(frozen=True)
class ActionSpec:
    key: str
    label: object
    empty: object


ACTIONS = (
    ActionSpec(
        "overdue_inspections",
        gettext_lazy("Overdue inspections"),
        gettext_lazy("Every inspection is on schedule."),
    ),
    ActionSpec(
        "overdue_reports",
        gettext_lazy("Overdue public reports"),
        gettext_lazy("No report is past its deadline."),
    ),
    ActionSpec(
        "abnormal",
        gettext_lazy("Abnormal for more than %(days)s days"),
        gettext_lazy("No facility has been abnormal that long."),
    ),
    ActionSpec(
        "samples_over_limit",
        gettext_lazy("Latest sample over the limit"),
        gettext_lazy("No facility's latest sample is over the limit."),
    ),
)
ACTIONS_BY_KEY = {spec.key: spec for spec in ACTIONS}

# Map marker states, in legend order; the colours are repeated in dashboard.css for the legend.
MAP_STATES = (
    ("normal", gettext_lazy("Running normally"), "#17643a"),
    ("abnormal", gettext_lazy("Abnormal"), "#b42318"),
    ("overdue", gettext_lazy("Inspection overdue"), "#dc6803"),
    ("unknown", gettext_lazy("No inspection yet"), "#667085"),
    ("inactive", gettext_lazy("Not in service"), "#98a2b3"),
)


def dashboard_view(view):
    """Staff only: visitors go to the login page, users without an organisation get 403."""
    return require_GET(staff_member_required(NOT_STAFF)(view))


def _period(request, now: datetime) -> Period:
    """The period asked for; a value yima cannot read is reported and replaced by this month."""
    value = (request.GET.get("period") or "").strip()
    try:
        return Period.parse(value or None, now=now)
    except ValueError:
        messages.error(request, BAD_PERIOD % {"value": value[:40]})
        return Period.parse(None, now=now)


def _region(request) -> Region | None:
    code = (request.GET.get("region") or "").strip()
    if code and not code.isdigit():
        raise Http404
    return selectors.dashboard_scope(user=request.user, region_code=code or None)


def _query(region: Region | None, period: Period | None = None, **extra) -> str:
    """`?region=…&period=…` for links that keep the page's region and period."""
    params = {}
    if region is not None:
        params["region"] = region.code
    if period is not None:
        params["period"] = period.key
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return "?" + urlencode(params) if params else ""


def _breadcrumb(region: Region | None) -> list[Region]:
    """The county, town and village above and including `region`, in one query."""
    if region is None:
        return []
    code = region.code
    codes = {code[:6] + "000000", code[:9] + "000", code}
    levels = (Level.COUNTY, Level.TOWN, Level.VILLAGE)
    return list(Region.objects.filter(code__in=codes, level__in=levels).order_by("code"))


def _period_links(period: Period, now: datetime) -> dict:
    """Previous/next period of the same kind and the month, quarter and year the period starts
    in. No link into the future."""
    start = timezone.localtime(period.start)
    end = timezone.localtime(period.end)
    quarter = (start.month - 1) // 3 + 1
    links = {
        "month": f"{start.year}-{start.month:02d}",
        "quarter": f"{start.year}-Q{quarter}",
        "year": f"{start.year}",
        "previous": period.previous().key,
        "next": None,
    }
    if period.kind in ("month", "quarter", "year") and period.end <= now:
        links["next"] = {
            "month": f"{end.year}-{end.month:02d}",
            "quarter": f"{end.year}-Q{(end.month - 1) // 3 + 1}",
            "year": f"{end.year}",
        }[period.kind]
    return links


def _rate_tile(spec: FigureSpec, rate, query: str) -> dict:
    base = reverse("dashboard:evidence", args=[spec.key, "all"])
    return {
        "key": spec.key,
        "label": spec.label,
        "counts": spec.counts,
        "definition": spec.definition,
        "percent": rate.percent if rate is not None else None,
        "numerator": rate.numerator if rate is not None else None,
        "denominator": rate.denominator if rate is not None else None,
        "url": base + query,
        "met_url": reverse("dashboard:evidence", args=[spec.key, "met"]) + query,
        "unmet_url": reverse("dashboard:evidence", args=[spec.key, "unmet"]) + query,
        "unmet": (rate.denominator - rate.numerator) if rate is not None else None,
        "unassessed_url": reverse("dashboard:evidence", args=[spec.key, "unassessed"]) + query
        if "unassessed" in spec.parts
        else None,
    }


def _tiles(figures, query: str) -> list[dict]:
    tiles = []
    for spec in RATES:
        if spec.key == "load":
            load = figures.load
            tile = _rate_tile(spec, None, query)
            if load is not None:
                tile.update(
                    percent=load.percent,
                    flow=load.flow_m3d,
                    capacity=load.capacity_m3d,
                    load_facilities=load.facilities,
                )
            tiles.append(tile)
            continue
        tile = _rate_tile(spec, getattr(figures, spec.key), query)
        if spec.key == "compliance":
            tile["unassessed"] = figures.samples_unassessed
        tiles.append(tile)
    return tiles


def _row_percents(figures) -> list[dict]:
    cells = []
    for spec in RATES:
        if spec.key == "load":
            load = figures.load
            cells.append({"percent": load.percent if load else None, "title": ""})
            continue
        rate = getattr(figures, spec.key)
        cells.append(
            {
                "percent": rate.percent,
                "title": f"{rate.numerator} / {rate.denominator}",
            }
        )
    return cells


def _trend_data(points) -> dict:
    def pct(part, whole):
        return round(part * 100 / whole, 1) if whole else None

    return {
        "months": [p.period.key for p in points],
        "labels": [str(p.period.label) for p in points],
        "inspections_due": [p.inspections_due for p in points],
        "inspections_done": [p.inspections_done for p in points],
        "inspections_on_time": [p.inspections_on_time for p in points],
        "reports_opened": [p.reports_opened for p in points],
        "reports_resolved": [p.reports_resolved for p in points],
        "samples": [p.samples for p in points],
        "compliance": [pct(p.samples_compliant, p.samples_assessed) for p in points],
        "names": {
            "inspections_due": _("Inspections due"),
            "inspections_done": _("Inspections done"),
            "inspections_on_time": _("Done on time"),
            "reports_opened": _("Reports received"),
            "reports_resolved": _("Reports resolved"),
            "compliance": _("Effluent compliance (%)"),
        },
    }


def _trend_rows(points) -> list[dict]:
    return [
        {
            "point": p,
            "compliance": (
                round(p.samples_compliant * 100 / p.samples_assessed, 1)
                if p.samples_assessed
                else None
            ),
        }
        for p in points
    ]


@dashboard_view
def home(request):
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    user = request.user
    figures = selectors.dashboard_figures(user=user, region=region, period=period, now=now)
    rows = selectors.dashboard_breakdown(user=user, region=region, period=period, now=now)
    trend = selectors.dashboard_trend(user=user, region=region, period=period, now=now)
    lists = selectors.action_lists(user=user, region=region, now=now)
    query = _query(region, period)
    breakdown = []
    for row in rows:
        if row.facility is not None:
            url = reverse("facilities:detail", args=[row.facility.code])
            name = row.facility.name
        else:
            url = reverse("dashboard:home") + _query(row.region, period)
            name = row.region.name
        breakdown.append(
            {"row": row, "name": name, "url": url, "cells": _row_percents(row.figures)}
        )
    actions = []
    for spec in ACTIONS:
        queryset = getattr(lists, spec.key)
        preview = list(_with_relations(queryset)[: ACTION_PREVIEW + 1])
        actions.append(
            {
                "key": spec.key,
                "kind": _kind(queryset),
                "label": _label(spec),
                "empty": spec.empty,
                "items": preview[:ACTION_PREVIEW],
                "more": len(preview) > ACTION_PREVIEW,
                "url": reverse("dashboard:actions", args=[spec.key]) + _query(region),
            }
        )
    crumbs = _breadcrumb(region)
    return render(
        request,
        "dashboard/home.html",
        {
            "now": now,
            "period": period,
            "period_links": _period_links(period, now),
            "region": region,
            "region_code": region.code if region else "",
            "crumbs": crumbs,
            "query": query,
            "figures": figures,
            "coverage_url": reverse("dashboard:evidence", args=["facilities", "all"]) + query,
            "in_service_url": reverse("dashboard:evidence", args=["in_service", "all"]) + query,
            "tiles": _tiles(figures, query),
            "rates": RATES,
            "breakdown": breakdown,
            "facility_level": bool(rows) and rows[0].facility is not None,
            "actions": actions,
            "trend": _trend_data(trend),
            "trend_rows": _trend_rows(trend),
            "map_config": {
                "points": reverse("dashboard:map_points") + _query(region),
                "counties": reverse("dashboard:map_counties") + _query(region),
                "tiles": mapdata.tile_url(),
                "attribution": mapdata.tile_attribution(),
                "states": [
                    {"key": key, "label": str(label), "colour": colour}
                    for key, label, colour in MAP_STATES
                ],
                "open": _("Open the facility"),
                "empty": _("No facility has coordinates in the ledger."),
                # %(shown)s and %(total)s are filled in by dashboard.js.
                "limited": _(
                    "The map shows the %(shown)s facilities that most need attention, of "
                    "%(total)s: choose a county or town to see all of its facilities."
                ),
            },
            "map_states": MAP_STATES,
        },
    )


def _label(spec: ActionSpec) -> str:
    if spec.key == "abnormal":
        from django.conf import settings

        return spec.label % {"days": settings.YIMA_DASHBOARD_ABNORMAL_DAYS}
    return str(spec.label)


def _with_relations(queryset):
    """What the action and evidence lists print about each row, fetched with the rows."""
    model = queryset.model
    name = model._meta.label_lower
    if model is Facility:
        return queryset.select_related("county", "town", "village", "contractor")
    if name == "operations.watersample":
        return queryset.select_related("facility__town", "facility__village")
    if name == "cases.case":
        return queryset.select_related("case_type", "facility", "region", "assignee")
    if name == "cases.caseevent":
        return queryset.select_related("case__case_type", "case__facility")
    if name == "dashboard.inspectiondue":
        return queryset.select_related("facility__town", "facility__village", "inspection")
    if name == "operations.inspection":
        return queryset.select_related("facility")
    return queryset


def _kind(queryset) -> str:
    return {
        "facilities.facility": "facility",
        "operations.watersample": "sample",
        "cases.case": "case",
        "cases.caseevent": "event",
        "dashboard.inspectiondue": "due",
        "operations.inspection": "inspection",
    }.get(queryset.model._meta.label_lower, "other")


@dashboard_view
def evidence(request, figure: str, part: str):
    spec = FIGURES.get(figure)
    if spec is None or part not in spec.parts:
        raise Http404
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    queryset = selectors.evidence(
        user=request.user, region=region, period=period, figure=figure, part=part, now=now
    )
    page = Paginator(_with_relations(queryset), EVIDENCE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    missed = None
    if figure == "inspections_on_time" and part in ("all", "unmet"):
        # Missed dues after a facility's latest inspection are counted live, not stored.
        outstanding = selectors.outstanding_inspection_dues(
            user=request.user, region=region, period=period, now=now
        )
        missed = Paginator(outstanding, EVIDENCE_PAGE_SIZE).get_page(request.GET.get("missed"))
    return render(
        request,
        "dashboard/evidence.html",
        {
            "spec": spec,
            "figure": figure,
            "part": part,
            "part_label": PART_LABELS[part],
            "parts": [(p, PART_LABELS[p]) for p in spec.parts],
            "period": period,
            "region": region,
            "crumbs": _breadcrumb(region),
            "query": _query(region, period),
            "page": page,
            "kind": _kind(queryset),
            "missed": missed,
            "now": now,
        },
    )


@dashboard_view
def actions(request, name: str):
    spec = ACTIONS_BY_KEY.get(name)
    if spec is None:
        raise Http404
    now = timezone.now()
    region = _region(request)
    queryset = getattr(selectors.action_lists(user=request.user, region=region, now=now), name)
    page = Paginator(_with_relations(queryset), EVIDENCE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dashboard/actions.html",
        {
            "key": name,
            "kind": _kind(queryset),
            "label": _label(spec),
            "empty": spec.empty,
            "region": region,
            "crumbs": _breadcrumb(region),
            "query": _query(region),
            "page": page,
            "now": now,
        },
    )


@dashboard_view
def map_points(request):
    region = _region(request)
    found = selectors.map_points(
        user=request.user, region=region, limit=settings.YIMA_DASHBOARD_MAP_POINTS
    )
    base = reverse("facilities:detail", args=["0"])[:-2]  # "/ledger/"
    for point in found.points:
        point["url"] = f"{base}{point['code']}/"
        point["display_code"] = format_code(point["code"])
    return JsonResponse({"points": found.points, "total": found.total})


@dashboard_view
def map_counties(request):
    region = _region(request)
    codes = mapdata.county_codes(user=request.user, region=region)
    key = "dashboard:county-outlines:" + mapdata.digest(codes)
    outlines = cache.get(key)
    if outlines is None:
        outlines = mapdata.county_outlines(codes)
        cache.set(key, outlines, 24 * 3600)
    response = JsonResponse(mapdata.county_collection(outlines))
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "private, max-age=3600"
    return response
