"""The measured (and preparing) steps of the benchmarks, each run in a fresh process.

    python -m bench.child STEP '{"json": "arguments"}'

The parent (bench/run.py) sets the environment: DJANGO_SETTINGS_MODULE=bench.settings and the
YIMA_* variables naming the database, cache and home of this step. A step prints one JSON line
on stdout: its own figures plus `peak_rss_mb`, the peak resident memory of this process.
Timed parts are timed with time.perf_counter() around exactly the work being compared.
"""

import json
import os
import resource
import sys
import time


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a busy machine, but
    misses work done by another process such as the PostgreSQL server)."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu

    def as_dict(self) -> dict:
        return {"seconds": self.seconds, "cpu_seconds": self.cpu_seconds}


# --- Preparing databases ----------------------------------------------------------------------


def step_migrate() -> dict:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    return {"seconds": time.perf_counter() - started}


def step_collectstatic() -> dict:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return {}


def step_demo(facilities: int, seed: int = 2019) -> dict:
    """The Nanchang demo with `facilities` facilities, each with its first label issued."""
    from yima.facilities import demo
    from yima.facilities.models import Facility
    from yima.scan.services import labels_issue_missing

    started = time.perf_counter()
    result = demo.generate(facilities=facilities, seed=seed)
    labels = labels_issue_missing(facilities=Facility.objects.all(), actor=None, reason="bench")
    return {
        "facilities": result.facilities,
        "villages": result.villages,
        "labels": labels,
        "seconds": time.perf_counter() - started,
    }


def step_codes(limit: int, seed: int = 7) -> dict:
    """Up to `limit` facility codes, a random sample spread over the whole ledger."""
    import random

    from yima.facilities.models import Facility

    codes = list(Facility.objects.alive().order_by("code").values_list("code", flat=True))
    random.Random(seed).shuffle(codes)
    return {"codes": codes[:limit]}


def _ledger_rows(*, blank_codes: bool = False, capacity_delta: int = 0):
    """Every facility as a ledger row (yima.facilities.excel.facility_row), optionally with
    the code left blank (an import then registers it anew) or the capacity changed."""
    from yima.facilities import excel
    from yima.facilities.models import Facility

    keys = [column.key for column in excel.COLUMNS]
    code, capacity = keys.index("code"), keys.index("capacity_m3d")
    facilities = (
        Facility.objects.alive()
        .select_related("county", "town", "village", "contractor")
        .order_by("code")
        .iterator(chunk_size=2000)
    )
    for facility in facilities:
        row = excel.facility_row(facility)
        if blank_codes:
            row[code] = None
        if capacity_delta:
            row[capacity] += capacity_delta
        yield row


def _write_workbook(path: str, rows) -> int:
    """Rows under the ledger's header row, written with openpyxl (write-only mode)."""
    from openpyxl import Workbook

    from yima.facilities import excel

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("设施台账")
    sheet.append([column.header for column in excel.COLUMNS])
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count


def step_ledger_workbook(path: str, places: str) -> dict:
    """Every facility as a ledger workbook with the codes left blank (so an import registers
    them all anew), and the places and contractors it names dumped to a fixture."""
    from django.core.management import call_command

    started = time.perf_counter()
    rows = _write_workbook(path, _ledger_rows(blank_codes=True))
    call_command("dumpdata", "regions.Region", "accounts.Organisation", output=places, verbosity=0)
    return {"rows": rows, "bytes": os.path.getsize(path), "seconds": time.perf_counter() - started}


def step_edited_workbook(path: str) -> dict:
    """The ledger with its codes and every capacity changed: importing it updates every row."""
    return {"rows": _write_workbook(path, _ledger_rows(capacity_delta=1))}


def step_load_places(places: str) -> dict:
    """Into an empty, migrated database: the regions and contractors, and an administrator."""
    from django.core.management import call_command

    from yima.accounts.models import User

    call_command("loaddata", places, verbosity=0)
    User.objects.create_superuser("bench", "bench@example.org", "bench-password-not-secret")
    return {}


