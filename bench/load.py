"""The scan benchmark's server and load clients.

The server is `gunicorn yima.wsgi` with 2 sync workers and DJANGO_SETTINGS_MODULE=bench.settings
(yima's settings plus the constant floor view). The load comes from a second process on
127.0.0.1: wrk when it is installed (`apt-get install wrk`), else a bounded Python client
(threads, http.client, keep-alive when the server allows it). Both report requests/s, latency
percentiles and errors (connection errors, timeouts, and any status other than 200).
"""

import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT

LUA = Path(__file__).resolve().parent / "scan.lua"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_control_socket_option() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


class Server:
    """gunicorn serving yima (plus /bench/constant/) on a free port of 127.0.0.1."""

    def __init__(self, env: dict, *, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "YIMA_BASE_URL": self.url}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "yima.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ]
        if _has_control_socket_option():
            command.append("--no-control-socket")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}"
                )
            try:
                status, _ = get(self.port, "/bench/constant/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within a minute")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Load:
    """What one load run measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    client: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_load(
    port: int,
    paths: list[str],
    *,
    seconds: float,
    connections: int,
    mode: str = "random",
    workdir: Path,
    force_python: bool = False,
) -> Load:
    """Load the server with GET requests for `paths` (random picks, or each once in order)."""
    if have_wrk() and not force_python:
        return _wrk(
            port, paths, seconds=seconds, connections=connections, mode=mode, workdir=workdir
        )
    return _python_load(port, paths, seconds=seconds, connections=connections, mode=mode)


def _wrk(port, paths, *, seconds, connections, mode, workdir) -> Load:
    listing = workdir / f"paths-{mode}-{len(paths)}-{abs(hash(tuple(paths)))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    command = [
        "wrk",
        "-t1",  # one client thread: the machine's other cores belong to the server
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
        "--",
        str(listing),
        mode,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        client="wrk",
    )


def _python_load(port, paths, *, seconds, connections, mode) -> Load:
    """A bounded client: `connections` threads for `seconds`, one request in flight each."""
    import random

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = None
        local: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            if mode == "seq":
                with lock:
                    path = paths[next(counter) % len(paths)]
            else:
                path = paths[rng.randrange(len(paths))]
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                failed += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            local.append(time.perf_counter() - started)
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return Load(
        requests=len(latencies),
        seconds=elapsed,
        errors=errors[0],
        p50_ms=pct(50),
        p99_ms=pct(99),
        client="python",
    )
