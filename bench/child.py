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