# --- Measured steps ---------------------------------------------------------------------------


def step_import(path: str) -> dict:
    """ledger_import() of the whole workbook as an administrator: checked, then written."""
    from yima.accounts.models import User
    from yima.facilities.imports import ledger_import

    actor = User.objects.get(username="bench")
    with Timer() as timer:
        result = ledger_import(path=path, actor=actor, dry_run=False, reason="bench")
    if not result.ok:
        raise SystemExit(f"import failed: {[str(e) for e in result.errors[:5]]}")
    return {
        **timer.as_dict(),
        "created": result.created,
        "updated": result.updated,
        "total": result.total,
    }


def step_calamine_read(path: str) -> dict:
    """The floor of the import: python-calamine reading every row of sheet 1, nothing else."""
    import python_calamine

    with Timer() as timer:
        workbook = python_calamine.load_workbook(path)
        rows = sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows())
        workbook.close()
    return {**timer.as_dict(), "rows": rows}


def _label_batch(count: int) -> tuple:
    from yima.facilities.models import Facility

    ids = list(Facility.objects.alive().order_by("code").values_list("pk", flat=True)[:count])
    return Facility.objects.filter(pk__in=ids), len(ids)


def _amortise_file_cache_cull(every: int) -> None:
    """What-if for docs/performance.md: Django's FileBasedCache lists its whole folder on every
    set() to decide whether to cull; here it does so on one set in `every`."""
    from django.core.cache.backends.filebased import FileBasedCache

    cull, sets = FileBasedCache._cull, [0]

    def _cull(self):
        sets[0] += 1
        if sets[0] % every == 0:
            cull(self)

    FileBasedCache._cull = _cull


def step_labels_pdf(count: int, out: str, cull_every: int = 0) -> dict:
    """yima.scan.pdf.render_labels(): `count` labels on 3 x 8 sheets (labels already issued),
    with the QR cache of this process's (fresh, empty) cache."""
    from django.core.cache import cache

    from yima.scan.choices import Layout
    from yima.scan.pdf import cjk_font, render_labels

    if cull_every:
        _amortise_file_cache_cull(cull_every)
    facilities, count = _label_batch(count)
    cache.clear()
    cjk_font()  # finding and parsing the font is once per process, not per batch
    with Timer() as timer, open(out, "wb") as fh:
        done = render_labels(facilities, layout=Layout.SHEET, out=fh)
    return {**timer.as_dict(), "labels": done, "bytes": os.path.getsize(out)}


def step_segno_floor(count: int) -> dict:
    """The floor of the labels benchmark: the same label URLs encoded with segno alone, with
    the same options as yima.scan.qr.make_qr (error level M, boost_error, no micro QR)."""
    import segno

    from yima.scan.models import Label
    from yima.scan.qr import ERROR_LEVEL, label_url

    facilities, count = _label_batch(count)
    serials = dict(
        Label.objects.filter(facility__in=facilities)
        .order_by("facility__code", "serial")
        .values_list("facility__code", "serial")
    )
    urls = [label_url(code, serial) for code, serial in serials.items()]
    with Timer() as timer:
        for url in urls:
            segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=True)
    return {**timer.as_dict(), "codes": len(urls)}


# --- The dashboard ------------------------------------------------------------------------------

CITY_USER = "bench-city"


