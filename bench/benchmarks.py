"""The benchmarks: each measures yima against a floor measured in the same run.

A benchmark takes the run's Workspace and Config and returns Result rows (bench/common.py).
Measured work always happens in a fresh process (bench/child.py, or gunicorn for the scan page),
and a floor and its value are measured back to back in each repetition; the figures are the
medians over the repetitions.
"""

import os
import re
import socket
from dataclasses import dataclass

from bench.common import Result, Workspace, log, median, run_child
from bench.load import Server, have_wrk, run_load

KB = 1024


@dataclass(frozen=True)
class Config:
    """Sizes, durations and repetitions of a run (quick or full)."""

    quick: bool
    scan_facilities: int  # facilities in the scan database, all of them requested
    scan_reps: int  # floor/scan pairs of load runs
    load_seconds: int
    cold_seconds: int
    import_sizes: tuple[int, ...]
    import_reps: int
    labels: int
    labels_reps: int
    dashboard_sizes: tuple[int, ...] = (1_000, 10_000)
    dashboard_years: float = 1
    dashboard_reps: int = 3
    connections: int = 8  # 4 per gunicorn worker: requests queue, as under real load
    force_python_client: bool = False

    @classmethod
    def make(cls, *, quick: bool, force_python_client: bool = False) -> "Config":
        if quick:
            return cls(
                quick=True,
                scan_facilities=1_000,
                scan_reps=3,
                load_seconds=4,
                cold_seconds=3,
                import_sizes=(10_000,),
                import_reps=3,
                labels=1_000,
                labels_reps=2,
                dashboard_sizes=_sizes("YIMA_BENCH_DASHBOARD_SIZES", (1_000, 10_000)),
                dashboard_years=float(os.environ.get("YIMA_BENCH_DASHBOARD_YEARS", 1)),
                force_python_client=force_python_client,
            )
        return cls(
            quick=False,
            scan_facilities=10_000,
            scan_reps=6,
            load_seconds=10,
            cold_seconds=8,
            import_sizes=(10_000, 100_000),
            import_reps=3,
            labels=10_000,
            labels_reps=3,
            dashboard_sizes=_sizes("YIMA_BENCH_DASHBOARD_SIZES", (10_000, 100_000)),
            dashboard_years=float(os.environ.get("YIMA_BENCH_DASHBOARD_YEARS", 5)),
            force_python_client=force_python_client,
        )


