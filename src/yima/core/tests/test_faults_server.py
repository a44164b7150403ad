"""Load and faults against a real server: gunicorn (4 sync workers) on PostgreSQL, reached
through a TCP proxy that can cut the database off.

- Load: 64 clients for 60 s (YIMA_FAULTS_LOAD_SECONDS) mixing scan pages, Open311 reports
  (201), the public report form (302) and retries with the same client id: no 5xx, and every
  report answered 201/302 is in the database exactly once.
- A report sent, its connection dropped before the answer, and sent again: one record.
- The database cut off during load: requests answer 503 with the clear page or JSON error
  while it is down, never 500 or a hang; once it is back the same gunicorn serves again.

PostgreSQL only (the SQLite leg skips them): production runs there, and SQLite has no server to
cut off. The figures are printed (pytest -s shows them).
"""

import http.client
import os
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from yima.core.tests.conftest import Gunicorn, TcpProxy, Template, postgres_leg, yima_env

LOAD_SECONDS = float(os.environ.get("YIMA_FAULTS_LOAD_SECONDS", "60"))
CLIENTS = 64
TIMEOUT = 30  # seconds a client waits for an answer before counting a hang
TYPES = ("overflow", "odour", "not_running", "noise", "damaged", "other")
TRACKING_IN_LOCATION = re.compile(r"^/cases/t/([2-9A-Z]{8})/\?filed=1$")

# serial: scripts/test runs these alone, after the parallel run (they time a recovery).
pytestmark = [pytest.mark.postgres, pytest.mark.serial]


# --- The site under test -------------------------------------------------------------------


@dataclass
class Site:
    gunicorn: Gunicorn
    proxy: TcpProxy
    template: Template
    database_url: str
    api_key: str
    codes: list[str]

    def cases(self) -> dict[str, list[str]]:
        """client id -> tracking numbers of the cases recorded with it."""
        rows = self.template.query(
            self.database_url,
            "SELECT client_id::text, tracking FROM cases_case WHERE client_id IS NOT NULL",
        )
        found: dict[str, list[str]] = {}
        for client_id, tracking in rows:
            found.setdefault(client_id, []).append(tracking)
        return found


@pytest.fixture(scope="module")
def site(request):
    server = postgres_leg()
    if server is None:
        pytest.skip(
            "needs PostgreSQL: load and database-outage tests run in the PostgreSQL leg "
            "(YIMA_DATABASE_URL=postgres://…)"
        )
    template = request.getfixturevalue("faults_template")
    template.collect_static()  # gunicorn runs with debug off, as in production
    database_url = template.copy("load", template.home)
    codes = [row[0] for row in template.query(database_url, "SELECT code FROM facilities_facility")]
    proxy = TcpProxy((server.get("HOST") or "127.0.0.1", int(server.get("PORT") or 5432)))
    env = yima_env(
        # The same database, reached through the proxy.
        database_url.replace(f":{server.get('PORT') or 5432}/", f":{proxy.port}/"),
        template.home,  # where the template's static files were collected
        # Every load client comes from 127.0.0.1: the abuse limits would stop the test.
        case_limit_per_ip_hour=10**6,
        case_limit_per_facility_day=10**6,
    )
    gunicorn = Gunicorn(env, template.home / "gunicorn.log", workers=4)
    yield Site(gunicorn, proxy, template, database_url, template.api_key, codes)
    gunicorn.stop()
    proxy.close()


# --- A small HTTP client -------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float


def call(site: Site, method: str, path: str, body: str = "", headers=None) -> Answer:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", site.gunicorn.port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, response.headers, data, time.monotonic() - started)
    finally:
        conn.close()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def open311_body(site: Site, client_id: str, code: str, case_type: str) -> str:
    return urlencode(
        {
            "api_key": site.api_key,
            "service_code": case_type,
            "address_id": code,
            "description": "井盖旁边有污水冒出来（负载测试）",
            "client_id": client_id,
        }
    )