def step_demo_activity(facilities: int, years: float, seed: int = 2019) -> dict:
    """The Nanchang demo with `facilities` facilities and `years` of activity up to now
    (yima.core.demo_activity, summary tables rebuilt), and a login of the city bureau."""
    from yima.accounts.models import Membership, Organisation, User
    from yima.core.demo_activity import generate_activity
    from yima.facilities import demo

    started = time.perf_counter()
    cpu = time.process_time()
    demo.generate(facilities=facilities, seed=seed)
    ledger_seconds = time.perf_counter() - started
    user = User.objects.create_user(CITY_USER, password="bench-password-not-secret")  # noqa: S106
    Membership.objects.create(
        user=user, organisation=Organisation.objects.get(name=demo.CITY_BUREAU)
    )
    result = generate_activity(years=years, seed=seed)
    return {
        "facilities": result.facilities,
        "inspections": result.inspections,
        "samples": result.samples,
        "work_orders": result.work_orders,
        "cases": result.cases,
        "rows": result.rows,
        "activity_seconds": result.seconds,
        "activity_timings": result.timings,
        "ledger_seconds": ledger_seconds,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
    }


def step_dashboard_existing() -> dict:
    """An existing database (YIMA_BENCH_DASHBOARD_DATABASES, e.g. made by `yima demo
    --facilities 100000 --years 5`): its counts, and the city bureau's benchmark login."""
    from yima.accounts.models import Membership, Organisation, User
    from yima.cases.models import Case
    from yima.facilities import demo
    from yima.facilities.models import Facility
    from yima.operations.models import Inspection, WaterSample, WorkOrder

    user, created = User.objects.get_or_create(username=CITY_USER)
    if created:
        Membership.objects.create(
            user=user, organisation=Organisation.objects.get(name=demo.CITY_BUREAU)
        )
    return {
        "facilities": Facility.objects.count(),
        "inspections": Inspection.objects.count(),
        "samples": WaterSample.objects.count(),
        "work_orders": WorkOrder.objects.count(),
        "cases": Case.objects.count(),
    }


def _now(now: str):
    from datetime import datetime

    return datetime.fromisoformat(now)


def step_dashboard(now: str, page: bool = False) -> dict:
    """The city dashboard for the city bureau's login, as the /dashboard/ page computes it:
    figures, the breakdown by county, the 12-month trend and the four action lists (count and
    first 20 rows), for the current month. Cold: the first computation in this process."""
    from django.db import connection

    from yima.accounts.models import User
    from yima.dashboard import selectors

    at = _now(now)
    user = User.objects.get(username=CITY_USER)
    connection.ensure_connection()
    parts = {}
    with Timer() as timer:
        t = time.perf_counter()
        period = selectors.Period.parse(None, now=at)
        region = selectors.dashboard_scope(user=user, region_code=None)
        figures = selectors.dashboard_figures(user=user, region=region, period=period, now=at)
        parts["figures"] = time.perf_counter() - t
        t = time.perf_counter()
        rows = selectors.dashboard_breakdown(user=user, region=region, period=period, now=at)
        parts["breakdown"] = time.perf_counter() - t
        t = time.perf_counter()
        trend = selectors.dashboard_trend(user=user, region=region, period=period, now=at)
        parts["trend"] = time.perf_counter() - t
        t = time.perf_counter()
        lists = selectors.action_lists(user=user, region=region, now=at)
        counts = {}
        for name in ("overdue_inspections", "overdue_reports", "abnormal", "samples_over_limit"):
            qs = getattr(lists, name)
            counts[name] = qs.count()
            list(qs[:20])
        parts["actions"] = time.perf_counter() - t
    out = {**timer.as_dict(), "parts": parts, "figures": _figures_dict(figures)}
    out["counties"] = len(rows)
    out["trend"] = [
        [
            p.inspections_due,
            p.inspections_on_time,
            p.inspections_done,
            p.reports_opened,
            p.reports_resolved,
            p.samples,
            p.samples_compliant,
        ]
        for p in trend
    ]
    out["actions"] = counts
    if page:
        from django.test import Client

        client = Client()
        client.force_login(user)
        with Timer() as page_timer:
            # A host of ALLOWED_HOSTS: the test client's "testserver" got a 400 in no time.
            response = client.get("/dashboard/", HTTP_HOST="127.0.0.1")
        out["page_seconds"] = page_timer.seconds
        out["page_status"] = response.status_code
    return out


