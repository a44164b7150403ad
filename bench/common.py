"""What the benchmarks share: results, child processes, and prepared databases.

Every benchmark works in one scratch folder (a temporary directory, removed at the end unless
--keep) with its own databases: SQLite files, or PostgreSQL databases named after
YIMA_BENCH_POSTGRES_URL (its database name is the prefix: yima_bench_empty, yima_bench_demo1000,
...), each created from a migrated template and dropped at the end.
"""

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/yima_bench"
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105


@dataclass
class Result:
    """One line of the table and one object of the JSON file."""

    name: str
    value: float | None
    floor: float | None
    ratio: float | None
    target: str  # e.g. ">= 0.5" (on the ratio) or "< 1024 MB" (on the value); "" = informative
    met: bool | None  # None: not measured, or no target
    unit: str = ""
    notes: str = ""
    db: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def median(values: list[float]) -> float:
    return statistics.median(values)


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


class ChildFailed(RuntimeError):
    pass


def base_env(**yima: str) -> dict:
    """The parent's environment without any YIMA_* setting of the caller's shell, plus ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YIMA_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        YIMA_DEBUG="0",
        YIMA_SECRET_KEY=SECRET_KEY,
        YIMA_LOG_LEVEL="WARNING",
        YIMA_TASK_BACKEND="immediate",
    )
    env.update({f"YIMA_{k.upper()}": str(v) for k, v in yima.items()})
    return env


def run_child(step: str, env: dict, **arguments) -> dict:
    """Run bench/child.py STEP in a fresh Python process; its JSON line as a dict."""
    command = [sys.executable, "-m", "bench.child", step, json.dumps(arguments)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ChildFailed(f"step {step} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Workspace:
    """The scratch folder and the databases of one run."""

    def __init__(self, *, db: str, keep: bool = False, postgres_url: str = ""):
        self.db = db
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="yima-bench-"))
        self.home = self.dir / "home"
        self.home.mkdir()
        self.postgres_url = postgres_url or os.environ.get(
            "YIMA_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL
        )
        self._databases: list[str] = []  # PostgreSQL databases we created
        self._prepared: dict[str, str] = {}  # name -> database URL
        self._static = False

    # --- environment --------------------------------------------------------------------------

    def env(self, database_url: str, *, cache: str = "", **yima: str) -> dict:
        """The environment of a child: this run's home, the given database, and a cache folder
        of its own (a fresh, empty cache unless `cache` names one to share)."""
        cache_dir = self.dir / f"cache-{cache or os.urandom(4).hex()}"
        return base_env(
            home=self.home,
            database_url=database_url,
            cache_url=f"file://{cache_dir}",
            **yima,
        )

    def collectstatic(self) -> None:
        """Static files as production serves them (WhiteNoise's compressed manifest)."""
        if not self._static:
            run_child("collectstatic", self.env(self.database("empty")))
            self._static = True

    # --- databases ----------------------------------------------------------------------------

    def _pg_url(self, name: str) -> str:
        parts = urlsplit(self.postgres_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._pg_url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def _pg_name(self, suffix: str) -> str:
        base = urlsplit(self.postgres_url).path.lstrip("/") or "yima_bench"
        return f"{base}_{suffix}"

    def _sqlite_path(self, name: str) -> Path:
        return self.dir / f"{name}.sqlite3"

    def url_of(self, name: str) -> str:
        if self.db == "postgres":
            return self._pg_url(self._pg_name(name))
        return f"sqlite:///{self._sqlite_path(name)}"

    def database(self, name: str) -> str:
        """The URL of a migrated, empty database called `name` (the template "empty" is
        migrated once; every other name is a fresh copy of it)."""
        if name in self._prepared:
            return self._prepared[name]
        if name == "empty":
            if self.db == "postgres":
                db = self._pg_name("empty")
                self._pg_admin(f'DROP DATABASE IF EXISTS "{db}"')
                self._pg_admin(f'CREATE DATABASE "{db}"')
                self._databases.append(db)
            url = self.url_of("empty")
            seconds = run_child("migrate", self.env(url))["seconds"]
            log(f"migrated an empty {self.db} database ({seconds:.1f} s)")
        else:
            url = self.copy("empty", name)
        self._prepared[name] = url
        return url

    def copy(self, source: str, name: str) -> str:
        """A fresh copy of the prepared database `source`, called `name`; its URL."""
        if source not in self._prepared:
            self.database(source)
        if self.db == "postgres":
            db, template = self._pg_name(name), self._pg_name(source)
            self._pg_admin(f'DROP DATABASE IF EXISTS "{db}"')
            self._pg_admin(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
            if db not in self._databases:
                self._databases.append(db)
        else:
            target = self._sqlite_path(name)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            with (
                sqlite3.connect(self._sqlite_path(source)) as src,
                sqlite3.connect(target) as dst,
            ):
                src.backup(dst)
            src.close()
            dst.close()
        self._prepared[name] = self.url_of(name)
        return self._prepared[name]

    def demo(self, facilities: int) -> str:
        """A database with the Nanchang demo of `facilities` facilities, each with a label."""
        name = f"demo{facilities}"
        if name not in self._prepared:
            url = self.database(name)
            got = run_child("demo", self.env(url), facilities=facilities)
            log(
                f"demo database: {got['facilities']} facilities in {got['villages']} villages "
                f"({got['seconds']:.1f} s)"
            )
        return self._prepared[name]

    def drop(self, name: str) -> None:
        """Forget a database that a benchmark has finished with (frees disk and memory)."""
        self._prepared.pop(name, None)
        if self.db == "postgres":
            db = self._pg_name(name)
            self._pg_admin(f'DROP DATABASE IF EXISTS "{db}"')
            if db in self._databases:
                self._databases.remove(db)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self._sqlite_path(name)}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        if self.keep:
            log(f"kept the scratch folder {self.dir}")
            return
        for db in reversed(self._databases):
            try:
                self._pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001 - report and go on cleaning up
                log(f"could not drop {db}: {exc}")
        shutil.rmtree(self.dir, ignore_errors=True)
