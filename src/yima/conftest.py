"""Fixtures shared by every app's tests."""

import freezegun
import pytest

from yima.core.testing import PERSONAS, make_world

# pytest times tests with time.perf_counter from _pytest.timing; a frozen clock there made
# --durations report the epoch (1.8e9 s) for tests that freeze time in a fixture.
freezegun.configure(extend_ignore_list=["_pytest.timing"])


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return (
        bool(marker and marker.kwargs.get("transaction"))
        or "live_server" in request.fixturenames
        or "transactional_db" in request.fixturenames
    )


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Transactional tests empty every table afterwards, seed data too: seed it again first."""
    if _is_transactional(request):
        request.getfixturevalue("transactional_db")
        from yima.core.seeds import seed_reference_data

        seed_reference_data()


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def client_for(client, world):
    """`client_for("operator")` -> a test client logged in as that persona (public: anonymous)."""

    def make(persona: str):
        from django.test import Client

        c = Client()
        user = world.user(persona)
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture(params=PERSONAS)
def persona(request):
    return request.param


# --- Browser tests: Playwright driving Debian's Chromium against the live test server. ---

ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    import os
    import shutil

    exe = os.environ.get("YIMA_CHROMIUM", CHROMIUM)
    if not shutil.which(exe):
        pytest.skip(f"Chromium not found at {exe} (apt-get install chromium, or set YIMA_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=exe,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page_for(browser, live_server, world):
    """`page_for("county_regulator", width=360, height=640, js=True)` -> (page, base_url).

    The page is logged in as the persona (a real login through the form), or anonymous for
    "public".
    """
    from yima.core.testing import PASSWORD

    contexts = []

    def make(persona: str, *, width: int = 1280, height: int = 800, js: bool = True, login=True):
        ctx = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=js, locale="zh-CN"
        )
        contexts.append(ctx)
        page = ctx.new_page()
        user = world.user(persona)
        if user is not None and login:
            page.goto(live_server.url + "/accounts/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        return page, live_server.url

    yield make
    for ctx in contexts:
        ctx.close()


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
