"""Script injection: classic payloads stored in every free-text field a person can fill in
(ledger form and Excel import, reports and their notes, evaluations, inspections, samples,
repair orders, status-change and import reasons, names of organisations, regions and users)
must render inert everywhere they are shown, and Excel exports must not turn them into formulas.

The HTML sweep crawls every page reachable by links for three personas and checks the raw
payloads never appear unescaped; the browser test opens the main pages in Chromium with a
dialog handler and looks for injected elements.
"""

import io
import re
import uuid
import zipfile
from collections import deque
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

# Classic payloads: tag injection, attribute break-out, textarea break-out, template syntax
# (Django never evaluates stored text as a template), a javascript: URL, a right-to-left
# override.
TAG = '"><img src=x onerror=alert(1)>'
PAYLOAD = (
    TAG + "<script>alert(2)</script></textarea><svg onload=alert(3)>{{7*7}}{% debug %}"
    "javascript:alert(4)\u202e"
)
FORMULA = '=HYPERLINK("http://evil.example/","点我")'
LONG = (PAYLOAD + " ") * 150  # about 15,000 characters
RAW = ("<img src=x", "<script>alert", "<svg onload", "</textarea><svg")
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else TAG[: limit - 1]


@pytest.fixture
def hostile(world, settings, tmp_path):
    """The world with a payload in every free-text field, stored through the services."""
    from yima.cases import services as cases
    from yima.cases.models import CaseType
    from yima.facilities import services as ledger
    from yima.operations import services as ops
    from yima.operations.tests.conftest import make_inspection

    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "case-photos"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    settings.YIMA_SCAN_CACHE_SECONDS = 0
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 1000

    # Names an administrator types in the admin (or an official region list brings).
    contractor = world.facility_a.contractor
    contractor.name = FORMULA[:60] + TAG
    contractor.save()
    for region in (world.facility_a.village, world.facility_a.county):
        region.name = TAG + region.name
        region.save()
    for user in (world.operator, world.county_regulator, world.regulator):
        user.first_name, user.last_name = TAG, "<script>alert(5)</script>"
        user.save()

    facility = ledger.facility_update(
        facility=world.facility_a,
        actor=world.regulator,
        reason=PAYLOAD,
        name=fit(FORMULA + TAG, 120),
        receiving_water=fit(PAYLOAD, 120),
    )
    ledger.facility_change_status(
        facility=world.facility_b, actor=world.regulator, to_status="suspended", reason=PAYLOAD
    )

    # Public reports: about a facility, about a place, with every note a step may carry.
    overflow = CaseType.objects.get(code="overflow")
    case = cases.case_submit(
        case_type=overflow, facility=facility, description=PAYLOAD, reporter_phone="13812345678"
    )
    case = cases.case_assign(
        case=case, actor=world.county_regulator, public_note=PAYLOAD, internal_note=PAYLOAD
    )
    case = cases.case_note(case=case, actor=world.county_regulator, note=PAYLOAD)
    case = cases.case_resolve(case=case, actor=world.operator, public_note=PAYLOAD)
    case = cases.case_evaluate(
        case=case, rating=1, fixed=False, comment=PAYLOAD, reporter_phone="13812345678"
    )
    place = cases.case_submit(
        case_type=overflow,
        subject=fit(PAYLOAD, 200),
        region=world.facility_a.village,
        description=LONG[:2000],
    )
    cases.case_reject(case=place, actor=world.county_regulator, reason=PAYLOAD)

    # Field work.
    make_inspection(world, notes=PAYLOAD, ok=False)
    ops.sample_record(
        facility=facility,
        actor=world.operator,
        client_id=uuid.uuid4(),
        lab=fit(PAYLOAD, 120),
        sampled_at=timezone.now() - timedelta(hours=2),
        values={"cod": Decimal("30")},
        notes=PAYLOAD,
    )
    order = ops.work_order_open(
        facility=facility, actor=world.regulator, source="regulator", description=PAYLOAD
    )
    order = ops.work_order_start(work_order=order, actor=world.operator, note=PAYLOAD)
    order = ops.work_order_complete(work_order=order, actor=world.operator, resolution=PAYLOAD)
    ops.work_order_reopen(work_order=order, actor=world.county_regulator, reason=PAYLOAD)

    # The Excel import: facility_b renamed in a workbook, imported with a hostile reason.
    _import_renamed(world, tmp_path, name=fit(TAG + "<svg onload=alert(6)>", 120))
    return world