def _figures_dict(f) -> dict:
    return {
        "facilities": f.facilities,
        "towns": f.towns,
        "villages": f.villages,
        "in_service": f.in_service,
        "operating": f.operating.numerator,
        "compliant": f.compliance.numerator,
        "assessed": f.compliance.denominator,
        "unassessed": f.samples_unassessed,
        "due": f.inspections_on_time.denominator,
        "on_time": f.inspections_on_time.numerator,
        "load_facilities": f.load.facilities if f.load else 0,
        "cases_due": f.resolution_on_time.denominator,
        "cases_on_time": f.resolution_on_time.numerator,
        "evaluations": f.satisfaction.denominator,
        "good": f.satisfaction.numerator,
        "opened": f.reports_opened,
        "resolved": f.reports_resolved,
    }


# The floor: the same figures computed by hand-written SQL over the same tables (PostgreSQL).
# Each query yields the city total and the per-county rows at once (GROUPING SETS).
FLOOR_SQL = {
    "facilities": """
        SELECT f.county_id,
               count(*) FILTER (WHERE f.status <> 'decommissioned'),
               count(DISTINCT f.town_id) FILTER (WHERE f.status <> 'decommissioned'),
               count(DISTINCT f.village_id) FILTER (WHERE f.status <> 'decommissioned'),
               count(*) FILTER (WHERE f.status = 'in_service'),
               count(*) FILTER (WHERE f.status = 'in_service' AND s.last_outcome = 'normal'
                                AND s.last_inspected_at + s.interval_days * interval '1 day'
                                    >= %(as_of)s)
        FROM facilities_facility f LEFT JOIN dashboard_facilitystate s ON s.facility_id = f.id
        WHERE f.deleted_at IS NULL
        GROUP BY GROUPING SETS ((), (f.county_id))""",
    "samples": """
        SELECT f.county_id,
               count(*) FILTER (WHERE w.compliance = 'compliant'),
               count(*) FILTER (WHERE w.compliance = 'non_compliant'),
               count(*) FILTER (WHERE w.compliance = 'unknown')
        FROM operations_watersample w JOIN facilities_facility f ON f.id = w.facility_id
        WHERE f.deleted_at IS NULL AND w.sampled_at >= %(start)s AND w.sampled_at < %(end)s
        GROUP BY GROUPING SETS ((), (f.county_id))""",
    # The current month as the selectors read it: its FacilityMonth rows minus the records
    # after as_of (next to none: dues answered early, nothing recorded in advance).
    "dues": """
        SELECT county_id, sum(n), sum(on_time) FROM (
            SELECT f.county_id, fm.dues AS n, fm.dues_on_time AS on_time
            FROM dashboard_facilitymonth fm JOIN facilities_facility f ON f.id = fm.facility_id
            WHERE f.deleted_at IS NULL AND fm.month = %(month)s
            UNION ALL
            SELECT f.county_id, -1, -d.on_time::int
            FROM dashboard_inspectiondue d JOIN facilities_facility f ON f.id = d.facility_id
            WHERE f.deleted_at IS NULL AND d.due_at >= %(as_of)s AND d.due_at < %(end)s) x
        GROUP BY GROUPING SETS ((), (county_id))""",
    "outstanding": """
        SELECT f.county_id, coalesce(sum(greatest(0,
                   ceil(extract(epoch FROM %(as_of)s - s.next_due_at) / (s.interval_days * 86400.0))
                   - CASE WHEN s.next_due_at >= %(start)s THEN 0 ELSE
                     ceil(extract(epoch FROM %(start)s - s.next_due_at)
                          / (s.interval_days * 86400.0)) END)), 0)
        FROM dashboard_facilitystate s JOIN facilities_facility f ON f.id = s.facility_id
        WHERE f.deleted_at IS NULL AND s.next_due_at < %(as_of)s AND s.interval_days > 0
        GROUP BY GROUPING SETS ((), (f.county_id))""",
    "load": """
        SELECT county_id, sum(flow), sum(capacity_m3d), count(*) FROM (
            SELECT f.id, f.county_id, f.capacity_m3d, round(sum(x.flow) / sum(x.n), 4) AS flow
            FROM (
                SELECT fm.facility_id, fm.flow_sum AS flow, fm.flow_count AS n
                FROM dashboard_facilitymonth fm
                WHERE fm.month = %(month)s AND fm.flow_count > 0
                UNION ALL
                SELECT i.facility_id, -i.flow_m3d, -1 FROM operations_inspection i
                WHERE i.finished_at >= %(as_of)s AND i.finished_at < %(end)s
                  AND i.flow_m3d IS NOT NULL) x
            JOIN facilities_facility f ON f.id = x.facility_id
            WHERE f.deleted_at IS NULL
            GROUP BY f.id HAVING sum(x.n) > 0) y
        GROUP BY GROUPING SETS ((), (county_id))""",
    "cases": """
        SELECT coalesce(f.county_id::text, substr(r.code, 1, 6)),
               count(*) FILTER (WHERE c.state <> 'rejected' AND c.resolve_due_at >= %(start)s
                   AND c.resolve_due_at < %(end)s
                   AND (c.resolve_due_at < %(now)s OR c.concluded_at IS NOT NULL)),
               count(*) FILTER (WHERE c.state <> 'rejected' AND c.resolve_due_at >= %(start)s
                   AND c.resolve_due_at < %(end)s AND c.concluded_at <= c.resolve_due_at),
               count(*) FILTER (WHERE c.submitted_at >= %(start)s AND c.submitted_at < %(end)s),
               count(*) FILTER (WHERE c.state <> 'rejected' AND c.concluded_at >= %(start)s
                   AND c.concluded_at < %(end)s)
        FROM cases_case c LEFT JOIN facilities_facility f ON f.id = c.facility_id
             LEFT JOIN regions_region r ON r.id = c.region_id
        WHERE c.hidden_at IS NULL AND (f.id IS NULL OR f.deleted_at IS NULL)
        GROUP BY GROUPING SETS ((), (1))""",
    "evaluations": """
        SELECT coalesce(f.county_id::text, substr(r.code, 1, 6)), count(*),
               count(*) FILTER (WHERE e.rating >= 4)
        FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id
             LEFT JOIN facilities_facility f ON f.id = c.facility_id
             LEFT JOIN regions_region r ON r.id = c.region_id
        WHERE e.action = 'evaluate' AND e.at >= %(start)s AND e.at < %(end)s
          AND c.hidden_at IS NULL AND (f.id IS NULL OR f.deleted_at IS NULL)
        GROUP BY GROUPING SETS ((), (1))""",
    # The trend: twelve months, one grouped query per series.
    # Whole months from the monthly summary (FacilityMonth), the current month from the dues.
    "trend_dues": """
        SELECT m, sum(n), sum(on_time) FROM (
            SELECT fm.month::timestamp AS m, sum(fm.dues) AS n, sum(fm.dues_on_time) AS on_time
            FROM dashboard_facilitymonth fm JOIN facilities_facility f ON f.id = fm.facility_id
            WHERE f.deleted_at IS NULL AND fm.month >= %(t_first_month)s
              AND fm.month < %(t_cut_month)s
            GROUP BY 1
            UNION ALL
            SELECT date_trunc('month', d.due_at AT TIME ZONE %(tz)s), count(*),
                   count(*) FILTER (WHERE d.on_time)
            FROM dashboard_inspectiondue d JOIN facilities_facility f ON f.id = d.facility_id
            WHERE f.deleted_at IS NULL AND d.due_at >= %(t_cut)s AND d.due_at < %(t_as_of)s
            GROUP BY 1) x
        GROUP BY 1""",
    "trend_outstanding": """
        SELECT date_trunc('month', g AT TIME ZONE %(tz)s), count(*)
        FROM dashboard_facilitystate s JOIN facilities_facility f ON f.id = s.facility_id,
             generate_series(s.next_due_at, %(t_as_of)s - interval '1 microsecond',
                             s.interval_days * interval '1 day') g
        WHERE f.deleted_at IS NULL AND s.next_due_at < %(t_as_of)s AND s.interval_days > 0
          AND g >= %(t_start)s
        GROUP BY 1""",
    "trend_done": """
        SELECT fm.month, sum(fm.inspections)
        FROM dashboard_facilitymonth fm JOIN facilities_facility f ON f.id = fm.facility_id
        WHERE f.deleted_at IS NULL AND fm.month >= %(t_first_month)s
          AND fm.month < %(t_end_month)s
        GROUP BY 1""",
    "trend_opened": """
        SELECT date_trunc('month', c.submitted_at AT TIME ZONE %(tz)s), count(*)
        FROM cases_case c LEFT JOIN facilities_facility f ON f.id = c.facility_id
        WHERE c.hidden_at IS NULL AND (f.id IS NULL OR f.deleted_at IS NULL)
          AND c.submitted_at >= %(t_start)s AND c.submitted_at < %(t_end)s
        GROUP BY 1""",
    "trend_resolved": """
        SELECT date_trunc('month', c.concluded_at AT TIME ZONE %(tz)s), count(*)
        FROM cases_case c LEFT JOIN facilities_facility f ON f.id = c.facility_id
        WHERE c.hidden_at IS NULL AND (f.id IS NULL OR f.deleted_at IS NULL)
          AND c.state <> 'rejected'
          AND c.concluded_at >= %(t_start)s AND c.concluded_at < %(t_end)s
        GROUP BY 1""",
    "trend_samples": """
        SELECT fm.month,
               sum(fm.samples_compliant + fm.samples_non_compliant + fm.samples_unknown),
               sum(fm.samples_compliant)
        FROM dashboard_facilitymonth fm JOIN facilities_facility f ON f.id = fm.facility_id
        WHERE f.deleted_at IS NULL AND fm.month >= %(t_first_month)s
          AND fm.month < %(t_end_month)s
        GROUP BY 1""",
    # The action lists: how many, and the first 20 of each.
    "overdue_inspections": """
        SELECT count(*) OVER (), f.id, f.code, f.name, s.next_due_at, s.last_inspected_at
        FROM facilities_facility f JOIN dashboard_facilitystate s ON s.facility_id = f.id
        WHERE f.deleted_at IS NULL AND f.status = 'in_service' AND s.next_due_at < %(now)s
        ORDER BY s.next_due_at, f.code LIMIT 20""",
    "overdue_reports": """
        SELECT count(*) OVER (), c.id, c.tracking, c.resolve_due_at
        FROM cases_case c LEFT JOIN facilities_facility f ON f.id = c.facility_id
        WHERE c.hidden_at IS NULL AND (f.id IS NULL OR f.deleted_at IS NULL)
          AND ((c.state = 'submitted' AND c.accept_due_at < %(now)s)
               OR (c.state IN ('submitted', 'accepted', 'assigned', 'reopened')
                   AND c.resolve_due_at < %(now)s))
        ORDER BY c.resolve_due_at, c.id LIMIT 20""",
    "abnormal": """
        SELECT count(*) OVER (), f.id, f.code, f.name, s.abnormal_since
        FROM facilities_facility f JOIN dashboard_facilitystate s ON s.facility_id = f.id
        WHERE f.deleted_at IS NULL AND f.status = 'in_service' AND s.last_outcome = 'abnormal'
          AND s.abnormal_since < %(abnormal_before)s
        ORDER BY s.abnormal_since, f.code LIMIT 20""",
    "samples_over_limit": """
        SELECT count(*) OVER (), w.id, f.code, w.sampled_at
        FROM operations_watersample w JOIN facilities_facility f ON f.id = w.facility_id
             JOIN dashboard_facilitystate s ON s.facility_id = f.id
        WHERE f.deleted_at IS NULL AND s.last_compliance = 'non_compliant'
          AND w.compliance = 'non_compliant' AND w.sampled_at = s.last_sampled_at
        ORDER BY w.sampled_at DESC, w.id DESC LIMIT 20""",
}


