"""Fixtures for the fault and load tests (test_faults_*.py): real `yima` and gunicorn processes
against a database of their own, a TCP proxy that can cut PostgreSQL off, a free port.

Those tests never use pytest-django's test database: the child processes could not see its
uncommitted data. Each creates its own (a SQLite file, or `test_yima_faults_<pid>_<name>` on
the PostgreSQL server of the current leg) and drops it afterwards.
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[4]
SECRET_KEY = "faults-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_leg() -> dict | None:
    """The PostgreSQL server of this test run (YIMA_DATABASE_URL), or None on SQLite."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return None
    return database


def yima_env(database_url: str, home: Path, **yima: str) -> dict:
    """A child's environment: none of the caller's YIMA_* settings, production-like defaults."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YIMA_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="yima.settings",
        PYTHONDONTWRITEBYTECODE="1",
        YIMA_HOME=str(home),
        YIMA_DATABASE_URL=database_url,
        YIMA_SECRET_KEY=SECRET_KEY,
        YIMA_DEBUG="0",
        YIMA_LOG_LEVEL="WARNING",
    )
    env.update({f"YIMA_{k.upper()}": str(v) for k, v in yima.items()})
    return env


def run_yima(*args: str, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    """`yima ARGS...` in a child process; fails the test with its output if it fails."""
    command = [sys.executable, "-m", "yima.cli", *args]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"yima {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done


class PostgresDatabases:
    """Databases created on the leg's PostgreSQL server for one test, dropped afterwards."""

    def __init__(self, server: dict):
        self.server = server
        self.created: list[str] = []

    def url(self, name: str, *, port: int | None = None) -> str:
        s = self.server
        auth = quote(s["USER"] or "postgres")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"])
        host = s.get("HOST") or "127.0.0.1"
        return f"postgres://{auth}@{host}:{port or s.get('PORT') or 5432}/{name}"

    def connect(self, name: str = "postgres", **kwargs):
        import psycopg

        return psycopg.connect(self.url(name), autocommit=True, **kwargs)

    def create(self, suffix: str) -> str:
        name = f"test_yima_faults_{os.getpid()}_{suffix}"
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return name

    def drop_all(self) -> None:
        with self.connect() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Template:
    """A database prepared once per test session, copied for each test that needs one: migrated,
    with the demo's regions, organisations and 50 facilities and an Open311 API key. `home` is
    the YIMA_HOME of servers (collect_static() puts the static files there)."""

    def __init__(self, home: Path, postgres: PostgresDatabases | None):
        self.home = home
        self.postgres = postgres
        if postgres is not None:
            self.name = postgres.create("template")
            self.url = postgres.url(self.name)
        else:
            self.name = str(home / "template.sqlite3")
            self.url = f"sqlite:///{self.name}"
        env = yima_env(self.url, home)
        started = time.monotonic()
        # Migrate and load the ledger only (no year of activity: the tests file their own
        # reports). Debug on here only so that the demo skips collectstatic (see collect_static).
        demo = ("demo", "--no-serve", "--facilities", "50", "--years", "0")
        run_yima(*demo, env={**env, "YIMA_DEBUG": "1"}, timeout=600)
        self.api_key = run_yima("create-api-key", "faults test", env=env).stdout.strip()
        self.seconds = time.monotonic() - started

    def collect_static(self) -> None:
        """The static files as production serves them (debug off: hashed, compressed)."""
        if not (self.home / "static" / "staticfiles.json").exists():
            run_yima("collectstatic", "--noinput", "-v0", env=yima_env(self.url, self.home))

    def copy(self, suffix: str, folder: Path) -> str:
        """A fresh copy of the template; its database URL."""
        if self.postgres is not None:
            name = f"test_yima_faults_{os.getpid()}_{suffix}"
            with self.postgres.connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
            self.postgres.created.append(name)
            return self.postgres.url(name)
        import sqlite3

        target = folder / f"{suffix}.sqlite3"
        with sqlite3.connect(self.name) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        return f"sqlite:///{target}"

    def query(self, url: str, sql: str) -> list[tuple]:
        """Rows of `sql` in the database at `url` (a copy of this template)."""
        if url.startswith("sqlite:///"):
            import sqlite3

            conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        with self.postgres.connect(url.rsplit("/", 1)[1]) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="session")