def open311_post(site: Site, body: str) -> Answer:
    return call(site, "POST", "/open311/v2/requests.json", body, FORM)


def tracking_of_201(answer: Answer) -> str:
    import json

    return json.loads(answer.body)[0]["service_request_id"].replace("-", "")


def post_and_drop(site: Site, path: str, body: str, wait: float) -> None:
    """Send a whole request, then close the connection without reading the answer."""
    raw = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{site.gunicorn.port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n\r\n"
    ).encode() + body.encode()
    with socket.create_connection(("127.0.0.1", site.gunicorn.port), timeout=TIMEOUT) as sock:
        sock.sendall(raw)
        time.sleep(wait)


# --- Load ----------------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> count
    unexpected: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # connection errors and timeouts
    filed: dict = field(default_factory=dict)  # client id -> tracking (answered 201/302)
    sent: set = field(default_factory=set)  # every client id sent
    retries: int = 0
    retry_mismatches: list = field(default_factory=list)
    dropped: int = 0
    duplicate_hints: int = 0
    slowest: float = 0.0

    def record(self, kind: str, answer: Answer, expected: tuple[int, ...]) -> bool:
        with self.lock:
            self.statuses[(kind, answer.status)] += 1
            self.slowest = max(self.slowest, answer.seconds)
            if answer.status not in expected:
                self.unexpected.append((kind, answer.status, answer.body[:300]))
                return False
        return True

    def filed_as(self, client_id: str, tracking: str, *, retry: bool) -> None:
        with self.lock:
            if retry:
                self.retries += 1
                if self.filed.get(client_id) != tracking:
                    self.retry_mismatches.append((client_id, self.filed.get(client_id), tracking))
            else:
                self.filed[client_id] = tracking


def _scan(site: Site, tally: Tally, rng: random.Random) -> None:
    answer = call(site, "GET", f"/f/{rng.choice(site.codes)}/")
    tally.record("scan", answer, (200,))


def _open311(site: Site, tally: Tally, rng: random.Random, *, retries: int) -> None:
    client_id = str(uuid.uuid4())
    tally.sent.add(client_id)
    body = open311_body(site, client_id, rng.choice(site.codes), rng.choice(TYPES))
    for attempt in range(retries + 1):
        answer = open311_post(site, body)
        if not tally.record("open311", answer, (201,)):
            return
        tally.filed_as(client_id, tracking_of_201(answer), retry=attempt > 0)


def _dropped(site: Site, tally: Tally, rng: random.Random) -> None:
    """The phone lost its connection after sending: the same report again, same client id."""
    client_id = str(uuid.uuid4())
    tally.sent.add(client_id)
    body = open311_body(site, client_id, rng.choice(site.codes), rng.choice(TYPES))
    post_and_drop(site, "/open311/v2/requests.json", body, wait=rng.uniform(0, 0.3))
    with tally.lock:
        tally.dropped += 1
    answer = open311_post(site, body)
    if tally.record("open311-after-drop", answer, (201,)):
        tally.filed_as(client_id, tracking_of_201(answer), retry=False)


def _form(site: Site, tally: Tally, rng: random.Random) -> None:
    """The public form: shown (with its client id and CSRF token), sent, maybe sent again."""
    path = f"/cases/new/?facility={rng.choice(site.codes)}&type={rng.choice(TYPES)}"
    shown = call(site, "GET", path)
    if not tally.record("form-get", shown, (200,)):
        return
    page = shown.body.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    cookie = shown.headers["Set-Cookie"].split(";", 1)[0]
    client_id = hidden["client_id"]
    tally.sent.add(client_id)
    body = urlencode(
        {
            "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"],
            "case_type": hidden["case_type"],
            "client_id": client_id,
            "seen": hidden.get("seen", ""),
            "description": "设施不运行，没有声音（负载测试）",
            "reporter_phone": "",
            "website": "",
        }
    )
    headers = {**FORM, "Cookie": cookie}
    for attempt in range(1 + (rng.random() < 0.3)):
        answer = call(site, "POST", path, body, headers)
        # 200: someone reported the same problem while this person was typing (the duplicate
        # hint is shown and nothing is filed); only on the first copy.
        if not tally.record("form-post", answer, (302, 200) if attempt == 0 else (302,)):
            return
        if answer.status == 200:
            with tally.lock:
                tally.duplicate_hints += 1
            return
        tracking = TRACKING_IN_LOCATION.match(answer.headers["Location"]).group(1)
        tally.filed_as(client_id, tracking, retry=attempt > 0)