def _sizes(variable: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Facility counts from an environment variable ("10000,100000"), else the default."""
    value = os.environ.get(variable, "")
    return tuple(int(x) for x in value.split(",") if x.strip()) or default


def ratio_of(values: list[float], floors: list[float]) -> float:
    """The median of the per-repetition ratios: each value is divided by the floor measured
    just before it, so that a change in the machine's load between repetitions cancels out."""
    return median([v / f for v, f in zip(values, floors, strict=True)])


def _pm(values: list[float]) -> str:
    """Spread of the repetitions, e.g. "1210-1350"."""
    if len(values) < 2:
        return ""
    return f" (runs {min(values):.4g}-{max(values):.4g})"


# --- scan -------------------------------------------------------------------------------------

FLOOR_PATH = "/bench/constant/"


def bench_scan(ws: Workspace, cfg: Config) -> list[Result]:
    """The public scan page against the constant view, both on the same gunicorn."""
    url = ws.demo(cfg.scan_facilities)
    ws.collectstatic()
    codes = run_child("codes", ws.env(url), limit=cfg.scan_facilities)["codes"]
    paths = [f"/f/{code}/" for code in codes]
    floor_paths = [FLOOR_PATH]
    client = "python" if cfg.force_python_client or not have_wrk() else "wrk"
    load = {"connections": cfg.connections, "workdir": ws.dir, "force_python": client == "python"}
    with Server(ws.env(url, cache=f"scan-{ws.db}")) as server:
        port = server.port
        log(f"gunicorn on port {port}; load client {client}, {cfg.connections} connections")
        # Warm the workers (imports, templates, database connections) on a few pages only.
        warmers, cold_paths = paths[:20], paths[20:]
        run_load(port, floor_paths, seconds=2, **load)
        run_load(port, warmers, seconds=2, **load)

        # Cold: each request is the first for its facility (rendered, then cached).
        cold_floor = run_load(port, floor_paths, seconds=cfg.cold_seconds, **load)
        cold = run_load(port, cold_paths, seconds=cfg.cold_seconds, mode="seq", **load)
        wrapped = cold.requests > len(cold_paths)
        log(f"cold: {cold.rps:.0f} req/s, floor {cold_floor.rps:.0f} req/s")

        # Warm: every facility's public face is in the cache, requests pick codes at random.
        warmed = _visit_all(port, paths)
        log(f"warmed the cache with {len(paths)} pages ({warmed} errors)")
        floors, scans = [], []
        for rep in range(cfg.scan_reps):
            floors.append(run_load(port, floor_paths, seconds=cfg.load_seconds, **load))
            scans.append(run_load(port, paths, seconds=cfg.load_seconds, **load))
            log(
                f"run {rep + 1}: scan {scans[-1].rps:.0f} req/s p99 {scans[-1].p99_ms:.1f} ms; "
                f"floor {floors[-1].rps:.0f} req/s p99 {floors[-1].p99_ms:.1f} ms"
            )

    rps, floor_rps = median([s.rps for s in scans]), median([f.rps for f in floors])
    p99, floor_p99 = median([s.p99_ms for s in scans]), median([f.p99_ms for f in floors])
    rps_ratio = ratio_of([s.rps for s in scans], [f.rps for f in floors])
    p99_ratio = ratio_of([s.p99_ms for s in scans], [f.p99_ms for f in floors])
    errors = sum(s.errors for s in scans) + cold.errors
    floor_errors = sum(f.errors for f in floors) + cold_floor.errors
    scan_requests = sum(s.requests for s in scans) + cold.requests
    floor_requests = sum(f.requests for f in floors) + cold_floor.requests
    setup = (
        f"gunicorn yima.wsgi, 2 sync workers; {client} from 127.0.0.1 with {cfg.connections} "
        f"connections, {cfg.scan_reps} runs of {cfg.load_seconds} s alternating with the floor's"
    )
    spread = f"{len(paths)} facility codes picked at random, every public face cached (warm)"
    return [
        Result(
            "scan",
            rps,
            floor_rps,
            rps_ratio,
            ">= 0.5",
            rps_ratio >= 0.5,
            "req/s",
            f"{spread}; {setup}; scan{_pm([s.rps for s in scans])}, "
            f"floor{_pm([f.rps for f in floors])}; p50 {median([s.p50_ms for s in scans]):.1f} "
            f"ms vs {median([f.p50_ms for f in floors]):.1f} ms",
        ),
        Result(
            "scan.p99",
            p99,
            floor_p99,
            p99_ratio,
            "<= 3",
            p99_ratio <= 3,
            "ms",
            "99th percentile latency under the same load (queueing included)"
            + _pm([s.p99_ms for s in scans]),
        ),
        Result(
            "scan.errors",
            errors,
            floor_errors,
            None,
            "== 0",
            errors == 0,
            "errors",
            f"connection errors, timeouts and non-200 answers over {scan_requests} scan "
            f"requests (floor: {floor_errors} over {floor_requests})",
        ),
        Result(
            "scan.cold",
            cold.rps,
            cold_floor.rps,
            cold.rps / cold_floor.rps,
            "",
            None,
            "req/s",
            f"informative: each request the first for its facility (rendered and cached), "
            f"{cold.requests} of {len(cold_paths)} codes in order"
            + (" (list wrapped: some hits were warm)" if wrapped else "")
            + f"; p99 {cold.p99_ms:.1f} ms vs {cold_floor.p99_ms:.1f} ms; errors {cold.errors}",
        ),
    ]


def _visit_all(port: int, paths: list[str], threads: int = 4) -> int:
    """GET every path once (a few at a time); returns how many did not answer 200."""
    from concurrent.futures import ThreadPoolExecutor

    from bench.load import get

    def one(path: str) -> int:
        try:
            return 0 if get(port, path)[0] == 200 else 1
        except OSError:
            return 1

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(one, paths))


# --- scan_weight --------------------------------------------------------------------------------

BUDGET = 60 * KB
ASSET = re.compile(
    r"<(?:link[^>]*\brel=\"(?:stylesheet|icon|preload|modulepreload)\"[^>]*\bhref|script[^>]*\bsrc"
    r"|img[^>]*\bsrc)=\"([^\"]+)\"",
    re.I,
)


