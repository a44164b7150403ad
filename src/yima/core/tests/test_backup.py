"""`yima backup` and `yima restore` round-trip the demo data exactly, on SQLite and PostgreSQL.

pytest's own database is in memory, so these tests run `yima` in subprocesses against a file
database in a temporary YIMA_HOME (or a PostgreSQL database made for the test).
"""

import json
import os
import subprocess
import sys

import pytest

SNAPSHOT = """
import hashlib, json
from yima.facilities.models import Facility
def digest(model):
    h = hashlib.sha256()
    fields = [f.attname for f in model._meta.concrete_fields]
    for row in model.objects.order_by("pk").values_list(*fields):
        h.update(repr(row).encode())
    return model.objects.count(), h.hexdigest()
print(json.dumps({"facilities": digest(Facility), "history": digest(Facility.history.model)}))
"""

CHANGE = """
from yima.facilities.models import Facility
for facility in Facility.objects.order_by("pk")[:5]:
    facility.name = "改过的名字"
    facility._change_reason = "changed after the backup"
    facility.save()
last = list(Facility.objects.order_by("-pk").values_list("pk", flat=True)[:3])
Facility.objects.filter(pk__in=last).update(households=1)
"""

LOAD = "from yima.facilities import demo; demo.generate(facilities=30)"


def yima(env, *args, check=True):
    completed = subprocess.run(
        [sys.executable, "-m", "yima.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"yima {' '.join(args)} failed:\n{completed.stderr}")
    return completed


def snapshot(env) -> dict:
    return json.loads(yima(env, "shell", "-c", SNAPSHOT).stdout.strip().splitlines()[-1])


def environment(home, database_url=None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIMA_", "DJANGO_"))}
    env.update(YIMA_HOME=str(home), YIMA_DEBUG="1", YIMA_TASK_BACKEND="immediate")
    env["YIMA_CACHE_URL"] = "locmem://"
    if database_url:
        env["YIMA_DATABASE_URL"] = database_url
    return env


def round_trip(env, backup) -> None:
    yima(env, "migrate", "--verbosity=0")
    yima(env, "shell", "-c", LOAD)
    original = snapshot(env)
    assert original["facilities"][0] == 30
    assert original["history"][0] >= 30

    yima(env, "backup", str(backup))
    assert backup.stat().st_size > 0
    yima(env, "shell", "-c", CHANGE)
    changed = snapshot(env)
    assert changed["facilities"][1] != original["facilities"][1]
    assert changed["history"][0] == original["history"][0] + 5

    refused = yima(env, "restore", str(backup), check=False)
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    assert snapshot(env) == changed  # nothing replaced without --force

    restored = yima(env, "restore", str(backup), "--force")
    assert "stopped" in restored.stdout
    assert snapshot(env) == original


def test_sqlite_backup_and_restore_round_trip_the_demo_exactly(tmp_path):
    env = environment(tmp_path / "home")
    round_trip(env, tmp_path / "backups" / "yima.backup")
    assert not list((tmp_path / "home").glob(".*.tmp"))  # no temporary files left behind


def test_sqlite_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    env = environment(tmp_path / "home")
    yima(env, "migrate", "--verbosity=0")
    yima(env, "shell", "-c", LOAD)
    before = snapshot(env)
    junk = tmp_path / "junk.backup"
    junk.write_text("not a database")
    refused = yima(env, "restore", str(junk), "--force", check=False)
    assert refused.returncode != 0
    assert "is not a yima database backup" in refused.stderr
    assert snapshot(env) == before


def test_restore_of_a_missing_file_says_so(tmp_path):
    env = environment(tmp_path / "home")
    refused = yima(env, "restore", str(tmp_path / "nowhere.backup"), check=False)
    assert refused.returncode != 0
    assert "No backup file" in refused.stderr


POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


def _postgres_admin():
    try:
        import psycopg

        return psycopg.connect(POSTGRES.replace("postgres://", "postgresql://"), autocommit=True)
    except Exception as exc:  # no driver or no server: the test is skipped with the reason
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES}: {exc}")


def test_postgres_backup_and_restore_round_trip_the_demo_exactly(tmp_path):
    admin = _postgres_admin()
    name = f"yima_backup_test_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = environment(tmp_path / "home", POSTGRES.rsplit("/", 1)[0] + "/" + name)
        round_trip(env, tmp_path / "yima.dump")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
