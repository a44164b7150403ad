"""The offline flow in Chromium: the field pages work without signal, submissions wait on the
phone with their client id, and each is recorded exactly once when the network returns."""

import time

import pytest

from yima.conftest import screenshot
from yima.operations.models import Inspection, WaterSample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Transactional tests empty every table when they finish, so the seeded checklists,
    policy and standards are gone if another browser test ran first: seed them again."""
    from importlib import import_module

    from django.apps import apps

    import_module("yima.operations.migrations.0002_seed_reference_data").seed(apps, None)


READY = "document.documentElement.dataset.offlineReady === '1'"


def _wait_until(page, expression: str, timeout: float = 15) -> None:
    """Poll `expression` with page.evaluate: Playwright's wait_for_function evaluates a string
    with eval() in the page, which yima's Content-Security-Policy (script-src 'self') refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)


def _cached(page, path: str) -> bool:
    return page.evaluate(
        "(path) => caches.open('yima-ops-pages-v1').then((c) => c.match(path)).then((r) => !!r)",
        path,
    )


def _open(page, url):
    page.goto(url)
    _wait_until(page, READY)


def test_inspection_and_sample_queued_offline_are_sent_once_when_back_online(page_for, world):
    page, base = page_for("operator", width=360, height=740)
    ctx = page.context
    f = world.facility_a
    ctx.grant_permissions(["geolocation"], origin=base)
    ctx.set_geolocation(
        {"latitude": float(f.latitude), "longitude": float(f.longitude) + 0.0005, "accuracy": 12}
    )
    inspect_url = f"{base}/ops/f/{f.code}/inspect/"
    sample_url = f"{base}/ops/f/{f.code}/sample/"
    _open(page, sample_url)  # visited once with signal, e.g. at the depot
    # Kept on the phone even when the new worker claimed the page before ops.js looked (a race
    # that once left the first page uncached).
    assert _cached(page, f"/ops/f/{f.code}/sample/")
    _open(page, inspect_url)
    assert _cached(page, f"/ops/f/{f.code}/inspect/")
    page.wait_for_selector(".geo.found")
    screenshot(page, "ops-inspect")

    ctx.set_offline(True)
    response = page.reload()
    assert response.from_service_worker  # the page came from the phone, not the network
    page.wait_for_selector(".geo.found")
    page.click("fieldset.check-item >> nth=0 >> label.toggle.problem")
    page.fill("textarea[name=notes]", "进水井有杂物，已清理")
    page.click("form[data-offline] button[type=submit]")
    page.wait_for_selector("[data-outbox][data-count='1']")
    assert page.is_visible("text=当前没有网络")
    screenshot(page, "ops-offline-queued")

    page.goto(sample_url)  # still offline
    page.fill("input[name=lab]", "县环境监测站")
    page.fill("input[name=cod]", "42")
    page.click("form[data-offline] button[type=submit]")
    page.wait_for_selector("[data-outbox][data-count='2']")
    assert not Inspection.objects.exists() and not WaterSample.objects.exists()

    ctx.set_offline(False)
    page.wait_for_selector("[data-outbox][hidden]", state="attached")
    inspection = Inspection.objects.get()
    assert inspection.outcome == "abnormal" and inspection.notes == "进水井有杂物，已清理"
    assert inspection.verified_on_site  # ~50 m from the facility, ±12 m
    assert WaterSample.objects.get().cod == 42


# The first POST reaches the server, but its answer never reaches the phone.
LOSE_FIRST_ANSWER = """() => {
  const realFetch = window.fetch;
  window.lostAnswers = 0;
  window.fetch = async (url, options) => {
    const response = await realFetch(url, options);
    if (options && options.method === 'POST' && window.lostAnswers === 0) {
      window.lostAnswers += 1;
      throw new TypeError('Failed to fetch');
    }
    return response;
  };
}"""


def test_a_submission_whose_answer_was_lost_is_recorded_once(page_for, world):
    page, base = page_for("operator", width=360, height=740)
    _open(page, f"{base}/ops/f/{world.facility_a.code}/inspect/")
    page.evaluate(LOSE_FIRST_ANSWER)
    page.click("form[data-offline] button[type=submit]")
    page.wait_for_selector("[data-outbox][data-count='1']")
    _wait_until(page, "window.lostAnswers === 1")
    assert Inspection.objects.count() == 1  # recorded, but the phone still holds it

    page.evaluate("window.dispatchEvent(new Event('online'))")  # the retry
    page.wait_for_selector("[data-outbox][hidden]", state="attached")
    assert Inspection.objects.count() == 1