def run_load(site: Site, tally: Tally, *, clients: int, seconds: float) -> float:
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        while time.monotonic() < deadline:
            pick = rng.random()
            try:
                if pick < 0.60:
                    _scan(site, tally, rng)
                elif pick < 0.88:
                    _open311(site, tally, rng, retries=int(rng.random() < 0.25))
                elif pick < 0.97:
                    _form(site, tally, rng)
                else:
                    _dropped(site, tally, rng)
            except (OSError, http.client.HTTPException) as exc:
                with tally.lock:
                    tally.errors.append(repr(exc))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def test_64_clients_for_a_minute_no_5xx_and_every_report_recorded_once(site):
    tally = Tally()
    seconds = run_load(site, tally, clients=CLIENTS, seconds=LOAD_SECONDS)

    served = sum(tally.statuses.values())
    by_status = Counter()
    for (_kind, status), count in tally.statuses.items():
        by_status[status] += count
    print(
        f"\n[faults] load: {CLIENTS} clients, {seconds:.1f} s, {served} answers "
        f"({served / seconds:.0f}/s), by status {dict(sorted(by_status.items()))}, "
        f"{len(tally.filed)} reports filed, {tally.retries} retries, {tally.dropped} dropped "
        f"connections, {tally.duplicate_hints} duplicate hints, slowest {tally.slowest:.2f} s, "
        f"{len(tally.errors)} connection errors"
    )
    assert tally.errors == []
    assert [s for s in by_status if s >= 500] == []
    assert tally.unexpected == []
    assert tally.retry_mismatches == []
    assert tally.retries > 0 and tally.dropped > 0 and len(tally.filed) > 20

    recorded = site.cases()
    assert {cid: ts for cid, ts in recorded.items() if len(ts) != 1} == {}
    # Every report answered 201/302 is there, once, under the tracking number it was given;
    # nothing else was filed (a duplicate hint files nothing).
    recorded = {cid: ts[0] for cid, ts in recorded.items() if cid in tally.sent}
    assert recorded == tally.filed


def test_a_report_sent_again_after_a_dropped_connection_is_one_record(site):
    client_id = str(uuid.uuid4())
    body = open311_body(site, client_id, site.codes[0], "odour")
    post_and_drop(site, "/open311/v2/requests.json", body, wait=0)  # gone before the answer
    again = open311_post(site, body)
    assert again.status == 201
    assert site.cases()[client_id] == [tracking_of_201(again)]

    # And sent twice at the same moment: the database's unique constraint decides.
    client_id = str(uuid.uuid4())
    body = open311_body(site, client_id, site.codes[1], "noise")
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(open311_post(site, body))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status for a in answers] == [201] * 4
    assert len({tracking_of_201(a) for a in answers}) == 1
    assert site.cases()[client_id] == [tracking_of_201(answers[0])]


# --- The database cut off during load ------------------------------------------------------


@dataclass
class Sample:
    kind: str
    started: float
    ended: float
    status: int  # 0: connection error or timeout
    answer: Answer | None
    client_id: str = ""
    body: str = ""