def _import_renamed(world, tmp_path, *, name):
    from yima.facilities import excel
    from yima.facilities.imports import ledger_import
    from yima.facilities.models import Facility

    path = tmp_path / "ledger.xlsx"
    excel.write_ledger(Facility.objects.filter(pk=world.facility_b.pk), path)
    book = load_workbook(path)
    sheet = book.active
    column = [c.value for c in sheet[1]].index("设施名称") + 1
    sheet.cell(row=2, column=column, value=name)
    book.save(path)
    result = ledger_import(path=path, actor=world.regulator, dry_run=False, reason=PAYLOAD)
    assert result.ok, result


# --- The HTML sweep -----------------------------------------------------------------------------

SKIP = re.compile(
    r"^/(static|media|i18n|accounts/logout|admin/logout|api/|open311/)|\.(xlsx|pdf|png|svg|js)(\?|$)"
    r"|/sw\.js|/photos/"
)
LINK = re.compile(r"""(?:href|action)="(/[^"#]*)""")


def _seeds(world) -> list[str]:
    from yima.cases.models import Case
    from yima.operations.models import Inspection, WaterSample, WorkOrder

    a, b = world.facility_a, world.facility_b
    seeds = ["/", "/ledger/", f"/f/{a.code}/", f"/f/{b.code}/", "/cases/", "/ops/workorders/",
             "/ops/overdue/", f"/ops/f/{a.code}/", "/dashboard/", "/assessment/"]  # fmt: skip
    seeds += [f"/cases/t/{c.tracking}/" for c in Case.objects.all()]
    seeds += [f"/ops/inspections/{i.pk}/" for i in Inspection.objects.all()]
    seeds += [f"/ops/samples/{s.pk}/" for s in WaterSample.objects.all()]
    seeds += [f"/ops/workorders/{o.pk}/" for o in WorkOrder.objects.all()]
    return seeds


def crawl(client: Client, seeds: list[str], limit: int = 250) -> dict[str, str]:
    """{url: html} of every page reachable by links from the seeds (GET only)."""
    pages, queue, seen = {}, deque(seeds), set(seeds)
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = html
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            if link not in seen and not SKIP.search(link):
                seen.add(link)
                queue.append(link)
    return pages


def unsafe(html: str) -> list[str]:
    found = [raw for raw in RAW if raw in html]
    if JS_URL.search(html):
        found.append("javascript: URL")
    if "\u202e" in html and "dir=" not in html:
        pass  # an RTL override inside escaped text only reorders what is shown; not code
    return found


@pytest.mark.parametrize("persona", ["regulator", "county_regulator", "operator", "public"])
def test_no_page_shows_a_stored_payload_unescaped(hostile, client_for, persona):
    pages = crawl(client_for(persona), _seeds(hostile))
    problems = {url: unsafe(html) for url, html in pages.items() if unsafe(html)}
    assert problems == {}
    shown = [url for url, html in pages.items() if ESCAPED in html]
    assert shown, "the payloads should be on the pages, escaped"
    if persona != "public":
        assert len(pages) > 20  # the sweep really went through the site


def test_the_payloads_are_shown_escaped_where_people_read_them(hostile, client_for):
    from yima.cases.models import Case
    from yima.operations.models import Inspection, WaterSample, WorkOrder

    a = hostile.facility_a
    case = Case.objects.filter(facility=a).get()
    staff = client_for("county_regulator")
    expected = {
        "/ledger/": staff,
        f"/ledger/{a.code}/": staff,
        f"/f/{a.code}/": staff,
        f"/cases/{case.tracking}/": staff,
        f"/cases/t/{case.tracking}/": client_for("public"),
        f"/f/{a.code}/?as=public": client_for("public"),
        f"/ops/inspections/{Inspection.objects.get().pk}/": staff,
        f"/ops/samples/{WaterSample.objects.get().pk}/": staff,
        f"/ops/workorders/{WorkOrder.objects.get().pk}/": staff,
    }
    for url, client in expected.items():
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert ESCAPED in html, url
        assert unsafe(html) == [], url
        assert "{{7*7}}" in html or "49" not in html.split(ESCAPED, 1)[1][:200], url


