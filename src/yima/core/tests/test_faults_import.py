"""`yima import-ledger` killed (SIGKILL) while it is writing: the database holds all of the
import or none of it, and running it again succeeds with the whole result.

Runs on the leg's database: a SQLite file in the SQLite leg, PostgreSQL in the other. The
workbook registers 20,000 new facilities (the demo's 50 rows repeated with the codes left
blank); the command is killed once its progress says it has written a first chunk.
"""

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from yima.core.tests.conftest import ROOT, run_yima, yima_env

# serial: scripts/test runs these alone, after the parallel run (a process killed on a timer).
pytestmark = pytest.mark.serial

ROWS = 20_000
PROGRESS = re.compile(r"writing (\d+)/(\d+)")

WORKBOOK = r"""
import sys

import django

django.setup()
from openpyxl import Workbook

from yima.facilities import excel
from yima.facilities.models import Facility

path, wanted = sys.argv[1], int(sys.argv[2])
code = [column.key for column in excel.COLUMNS].index("code")
rows = []
for facility in Facility.objects.select_related("county", "town", "village", "contractor"):
    row = excel.facility_row(facility)
    row[code] = None  # a new facility: the import gives it a code
    rows.append(row)
workbook = Workbook(write_only=True)
sheet = workbook.create_sheet("设施台账")
sheet.append([column.header for column in excel.COLUMNS])
for number in range(wanted):
    sheet.append(rows[number % len(rows)])
workbook.save(path)
"""


def _tables() -> dict[str, str]:
    from yima.dashboard.models import FacilityState
    from yima.facilities.models import CodeSerial, Facility, StatusChange

    return {
        "facilities": Facility._meta.db_table,
        "history": Facility.history.model._meta.db_table,
        "status changes": StatusChange._meta.db_table,
        "summary rows": FacilityState._meta.db_table,  # written in the import's transaction
        "code serials": CodeSerial._meta.db_table,
    }


def _counts(template, url: str) -> dict[str, int]:
    tables = _tables()
    counts = {
        name: template.query(url, f"SELECT count(*) FROM {table}")[0][0]
        for name, table in tables.items()
    }
    serials_sql = f"SELECT coalesce(sum(last_serial), 0) FROM {tables['code serials']}"
    serials = template.query(url, serials_sql)
    counts["serials issued"] = int(serials[0][0])
    return counts


def _import_and_kill(env: dict, workbook) -> tuple[int, str]:
    """Start the import with a terminal for its progress; SIGKILL it once a chunk is written.
    Returns (exit status, the progress it showed)."""
    leader, follower = pty.openpty()  # progress is shown only on a terminal
    command = [sys.executable, "-m", "yima.cli", "import-ledger", str(workbook)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=follower,
    )  # fmt: skip
    os.close(follower)
    shown, killed = "", False
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 4096).decode(errors="replace")
                except OSError:  # the command ended: the terminal is gone
                    break
                if not chunk:
                    break
                shown += chunk
                done = [(int(d), int(t)) for d, t in PROGRESS.findall(shown)]
                if any(0 < d < t for d, t in done):
                    process.send_signal(signal.SIGKILL)
                    killed = True
                    break
            elif process.poll() is not None:
                break
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    assert killed, f"the import ended before it could be killed mid-write:\n{shown[-1500:]}"
    return process.returncode, shown


def test_an_import_killed_while_writing_leaves_all_or_nothing_and_runs_again(
    faults_template, tmp_path
):
    url = faults_template.copy("import", tmp_path)
    env = yima_env(url, tmp_path / "home")
    workbook = tmp_path / "ledger.xlsx"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", WORKBOOK, str(workbook), str(ROWS)],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    before = _counts(faults_template, url)

    status, shown = _import_and_kill(env, workbook)
    assert status == -signal.SIGKILL
    written = max(int(d) for d, _t in PROGRESS.findall(shown))
    after_kill = _counts(faults_template, url)

    # None of it (or, had the kill landed on the commit itself, all of it): never a part.
    whole = {
        **before,
        "facilities": before["facilities"] + ROWS,
        "history": before["history"] + ROWS,
        "status changes": before["status changes"] + ROWS,
        "summary rows": before["summary rows"] + ROWS,
    }
    assert after_kill["facilities"] in (before["facilities"], whole["facilities"])
    all_of_it = after_kill["facilities"] == whole["facilities"]
    if all_of_it:
        assert {k: v for k, v in after_kill.items() if k != "serials issued"} == {
            k: v for k, v in whole.items() if k != "serials issued"
        }
    else:
        assert after_kill == before

    # Running it again succeeds and gives the whole import.
    rerun_started = time.monotonic()
    run_yima("import-ledger", str(workbook), env=env, timeout=300)  # fails the test if it fails
    final = _counts(faults_template, url)
    expected = 2 * ROWS if all_of_it else ROWS
    assert final["facilities"] == before["facilities"] + expected
    assert final["history"] == before["history"] + expected
    assert final["status changes"] == before["status changes"] + expected
    assert final["summary rows"] == before["summary rows"] + expected
    assert final["serials issued"] == before["serials issued"] + expected
    print(
        f"\n[faults] import killed (SIGKILL) after writing {written}/{ROWS} rows: "
        f"{'all' if all_of_it else 'none'} of it in the database; the rerun registered "
        f"{ROWS} facilities in {time.monotonic() - rerun_started:.1f} s "
        f"(test {time.monotonic() - started:.1f} s)"
    )