def test_database_cut_off_during_load_answers_503_then_recovers_without_restart(site):
    clients, before, down, after = 16, 4.0, 5.0, 8.0
    pids = (site.gunicorn.process.pid, site.gunicorn.workers)
    samples: list[Sample] = []
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + before + down + after

    def client(number: int) -> None:
        rng = random.Random(1000 + number)
        while time.monotonic() < deadline:
            pick, client_id = rng.random(), ""
            if pick < 0.5:
                kind, client_id = "open311", str(uuid.uuid4())
                path, method = "/open311/v2/requests.json", "POST"
                body = open311_body(site, client_id, rng.choice(site.codes), rng.choice(TYPES))
            elif pick < 0.8:
                kind, method, body = "page", "GET", ""
                path = f"/cases/new/?facility={rng.choice(site.codes)}"
            else:
                kind, method, body = "scan", "GET", ""
                path = f"/f/{rng.choice(site.codes)}/"
            started = time.monotonic()
            try:
                answer = call(site, method, path, body, FORM if body else None)
                status = answer.status
            except (OSError, http.client.HTTPException):
                answer, status = None, 0
            with lock:
                ended = time.monotonic()
                samples.append(Sample(kind, started, ended, status, answer, client_id, body))
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(before)
    cut_at = time.monotonic()
    broken = site.proxy.cut()
    time.sleep(down)
    restored_at = time.monotonic()
    site.proxy.restore()
    for thread in threads:
        thread.join()

    statuses = Counter(s.status for s in samples)
    during = [s for s in samples if s.started >= cut_at + 0.2 and s.ended <= restored_at]
    needs_db = [s for s in during if s.kind in ("open311", "page")]
    back = [s for s in samples if s.started >= restored_at and s.kind in ("open311", "page")]
    first_ok = min((s.ended for s in back if s.status in (200, 201)), default=None)
    recovery = None if first_ok is None else first_ok - restored_at
    unavailable = [s for s in samples if s.status == 503]
    slowest = max((s.ended - s.started for s in during), default=0)
    print(
        f"\n[faults] database cut: {len(samples)} answers, by status "
        f"{dict(sorted(statuses.items()))}; {broken} connections broken; during the "
        f"{down:.0f} s cut {sum(s.status == 503 for s in during)} x 503 of {len(during)} "
        f"answers (slowest {slowest:.2f} s); first success after the database came back: "
        f"{'never' if recovery is None else f'{recovery:.2f} s'}"
    )

    # Never a 500, never a hang: every answer is a success or the 503.
    assert statuses[0] == 0 and all(s.ended - s.started < 10 for s in samples)
    assert set(statuses) <= {200, 201, 503}
    # While it is down, everything that needs the database says so clearly.
    assert len(needs_db) > 20
    assert {s.status for s in needs_db} == {503}
    for sample in unavailable:
        assert sample.answer.headers["Retry-After"] == "30"
        text = sample.answer.body.decode()
        assert "系统暂时无法连接数据库，请稍后再试" in text
        assert "Traceback" not in text and "5432" not in text
        if sample.kind == "open311":
            assert sample.answer.headers["Content-Type"].startswith("application/json")
        else:
            assert sample.answer.headers["Content-Type"].startswith("text/html")
    # Back within seconds, by the same processes (nothing restarted).
    assert recovery is not None and recovery < 3
    late = [s for s in back if s.started >= restored_at + 1]
    assert late and {s.status for s in late} <= {200, 201}
    assert site.gunicorn.process.poll() is None
    assert (site.gunicorn.process.pid, site.gunicorn.worker_pids()) == pids

    # Reports that got the 503 are sent again, same body and client id: each is filed once.
    resent = [s for s in samples if s.kind == "open311" and s.status == 503]
    for sample in resent:
        assert open311_post(site, sample.body).status == 201
    recorded = site.cases()
    for sample in samples:
        if sample.kind == "open311":
            assert len(recorded[sample.client_id]) == 1
    print(f"[faults] {len(resent)} reports answered 503 were sent again: each filed once")