def _wire(port: int, path: str, encoding: str) -> tuple[int, int, bytes]:
    """(status, bytes on the wire: status line, headers and body, body) of one GET."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: {encoding}\r\n"
        "User-Agent: Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, len(raw), body


def bench_scan_weight(ws: Workspace, cfg: Config) -> list[Result]:
    """Bytes of the public face: the page and what it links to, except photos."""
    url = ws.demo(cfg.scan_facilities)
    ws.collectstatic()
    codes = run_child("codes", ws.env(url), limit=20)["codes"]
    pages = []
    with Server(ws.env(url)) as server:
        for code in codes:
            sizes = {}
            for encoding in ("identity", "gzip"):
                status, total, body = _wire(server.port, f"/f/{code}/", encoding)
                if status != 200:
                    raise RuntimeError(f"/f/{code}/ answered {status}")
                assets = [
                    a for a in ASSET.findall(body.decode()) if "/media/" not in a and "//" not in a
                ]
                asset_bytes = 0
                for asset in assets:
                    a_status, a_total, _ = _wire(server.port, asset, encoding)
                    if a_status != 200:
                        raise RuntimeError(f"{asset} answered {a_status}")
                    asset_bytes += a_total
                sizes[encoding] = (total, asset_bytes, len(assets))
            pages.append((code, sizes))
    code, worst = max(pages, key=lambda p: sum(p[1]["identity"][:2]))
    html, assets, count = worst["identity"]
    gz_html, gz_assets, _ = worst["gzip"]
    value = html + assets
    return [
        Result(
            "scan_weight",
            round(value / KB, 1),
            BUDGET / KB,
            value / BUDGET,
            "<= 1",
            value <= BUDGET,
            "KB",
            f"heaviest of {len(pages)} public faces ({code}): HTML {html} B + {count} linked "
            f"file(s) {assets} B, uncompressed, headers included; with gzip "
            f"{(gz_html + gz_assets) / KB:.1f} KB; floor = the 60 KB budget",
        )
    ]


# --- import -------------------------------------------------------------------------------------

MEMORY_LIMIT_MB = 1024


def _cpu_ratio(values: list[dict], floors: list[dict]) -> str:
    value = median([v["cpu_seconds"] for v in values])
    floor = median([f["cpu_seconds"] for f in floors])
    ratio = ratio_of([v["cpu_seconds"] for v in values], [f["cpu_seconds"] for f in floors])
    return f"CPU-time ratio {ratio:.2f} ({value:.2f} s / {floor:.2f} s)"


def bench_import(ws: Workspace, cfg: Config) -> list[Result]:
    """ledger_import() of a new-facilities workbook against python-calamine reading it."""
    results, times = [], {}
    largest = max(cfg.import_sizes)
    for rows in cfg.import_sizes:
        source = ws.demo(rows)
        workbook, places = ws.dir / f"ledger-{rows}.xlsx", ws.dir / f"places-{rows}.json"
        made = run_child("ledger_workbook", ws.env(source), path=str(workbook), places=str(places))
        log(
            f"workbook: {made['rows']} rows, {made['bytes'] / 1e6:.1f} MB ({made['seconds']:.0f} s)"
        )
        template = f"places{rows}"
        run_child("load_places", ws.env(ws.database(template)), places=str(places))
        floors, values = [], []
        for rep in range(cfg.import_reps):
            read = run_child("calamine_read", ws.env(source), path=str(workbook))
            target = ws.copy(template, f"import{rows}")
            got = run_child("import", ws.env(target), path=str(workbook))
            if got["created"] != made["rows"]:
                raise RuntimeError(f"import created {got['created']} of {made['rows']} rows")
            floors.append(read)
            values.append(got)
            log(
                f"{rows} rows, run {rep + 1}: import {got['seconds']:.2f} s "
                f"(peak {got['peak_rss_mb']:.0f} MB), calamine {read['seconds']:.3f} s"
            )
        update = _import_update(ws, rows, f"import{rows}") if rows == largest else None
        ws.drop(f"import{rows}")
        ws.drop(template)

        value = median([v["seconds"] for v in values])
        floor = median([f["seconds"] for f in floors])
        ratio = ratio_of([v["seconds"] for v in values], [f["seconds"] for f in floors])
        times[rows] = value
        suffix = "" if rows == largest else f".{rows // 1000}k"
        results.append(
            Result(
                f"import{suffix}",
                value,
                floor,
                ratio,
                "<= 5",
                ratio <= 5,
                "s",
                f"{rows} new facilities (the Nanchang demo exported with blank codes) checked "
                f"and written in one transaction with history, as an administrator; floor: "
                f"python-calamine reading every row of the same {made['bytes'] / 1e6:.1f} MB "
                f"file; median of {len(values)}{_pm([v['seconds'] for v in values])}; "
                f"{_cpu_ratio(values, floors)}",
            )
        )
        peak = max(v["peak_rss_mb"] for v in values)
        results.append(
            Result(
                f"import.memory{suffix}",
                peak,
                None,
                None,
                f"< {MEMORY_LIMIT_MB} MB",
                peak < MEMORY_LIMIT_MB,
                "MB",
                f"peak RSS of the importing process ({rows} rows; Python and Django included); "
                f"the calamine reader's process peaked at "
                f"{max(f['peak_rss_mb'] for f in floors):.0f} MB",
            )
        )
        if update:
            results.append(update)
    if len(times) > 1:
        small, large = min(times), max(times)
        scale, linear = times[large] / times[small], large / small
        results.append(
            Result(
                "import.scaling",
                scale,
                linear,
                scale / linear,
                "<= 12",
                scale <= 12,
                "x",
                f"time({large // 1000}k) / time({small // 1000}k) = {times[large]:.2f} s / "
                f"{times[small]:.2f} s; the target is on the value; floor {linear:.0f} = linear",
            )
        )
    return results


def _import_update(ws: Workspace, rows: int, imported: str) -> Result:
    """Informative: the same ledger exported with its codes and every capacity changed,
    imported again (every row an update) into a copy of the database just imported."""
    edited = ws.dir / f"edited-{rows}.xlsx"
    ws.copy(imported, f"update{rows}")
    made = run_child("edited_workbook", ws.env(ws.url_of(f"update{rows}")), path=str(edited))
    read = run_child("calamine_read", ws.env(ws.url_of(f"update{rows}")), path=str(edited))
    got = run_child("import", ws.env(ws.url_of(f"update{rows}")), path=str(edited))
    ws.drop(f"update{rows}")
    if got["updated"] != made["rows"]:
        raise RuntimeError(f"update import changed {got['updated']} of {made['rows']} rows")
    log(f"update import of {rows} rows: {got['seconds']:.2f} s, calamine {read['seconds']:.3f} s")
    ratio = got["seconds"] / read["seconds"]
    return Result(
        "import.update",
        got["seconds"],
        read["seconds"],
        ratio,
        "",
        None,
        "s",
        f"informative, one run: {rows} existing facilities, every row changed (capacity), "
        f"imported with their codes (peak {got['peak_rss_mb']:.0f} MB); "
        f"{_cpu_ratio([got], [read])}",
    )


# --- labels -------------------------------------------------------------------------------------

CULL_EVERY = 100


def bench_labels(ws: Workspace, cfg: Config) -> list[Result]:
    """A PDF of 3 x 8 label sheets against segno encoding the same QR URLs."""
    url = ws.demo(cfg.labels)
    pdf = str(ws.dir / "labels.pdf")
    floors, values = [], []
    for rep in range(cfg.labels_reps):
        # Each child has a cache folder of its own, empty: the QR cache is cold for both.
        floors.append(run_child("segno_floor", ws.env(url), count=cfg.labels))
        values.append(run_child("labels_pdf", ws.env(url), count=cfg.labels, out=pdf))
        log(
            f"labels run {rep + 1}: PDF {values[-1]['seconds']:.1f} s, "
            f"segno {floors[-1]['seconds']:.1f} s"
        )
    # What-if, right after the last floor and value: the same PDF with the file cache's
    # culling amortised (see the notes), compared with that last floor.
    amortised = run_child(
        "labels_pdf", ws.env(url), count=cfg.labels, out=pdf, cull_every=CULL_EVERY
    )
    log(f"labels with amortised culling: {amortised['seconds']:.1f} s")
    value = median([v["seconds"] for v in values])
    floor = median([f["seconds"] for f in floors])
    ratio = ratio_of([v["seconds"] for v in values], [f["seconds"] for f in floors])
    sheets = -(-cfg.labels // 24)
    return [
        Result(
            "labels",
            value,
            floor,
            ratio,
            "<= 1.5",
            ratio <= 1.5,
            "s",
            f"{cfg.labels} labels on {sheets} A4 sheets of 3 x 8 (yima.scan.pdf.render_labels, "
            f"labels already issued, {values[0]['bytes'] / 1e6:.1f} MB PDF) against segno.make() "
            f"of the same {cfg.labels} URLs with the same options; cold QR cache for both (fresh "
            f"process, empty file cache, yima's default cache backend); median of "
            f"{len(values)}{_pm([v['seconds'] for v in values])}; {_cpu_ratio(values, floors)}",
        ),
        Result(
            "labels.amortised_cull",
            amortised["seconds"],
            floors[-1]["seconds"],
            amortised["seconds"] / floors[-1]["seconds"],
            "",
            None,
            "s",
            f"informative, one run: the same PDF with Django's FileBasedCache culling on one "
            f"set() in {CULL_EVERY} instead of listing the cache folder on every set() "
            f"(a proposed fix, patched in the benchmark process only); compared with the "
            f"floor of the last run; {_cpu_ratio([amortised], floors[-1:])}",
        ),
    ]


# --- dashboard ------------------------------------------------------------------------------------


DASHBOARD_TARGET = 5
DASHBOARD_SCALING_TARGET = 12
_FIGURES_CHECKED = (
    "facilities",
    "towns",
    "villages",
    "in_service",
    "operating",
    "compliant",
    "assessed",
    "unassessed",
    "due",
    "on_time",
    "load_facilities",
    "cases_due",
    "cases_on_time",
    "evaluations",
    "good",
    "opened",
    "resolved",
)


def bench_dashboard(ws: Workspace, cfg: Config) -> list[Result]:
    """The city dashboard (figures, county breakdown, 12-month trend, action lists) for the
    city bureau, against hand-written SQL computing the same figures from the same tables."""
    if ws.db != "postgres":
        return [
            Result(
                "dashboard",
                None,
                None,
                None,
                f"<= {DASHBOARD_TARGET}",
                None,
                "s",
                "n/a on SQLite: the benchmark is defined on PostgreSQL (issue #7) and its floor "
                "is PostgreSQL SQL (GROUPING SETS); run with --db postgres",
            )
        ]
    from datetime import UTC, datetime

    ws.collectstatic()  # the page measured after the selectors renders with production statics
    results, times = [], {}
    existing = _existing_databases()
    sizes = sorted(set(cfg.dashboard_sizes) | set(existing))
    largest = max(sizes)
    for size in sizes:
        name = f"dash{size}"
        if size in existing:
            url = existing[size]
            made = run_child("dashboard_existing", ws.env(url))
            log(
                f"{size} facilities: existing database ({made['facilities']} facilities, "
                f"{made['inspections']} inspections, {made['samples']} samples, "
                f"{made['cases']} reports)"
            )
        else:
            url = ws.database(name)
            made = run_child(
                "demo_activity", ws.env(url), facilities=size, years=cfg.dashboard_years
            )
            log(
                f"{size} facilities, {cfg.dashboard_years:g} year(s): {made['inspections']} "
                f"inspections, {made['samples']} samples, {made['cases']} reports, "
                f"{made['rows']} rows in {made['activity_seconds']:.0f} s "
                f"({made['rows'] / made['activity_seconds']:.0f} rows/s, peak "
                f"{made['peak_rss_mb']:.0f} MB; timings "
                + ", ".join(f"{k} {v:.0f} s" for k, v in made["activity_timings"].items())
                + ")"
            )
        now = datetime.now(UTC).isoformat()
        floors, values = [], []
        for rep in range(cfg.dashboard_reps):
            floors.append(run_child("dashboard_floor", ws.env(url), now=now))
            values.append(run_child("dashboard", ws.env(url), now=now, page=rep == 0))
            log(
                f"{size} facilities, run {rep + 1}: dashboard {values[-1]['seconds']:.2f} s ("
                + ", ".join(f"{k} {v:.2f}" for k, v in values[-1]["parts"].items())
                + f"), floor {floors[-1]['seconds']:.2f} s"
            )
        if size not in existing:
            ws.drop(name)
        mismatch = [
            f"{key} {values[0]['figures'][key]} vs {floors[0]['figures'][key]}"
            for key in _FIGURES_CHECKED
            if values[0]["figures"][key] != floors[0]["figures"][key]
        ] + [
            f"{key} {values[0]['actions'][key]} vs {floors[0]['actions'][key]}"
            for key in values[0]["actions"]
            if values[0]["actions"][key] != floors[0]["actions"][key]
        ]
        value = median([v["seconds"] for v in values])
        floor = median([f["seconds"] for f in floors])
        ratio = ratio_of([v["seconds"] for v in values], [f["seconds"] for f in floors])
        times[size] = value
        parts = {k: median([v["parts"][k] for v in values]) for k in values[0]["parts"]}
        page = values[0].get("page_seconds")
        suffix = "" if size == largest else "." + _size_label(size)
        results.append(
            Result(
                f"dashboard{suffix}",
                value,
                floor,
                ratio,
                f"<= {DASHBOARD_TARGET}",
                ratio <= DASHBOARD_TARGET,
                "s",
                f"{size} facilities, {made['inspections']} inspections "
                + (
                    "(existing database); "
                    if size in existing
                    else f"over {cfg.dashboard_years:g} year(s) (yima.core.demo_activity); "
                )
                + "city bureau login, "
                "current month, cold (fresh process): "
                + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
                + (
                    f"; GET /dashboard/ afterwards {page:.2f} s "
                    f"(HTTP {values[0].get('page_status')})"
                    if page
                    else ""
                )
                + f"; floor: {len(FLOOR_SQL_NAMES)} hand-written PostgreSQL queries (psycopg, "
                f"no ORM) over the same tables; median of {len(values)}"
                f"{_pm([v['seconds'] for v in values])}; {_cpu_ratio(values, floors)}; "
                + (
                    "figures and list counts equal the floor's"
                    if not mismatch
                    else "MISMATCH with the floor: " + "; ".join(mismatch)
                ),
            )
        )
        if size in existing:
            continue
        results.append(
            Result(
                f"dashboard.generate{suffix}",
                made["rows"] / made["activity_seconds"],
                None,
                None,
                "",
                None,
                "rows/s",
                f"informative: yima.core.demo_activity for {size} facilities x "
                f"{cfg.dashboard_years:g} year(s): {made['rows']} rows (inspections "
                f"{made['inspections']}, samples {made['samples']}, work orders "
                f"{made['work_orders']}, reports {made['cases']}, events and history) in "
                f"{made['activity_seconds']:.0f} s incl. summary rebuild, peak "
                f"{made['peak_rss_mb']:.0f} MB",
            )
        )
    if len(times) > 1:
        small, large = min(times), max(times)
        scale, linear = times[large] / times[small], large / small
        results.append(
            Result(
                "dashboard.scaling",
                scale,
                linear,
                scale / linear,
                f"<= {DASHBOARD_SCALING_TARGET}",
                scale <= DASHBOARD_SCALING_TARGET,
                "x",
                f"time({_size_label(large)}) / time({_size_label(small)}) = {times[large]:.2f} s"
                f" / {times[small]:.2f} s; the target is on the value; floor {linear:.0f} = linear",
            )
        )
    return results


def _existing_databases() -> dict[int, str]:
    """YIMA_BENCH_DASHBOARD_DATABASES="100000=postgres://.../yima_big,10000=postgres://...":
    measure these sizes on databases made beforehand (e.g. by `yima demo --facilities 100000
    --years 5`), instead of generating them; they are left as they are."""
    found = {}
    for part in filter(None, os.environ.get("YIMA_BENCH_DASHBOARD_DATABASES", "").split(",")):
        size, _, url = part.partition("=")
        found[int(size.strip())] = url.strip()
    return found


def _size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


FLOOR_SQL_NAMES = (
    "facilities",
    "samples",
    "dues",
    "outstanding",
    "load",
    "cases",
    "evaluations",
    "trend_dues",
    "trend_outstanding",
    "trend_done",
    "trend_opened",
    "trend_resolved",
    "trend_samples",
    "overdue_inspections",
    "overdue_reports",
    "abnormal",
    "samples_over_limit",
)


BENCHMARKS = {
    "scan": bench_scan,
    "scan_weight": bench_scan_weight,
    "import": bench_import,
    "labels": bench_labels,
    "dashboard": bench_dashboard,
}