def faults_template(tmp_path_factory):
    """The session's prepared database on the leg's engine (SQLite, or the leg's PostgreSQL)."""
    server = postgres_leg()
    postgres = PostgresDatabases(server) if server is not None else None
    template = Template(tmp_path_factory.mktemp("faults-template"), postgres)
    print(f"\n[faults] template database ready in {template.seconds:.1f} s")
    yield template
    if postgres is not None:
        postgres.drop_all()


class _Relay:
    """A TCP relay on 127.0.0.1:<port> to `upstream` that can be cut: `cut()` stops listening
    (new connections are refused) and breaks every open connection; `restore()` listens again
    on the same port. Runs in a process of its own (TcpProxy), away from the test's threads."""

    def __init__(self, upstream: tuple[str, int], port: int):
        self.upstream = upstream
        self.port = port
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._listening = False
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self._listening = True
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listening:
            try:
                client, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            for src, dst in (pair, pair[::-1]):
                threading.Thread(target=self._pump, args=(src, dst, pair), daemon=True).start()
        listener.close()

    def _pump(self, src: socket.socket, dst: socket.socket, pair) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._break(pair)

    def _break(self, pair) -> None:
        with self._lock:
            if pair not in self._pairs:
                return
            self._pairs.discard(pair)
        for sock in pair:
            try:
                # Linger 0: the close resets the connection instead of a polite goodbye.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)  # wakes the other pump blocked in recv()
            except OSError:
                pass
            sock.close()

    def cut(self) -> int:
        self._listening = False
        self._listener.close()
        time.sleep(0.15)  # the accept loop sees the flag and lets the port go
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._break(pair)
        return len(pairs)


def _relay_main(host: str, upstream_port: str, port: str) -> None:
    """The proxy process: commands on stdin ("cut", "restore"), one answer line each."""
    relay = _Relay((host, int(upstream_port)), int(port))
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "cut":
            print(f"cut {relay.cut()}", flush=True)
        elif line.strip() == "restore":
            relay.restore()
            print("restored", flush=True)


class TcpProxy:
    """The database reached through a relay that the test can cut off (see _Relay)."""

    def __init__(self, upstream: tuple[str, int]):
        self.port = free_port()
        command = [sys.executable, __file__, "relay", upstream[0], str(upstream[1]), str(self.port)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.process.stdout.readline().strip() == "ready"
        self.is_cut = False

    def _command(self, word: str) -> str:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def cut(self) -> int:
        """Refuse new connections and break the open ones; how many were broken."""
        self.is_cut = True
        return int(self._command("cut").split()[1])

    def restore(self) -> None:
        assert self._command("restore") == "restored"
        self.is_cut = False

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.terminate()
            self.process.wait(timeout=10)


class Gunicorn:
    """`gunicorn yima.wsgi` on a free port, as the README deploys it."""

    def __init__(self, env: dict, log: Path, *, workers: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "YIMA_BASE_URL": self.url}
        command = [sys.executable, "-m", "gunicorn", "yima.wsgi"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--worker-class", "sync", "--timeout", "30", "--backlog", "256"]
        from gunicorn.config import KNOWN_SETTINGS

        if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
            command.append("--no-control-socket")
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        self._wait_ready()
        self.workers = self.worker_pids()

    def _wait_ready(self, timeout: float = 60) -> None:
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail("gunicorn did not answer within a minute")

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


if __name__ == "__main__" and sys.argv[1:2] == ["relay"]:
    _relay_main(*sys.argv[2:5])
