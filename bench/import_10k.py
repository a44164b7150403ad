"""Time a ledger import against python-calamine just reading the same workbook.

    python bench/import_10k.py --rows 10000            # 10k new facilities
    python bench/import_10k.py --rows 100000 --pg      # on PostgreSQL (YIMA_DATABASE_URL)

Each step runs in its own process so that peak memory (ru_maxrss) is measured per step:
generate a workbook of new facilities, read it with calamine, import it, export the ledger,
re-import the export (every row unchanged), and import an edited copy (every row updated).
Uses a throw-away SQLite database under /tmp unless --pg is given. Regions come from the real
Nanchang list (src/yima/regions/data/nanchang-regions.csv) plus generated villages.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "src/yima/regions/data/nanchang-regions.csv"


def setup_django(home: str) -> None:
    os.environ.setdefault("YIMA_HOME", home)
    os.environ.setdefault("YIMA_DEBUG", "1")
    os.environ.setdefault("YIMA_CACHE_URL", "locmem://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yima.settings")
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_prepare(args) -> dict:
    """Fresh database with Nanchang's regions, 8 villages per rural town, 3 contractors."""
    import csv

    from django.core.management import call_command

    from yima.accounts.models import Organisation, User
    from yima.regions.codes import level_of
    from yima.regions.models import Region

    call_command("flush", interactive=False, verbosity=0) if args.pg else None
    call_command("migrate", verbosity=0)
    by_code = {}
    with open(CSV, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            parent = by_code.get(row["parent_code"])
            by_code[row["code"]] = Region.objects.create(
                code=row["code"], name=row["name"], level=level_of(row["code"]), parent=parent
            )
    villages = []
    for code, town in by_code.items():
        if town.level == "town" and 100 <= int(code[6:9]) < 300:
            for i in range(8):
                villages.append(
                    Region(
                        code=code[:9] + f"{201 + i:03d}",
                        name=f"{town.name[:2]}{'东西南北前后上下'[i]}村",
                        level="village",
                        parent=town,
                        is_demo=True,
                    )
                )
    Region.objects.bulk_create(villages)
    for name in ("江西清源环保运维有限公司", "南昌碧水环境工程有限公司", "赣江水务运维有限公司"):
        Organisation.objects.create(name=name, kind="contractor")
    User.objects.create_superuser("bench", "bench@example.org", "bench-password-123")
    return {"regions": Region.objects.count()}


def step_generate(args) -> dict:
    """A workbook of `rows` new facilities (no codes), written with openpyxl."""
    import random

    from openpyxl import Workbook

    from yima.facilities.excel import GRADE_LABELS, HEADERS, PROCESS_LABELS
    from yima.regions import geo
    from yima.regions.models import Region

    rng = random.Random(7)
    villages = list(
        Region.objects.filter(level="village").select_related("parent__parent").order_by("code")
    )
    points = {}
    for county in {v.parent.parent.code for v in villages}:
        points[county] = [geo.random_point_in_county(county, rng) for _ in range(300)]
    processes, grades = list(PROCESS_LABELS.values()), list(GRADE_LABELS.values())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(list(HEADERS))
    for i in range(args.rows):
        v = villages[i % len(villages)]
        lon, lat = rng.choice(points[v.parent.parent.code])
        ws.append(
            [
                None,
                f"{v.name}污水处理站{i}",
                v.parent.parent.name,
                v.parent.name,
                v.name,
                round(lon, 6),
                round(lat, 6),
                rng.randint(2015, 2023),
                rng.choice([5, 10, 20, 30, 50, 80, 100]),
                rng.choice(processes),
                rng.randint(20, 300),
                rng.randint(80, 1200),
                "DB36/1102-2019",
                rng.choice(grades),
                "抚河",
                rng.choice(["江西清源环保运维有限公司", "南昌碧水环境工程有限公司"]),
                "运行中",
            ]
        )
    wb.save(args.file)
    return {"bytes": os.path.getsize(args.file)}


def step_read(args) -> dict:
    import python_calamine

    started = time.perf_counter()
    rows = python_calamine.load_workbook(args.file).get_sheet_by_index(0).to_python()
    return {"seconds": time.perf_counter() - started, "rows": len(rows) - 1}


def step_import(args) -> dict:
    from yima.accounts.models import User
    from yima.facilities.imports import ledger_import

    actor = User.objects.get(username="bench")
    started = time.perf_counter()
    result = ledger_import(path=args.file, actor=actor, dry_run=args.dry_run, reason="bench")
    seconds = time.perf_counter() - started
    assert result.ok, result.errors[:5]
    return {
        "seconds": seconds,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def step_export(args) -> dict:
    from yima.facilities.excel import write_ledger
    from yima.facilities.models import Facility

    started = time.perf_counter()
    qs = Facility.objects.alive().select_related("county", "town", "village", "contractor")
    count = write_ledger(qs.order_by("code").iterator(chunk_size=2000), args.file)
    return {"seconds": time.perf_counter() - started, "rows": count}


def step_edit(args) -> dict:
    """Copy an exported workbook with every capacity changed (so every row is an update)."""
    import python_calamine
    from openpyxl import Workbook

    rows = python_calamine.load_workbook(args.file).get_sheet_by_index(0).to_python()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(rows[0])
    column = rows[0].index("设计规模(m³/d)")
    for row in rows[1:]:
        row = [None if v == "" else v for v in row]
        row[column] = float(row[column]) + 1
        ws.append(row)
    wb.save(args.out)
    return {"rows": len(rows) - 1}


STEPS = {
    "prepare": step_prepare,
    "generate": step_generate,
    "read": step_read,
    "import": step_import,
    "export": step_export,
    "edit": step_edit,
}


def run(step: str, home: str, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--home", home, *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--pg", action="store_true", help="use YIMA_DATABASE_URL, not SQLite")
    parser.add_argument("--step", choices=STEPS)
    parser.add_argument("--home", default="")
    parser.add_argument("--file", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.step:
        setup_django(args.home)
        result = STEPS[args.step](args)
        result["peak_mb"] = round(peak_mb(), 1)
        print(json.dumps(result))
        return

    home = f"/tmp/yima-bench-{args.rows}"
    subprocess.run(["rm", "-rf", home], check=True)
    os.makedirs(home)
    if not args.pg:
        os.environ.pop("YIMA_DATABASE_URL", None)
    new, exported, edited = (f"{home}/{n}.xlsx" for n in ("new", "export", "edited"))
    extra = ["--pg"] if args.pg else []
    print("prepare", run("prepare", home, *extra))
    print("generate", run("generate", home, "--rows", str(args.rows), "--file", new))
    read = run("read", home, "--file", new)
    print("calamine read", read)
    for label, path, flags in (
        ("import new (dry run)", new, ["--dry-run"]),
        ("import new", new, []),
    ):
        got = run("import", home, "--file", path, *flags)
        print(label, got, f"ratio {got['seconds'] / read['seconds']:.2f}x")
    print("export", run("export", home, "--file", exported))
    read_export = run("read", home, "--file", exported)
    got = run("import", home, "--file", exported)
    print("re-import export (unchanged)", got, f"ratio {got['seconds'] / read_export['seconds']:.2f}x")
    print("edit", run("edit", home, "--file", exported, "--out", edited))
    got = run("import", home, "--file", edited)
    print("import edited (all updated)", got, f"ratio {got['seconds'] / read_export['seconds']:.2f}x")


if __name__ == "__main__":
    main()
