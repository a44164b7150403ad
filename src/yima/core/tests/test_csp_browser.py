"""The Content-Security-Policy holds on the real pages: Chromium loads each key page and reports
no violation (no inline script, no `<style>` block, nothing from another origin), and the pages
still work (the Swagger UI draws the API, the ledger's filters open, the offline form is ready).
"""

import pytest

from yima.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile
    + ":" + e.lineNumber);
});
"""


def watched(page):
    """Collect CSP violations: the DOM event and Chromium's "Refused to ..." console lines."""
    console = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or msg.text.startswith("Refused to")
            else None
        ),
    )
    return console


def violations(page, console) -> list[str]:
    return list(page.evaluate("window.__csp || []")) + console


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests empty every table: seed the operations checklists again."""
    from importlib import import_module

    from django.apps import apps

    import_module("yima.operations.migrations.0002_seed_reference_data").seed(apps, None)


def test_public_pages_raise_no_violation(page_for, world):
    page, base = page_for("public")
    console = watched(page)
    code = world.facility_a.code
    for name, path in [
        ("home", "/"),
        ("login", "/accounts/login/"),
        ("scan-public", f"/f/{code}/"),
        ("report-form", f"/cases/new/?facility={code}"),
    ]:
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert violations(page, console) == [], path
        screenshot(page, f"csp-{name}")


def test_staff_pages_raise_no_violation(page_for, world, reference_data):
    page, base = page_for("operator")
    console = watched(page)
    code = world.facility_a.code
    for name, path in [
        ("ledger", "/ledger/"),
        ("scan-contractor", f"/f/{code}/"),
        ("ops-inspect", f"/ops/f/{code}/inspect/"),
    ]:
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert violations(page, console) == [], path
        screenshot(page, f"csp-{name}")
    # The moved ledger script still runs: on a wide screen the extra filters are open.
    page.goto(base + "/ledger/")
    assert page.evaluate("document.querySelector('details.more-filters').open") is True


def test_regulator_pages_and_api_docs_raise_no_violation(page_for, world):
    page, base = page_for("regulator")
    console = watched(page)
    code = world.facility_a.code
    for name, path in [("dashboard", "/dashboard/"), ("scan-regulator", f"/f/{code}/")]:
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert violations(page, console) == [], path
        screenshot(page, f"csp-{name}")
    page.goto(base + "/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20000)  # Swagger UI drew the operations
    page.wait_for_load_state("networkidle")
    assert violations(page, console) == []
    screenshot(page, "csp-api-docs")


def test_a_violation_would_be_seen(page_for, world):
    """The listener works: an inline script injected into a page is refused and reported."""
    page, base = page_for("public")
    console = watched(page)
    page.goto(base + "/")
    page.evaluate(
        "document.body.appendChild(Object.assign(document.createElement('script'),"
        " {textContent: 'window.__ran = 1'}))"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in violations(page, console))
