"""Run yima's benchmarks, each against a floor measured in the same run on the same machine.

    python bench/run.py                    # full run (about half an hour; not run in CI)
    python bench/run.py --quick            # about two minutes
    python bench/run.py --only scan,labels --db postgres --json bench.json

Prints a table (name, value, floor, ratio, target, met) and, with --json, writes a list of
objects with name, value, floor, ratio, target, met, unit, notes and db (--markdown FILE: the
table in Markdown). A missed target is a measurement, not a failure: the exit code is 0 unless
--strict (1 when a target is missed); a benchmark that could not run at all exits 2.
docs/performance.md explains each benchmark.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchmarks import BENCHMARKS, Config  # noqa: E402
from bench.common import Result, Workspace  # noqa: E402


def machine() -> dict:
    """What the figures were measured on."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem_kb = int(fh.readline().split()[1])
    import django

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip() or "not installed",
        "load_average": os.getloadavg()[0],
    }


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return str(value)
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(results: list[Result]) -> str:
    head = ["name", "value", "floor", "ratio", "target", "met", "unit"]
    rows = [head]
    for r in results:
        met = "n/a" if r.met is None else fmt(r.met)
        rows.append(
            [r.name, fmt(r.value), fmt(r.floor), fmt(r.ratio), r.target or "—", met, r.unit]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown(results: list[Result]) -> str:
    """The table as Markdown, for docs/performance.md."""
    lines = [
        "| name | value | floor | ratio | target | met | unit |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in results:
        met = "n/a" if r.met is None else fmt(r.met)
        cells = [r.name, fmt(r.value), fmt(r.floor), fmt(r.ratio), r.target or "—", met, r.unit]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the ~2 minute version")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON")
    parser.add_argument(
        "--only", metavar="NAME,...", help=f"run only these ({', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--markdown", metavar="FILE", help="write the table as Markdown")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--python-client", action="store_true", help="load the server with the Python client"
    )
    args = parser.parse_args(argv)

    names = list(BENCHMARKS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    cfg = Config.make(quick=args.quick, force_python_client=args.python_client)
    info = machine()
    print(
        f"yima benchmarks ({'quick' if args.quick else 'full'}, {args.db}) on {info['cpus']} x "
        f"{info['cpu']}, {info['memory_gb']} GB, Python {info['python']}, Django "
        f"{info['django']}, load average {info['load_average']:.2f}",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    results: list[Result] = []
    crashed = False
    workspace = Workspace(db=args.db, keep=args.keep)
    try:
        for name in names:
            print(f"{name} ...", file=sys.stderr, flush=True)
            begun = time.monotonic()
            try:
                got = BENCHMARKS[name](workspace, cfg)
            except Exception as exc:  # noqa: BLE001 - report it and run the others
                traceback.print_exc()
                crashed = True
                got = [Result(name, None, None, None, "", False, notes=f"could not run: {exc}")]
            for result in got:
                result.db = args.db
            results.extend(got)
            print(f"{name} done in {time.monotonic() - begun:.0f} s", file=sys.stderr, flush=True)
    finally:
        workspace.close()

    print(table(results))
    print(
        f"\n{len(results)} figures in {time.monotonic() - started:.0f} s; load average now "
        f"{os.getloadavg()[0]:.2f}"
    )
    for result in results:
        if result.notes:
            print(f"- {result.name}: {result.notes}")
    if args.json:
        Path(args.json).write_text(
            json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    if args.markdown:
        Path(args.markdown).write_text(markdown(results), encoding="utf-8")
    if crashed:
        return 2
    if args.strict and any(r.met is False for r in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
