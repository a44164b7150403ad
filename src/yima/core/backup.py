"""Back up and restore the whole database to one file: SQLite's online backup API (consistent
while the site runs), pg_dump/pg_restore in PostgreSQL's custom format.

Restoring replaces everything; the server and the task worker should be stopped first.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

NOT_FOUND = gettext_noop("No backup file at %(path)s.")
NOT_A_BACKUP = gettext_noop("%(path)s is not a yima database backup: %(error)s")
HAS_DATA = gettext_noop(
    "The database already holds data (%(facilities)s facilities, %(users)s users); "
    "restoring replaces all of it. Stop the server and the task worker, then run again "
    "with --force."
)
NO_TOOL = gettext_noop(
    "%(tool)s is not installed (it comes with the PostgreSQL client tools, e.g. "
    "apt-get install postgresql-client)."
)
TOOL_FAILED = gettext_noop("%(tool)s failed: %(error)s")
UNSUPPORTED = gettext_noop("Backups support SQLite and PostgreSQL, not %(engine)s.")


class BackupError(Exception):
    pass


def _database(alias: str = "default") -> dict:
    return settings.DATABASES[alias]


def _is_sqlite(database: dict) -> bool:
    return database["ENGINE"] == "django.db.backends.sqlite3"


def _is_postgres(database: dict) -> bool:
    return database["ENGINE"] in (
        "django.db.backends.postgresql",
        "django.contrib.gis.db.backends.postgis",
    )


def database_backup(*, path) -> Path:
    """Write a consistent copy of the database to `path` (replaced if it exists)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    database = _database()
    if _is_sqlite(database):
        _sqlite_copy(Path(database["NAME"]), path)
    elif _is_postgres(database):
        _run("pg_dump", ["--format=custom", f"--file={path}"], database)
    else:
        raise BackupError(_(UNSUPPORTED) % {"engine": database["ENGINE"]})
    return path


def database_holds_data() -> tuple[int, int]:
    """(facilities, users) in the current database; (0, 0) when it is not migrated yet."""
    from django.db.utils import DatabaseError

    from yima.accounts.models import User
    from yima.facilities.models import Facility

    try:
        return Facility.objects.count(), User.objects.count()
    except DatabaseError:
        return 0, 0
    finally:
        connections.close_all()


def database_restore(*, path, force: bool = False) -> None:
    """Replace the database with the backup at `path`.

    The backup is checked before anything is touched; a database holding facilities or users
    is replaced only with `force`.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise BackupError(_(NOT_FOUND) % {"path": path})
    database = _database()
    if not (_is_sqlite(database) or _is_postgres(database)):
        raise BackupError(_(UNSUPPORTED) % {"engine": database["ENGINE"]})
    if _is_postgres(database):
        _pg_verify(path, database)
    if not force:
        facilities, users = database_holds_data()
        if facilities or users:
            raise BackupError(_(HAS_DATA) % {"facilities": facilities, "users": users})
    connections.close_all()
    if _is_sqlite(database):
        _sqlite_restore(path, Path(database["NAME"]))
    else:
        _run(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"],
            database,
            path,
        )


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with the online backup API, which sees one consistent state of the database
    however many writers are busy; written to a temporary file first, so a failed backup
    never leaves a half-written file under the backup's name."""
    if not source.is_file():
        raise BackupError(_(NOT_FOUND) % {"path": source})
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _sqlite_verify(path: Path) -> None:
    """The file opens as SQLite, passes a quick check and has Django's migration table."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (check,) = conn.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(_(NOT_A_BACKUP) % {"path": path, "error": exc}) from None
    if not found:
        raise BackupError(_(NOT_A_BACKUP) % {"path": path, "error": "no django_migrations table"})


def _sqlite_restore(backup: Path, target: Path) -> None:
    """Copy the backup next to the database, check the copy, then rename it over the
    database in one step: at every moment the database file is either the old one or the
    new one, whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(temp)
    try:
        try:
            _sqlite_copy(backup, temp)
        except sqlite3.DatabaseError as exc:
            raise BackupError(_(NOT_A_BACKUP) % {"path": backup, "error": exc}) from None
        _sqlite_verify(temp)
        if target.exists():
            # Fold the old write-ahead log into the old file, so that no stale -wal is left
            # beside the new database.
            conn = sqlite3.connect(target)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_verify(path: Path, database: dict) -> None:
    """The file is a pg_dump archive with Django's migration table in it."""
    listing = _run("pg_restore", ["--list"], database, path, connect=False)
    if "django_migrations" not in listing:
        raise BackupError(_(NOT_A_BACKUP) % {"path": path, "error": "no django_migrations table"})


def _run(tool: str, args: list[str], database: dict, path: Path | None = None, *, connect=True):
    """Run a PostgreSQL client tool with the connection from settings; the password goes
    through the environment (PGPASSWORD), never the command line, where `ps` would show it."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(_(NO_TOOL) % {"tool": tool})
    env = os.environ.copy()
    command = [executable, *args]
    if connect:
        if database.get("PASSWORD"):
            env["PGPASSWORD"] = str(database["PASSWORD"])
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if database.get(key):
                command.append(f"{option}={database[key]}")
        command += ["--no-password", f"--dbname={database['NAME']}"]
    if path is not None:
        command.append(str(path))
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        error = completed.stderr.strip() or f"exit code {completed.returncode}"
        if tool == "pg_restore" and not connect:
            raise BackupError(_(NOT_A_BACKUP) % {"path": path, "error": error})
        raise BackupError(_(TOOL_FAILED) % {"tool": tool, "error": error})
    return completed.stdout