def test_staff_forms_redisplay_a_payload_inert(hostile, client_for):
    """A refused form shows the typed text back inside <textarea>/<input>: no break-out."""
    a = hostile.facility_a
    response = client_for("operator").post(
        f"/ops/f/{a.code}/workorders/new/", {"description": PAYLOAD, "priority": "bogus"}
    )
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "&lt;/textarea&gt;&lt;svg onload=alert(3)&gt;" in html and unsafe(html) == []
    response = client_for("public").post(
        f"/cases/new/?facility={a.code}&type=overflow",
        {"case_type": "overflow", "description": PAYLOAD, "reporter_phone": "not a phone"},
    )
    html = response.content.decode()
    assert response.status_code == 400 and unsafe(html) == []


def test_the_admin_lists_show_names_escaped(hostile, client_for):
    html = client_for("admin").get("/admin/accounts/organisation/").content.decode()
    assert ESCAPED in html and unsafe(html) == []


# --- Excel exports: text stays text --------------------------------------------------------------


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _formulas(data: bytes) -> list[str]:
    """Formula cells in an .xlsx, read from the XML itself (<f> elements)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [
            name
            for name in package.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in package.read(name)
        ]


def test_the_ledger_export_writes_a_name_starting_with_equals_as_text(hostile, client_for):
    response = client_for("county_regulator").get("/ledger/export.xlsx")
    data = b"".join(response.streaming_content)
    assert _formulas(data) == []
    names = [c for c in _cells(data) if isinstance(c.value, str) and c.value.startswith("=HYP")]
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)
    assert names[0].value == hostile.facility_a.__class__.objects.get(pk=hostile.facility_a.pk).name


def test_the_export_imports_back_with_the_name_unchanged(hostile, tmp_path):
    from yima.facilities import excel
    from yima.facilities.imports import ledger_import
    from yima.facilities.models import Facility

    path = tmp_path / "again.xlsx"
    excel.write_ledger(Facility.objects.all(), path)
    result = ledger_import(path=path, actor=hostile.regulator, dry_run=True)
    assert result.ok
    assert Facility.objects.get(pk=hostile.facility_a.pk).name.startswith("=HYPERLINK(")


def test_dashboard_and_assessment_exports_have_no_formulas(hostile, client_for):
    client = client_for("regulator")
    urls = ["/dashboard/export/breakdown.xlsx", "/assessment/export.xlsx"]
    for name in ("overdue_reports", "abnormal", "unresolved"):
        urls.append(f"/dashboard/export/actions/{name}.xlsx")
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        data = b"".join(response.streaming_content) if response.streaming else response.content
        if not data.startswith(b"PK"):
            continue
        checked += 1
        assert _formulas(data) == [], url
    assert checked >= 1


# --- In Chromium ---------------------------------------------------------------------------------

INJECTED = """() => Array.from(document.querySelectorAll(
    'img[src="x"], svg[onload], [onerror], [onload],'
    + ' script:not([src]):not([type="application/json"])'
)).map(e => e.outerHTML.slice(0, 120))"""


@pytest.mark.browser
def test_no_payload_runs_in_chromium(page_for, hostile):
    from yima.cases.models import Case
    from yima.conftest import screenshot
    from yima.operations.models import WorkOrder

    a = hostile.facility_a
    case = Case.objects.filter(facility=a).get()
    order = WorkOrder.objects.get()
    staff = ["/ledger/", f"/ledger/{a.code}/", f"/f/{a.code}/", "/cases/",
             f"/cases/{case.tracking}/", f"/ops/f/{a.code}/", f"/ops/workorders/{order.pk}/",
             "/ops/workorders/"]  # fmt: skip
    public = [f"/f/{a.code}/", f"/cases/t/{case.tracking}/"]
    dialogs = []
    for persona, paths in {"county_regulator": staff, "public": public}.items():
        page, base = page_for(persona)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for index, path in enumerate(paths):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate(INJECTED) == [], path
            assert "<img src=x onerror=alert(1)>" in page.inner_text("body"), path
            if index in (0, len(paths) - 1):
                screenshot(page, f"xss-{persona}-{index}")
    page, base = page_for("regulator")
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/dashboard/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(INJECTED) == []
    county = page.locator("path.dash-county").first
    if county.count():  # the map's county outlines: their names show as a tooltip on hover
        county.hover()
        tooltip = page.locator(".leaflet-tooltip").first
        tooltip.wait_for(timeout=5000)
        assert tooltip.locator("img").count() == 0
        assert "<img src=x" in tooltip.inner_text()
    screenshot(page, "xss-dashboard")
    assert dialogs == []