def step_dashboard_floor(now: str) -> dict:
    """The floor of the dashboard benchmark: FLOOR_SQL run with a bare psycopg cursor (no
    ORM), the same period and `now` as step_dashboard."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from yima.dashboard.selectors import Period, _floor_month

    at = _now(now)
    period = Period.parse(None, now=at)
    last = period.months()[-1]
    local = timezone.localtime(last.start)
    series_start = Period.for_month(local.year, local.month - 11).start  # as dashboard_trend
    params = {
        "start": period.start,
        "end": period.end,
        "as_of": min(period.end, at),
        "month": timezone.localtime(period.start).date(),  # the current month (FacilityMonth)
        "now": at,
        "tz": settings.TIME_ZONE,
        "t_start": series_start,
        "t_end": last.end,
        "t_as_of": min(last.end, at),
        # Month boundaries of the trend for FacilityMonth (first day of a local month).
        "t_first_month": timezone.localtime(series_start).date(),
        "t_end_month": timezone.localtime(last.end).date(),
        "t_cut": _floor_month(min(last.end, at)),
        "t_cut_month": timezone.localtime(_floor_month(min(last.end, at))).date(),
        "abnormal_before": at - timedelta(days=settings.YIMA_DASHBOARD_ABNORMAL_DAYS),
    }
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection itself
    results, parts = {}, {}
    with Timer() as timer, raw.cursor() as cursor:
        for name, sql in FLOOR_SQL.items():
            t = time.perf_counter()
            cursor.execute(sql, params)
            results[name] = cursor.fetchall()
            parts[name] = time.perf_counter() - t
    total = {name: next((r for r in rows if r[0] is None), None) for name, rows in results.items()}
    fac, smp, dues, out, load = (
        total[k] for k in ("facilities", "samples", "dues", "outstanding", "load")
    )
    cases, evals = total["cases"], total["evaluations"]
    figures = {
        "facilities": fac[1],
        "towns": fac[2],
        "villages": fac[3],
        "in_service": fac[4],
        "operating": fac[5],
        "compliant": smp[1] if smp else 0,
        "assessed": (smp[1] + smp[2]) if smp else 0,
        "unassessed": smp[3] if smp else 0,
        "due": (dues[1] if dues else 0) + int(out[1] if out else 0),
        "on_time": dues[2] if dues else 0,
        "load_facilities": load[3] if load else 0,
        "cases_due": cases[1] if cases else 0,
        "cases_on_time": cases[2] if cases else 0,
        "evaluations": evals[1] if evals else 0,
        "good": evals[2] if evals else 0,
        "opened": cases[3] if cases else 0,
        "resolved": cases[4] if cases else 0,
    }
    actions = {
        name: results[name][0][0] if results[name] else 0
        for name in ("overdue_inspections", "overdue_reports", "abnormal", "samples_over_limit")
    }
    counties = len([r for r in results["facilities"] if r[0] is not None])
    return {
        **timer.as_dict(),
        "parts": parts,
        "figures": figures,
        "actions": actions,
        "counties": counties,
    }


STEPS = {
    name.removeprefix("step_"): fn for name, fn in globals().items() if name.startswith("step_")
}


def main() -> None:
    step, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    import django

    django.setup()
    result = STEPS[step](**arguments)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
