"""The offline flow in Chromium: the inspection page works without signal, the submission waits
on the phone with its client id, and is recorded exactly once when the network returns."""

import pytest

from yima.conftest import screenshot
from yima.operations.models import Inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspection_queued_offline_is_sent_once_when_back_online(page_for, world):
    page, base = page_for("operator", width=360, height=740)
    ctx = page.context
    page.on("console", lambda m: print("CONSOLE", m.text))
    page.on("pageerror", lambda e: print("PAGEERR", e))
    ctx.grant_permissions(["geolocation"], origin=base)
    f = world.facility_a
    ctx.set_geolocation(
        {"latitude": float(f.latitude), "longitude": float(f.longitude) + 0.0005, "accuracy": 12}
    )
    url = f"{base}/ops/f/{f.code}/inspect/"
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.offlineReady === '1'")
    page.wait_for_selector(".geo.found")
    screenshot(page, "ops-inspect")

    ctx.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    page.wait_for_selector(".geo.found")
    page.click("fieldset.check-item >> nth=0 >> label.toggle.problem")
    page.fill("textarea[name=notes]", "进水井有杂物，已清理")
    page.click("form[data-offline] button[type=submit]")
    page.wait_for_selector("[data-outbox]:not([hidden])")
    assert page.get_attribute("[data-outbox]", "data-count") == "1"
    screenshot(page, "ops-offline-queued")
    assert not Inspection.objects.exists()

    ctx.set_offline(False)
    page.wait_for_selector("[data-outbox][hidden]", state="attached")
    inspection = Inspection.objects.get()
    assert inspection.outcome == "abnormal"
    assert inspection.verified_on_site  # ~50 m away, ±12 m
    assert inspection.notes == "进水井有杂物，已清理"
