"""Every URL of the project against every persona: who gets what on a GET.

The URL patterns are read from the resolver, so a new page that is not in EXPECTED fails
`test_every_url_pattern_is_in_the_matrix` until its row is written. Statuses follow the rules
of STYLE.md: an object the persona cannot see is 404, one it can see but may not act on is 403,
anonymous visitors to staff pages are sent to the login page (LOGIN), public pages are 200.
POST-only endpoints answer a GET with 405 for everyone who gets that far.
"""

import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from yima.core.testing import PERSONAS

pytestmark = pytest.mark.django_db

# Patterns left out, and why.
SKIPPED_PREFIXES = {
    "admin/": "Django's admin has its own staff/superuser gate and its own tests upstream",
    "i18n/": "Django's set_language view: no data, a POST redirect for anyone",
    "^media/": "DEBUG-only static file serving of public media; not mounted in production",
    "^static/": "DEBUG-only static file serving",
}

LOGIN = "login"  # 302 to the login page
COLUMNS = ("public", "stranger", "regulator", "county_regulator", "operator", "other_operator")
assert set(PERSONAS) | {"stranger"} == set(COLUMNS)

# The objects behind path parameters all belong to facility_a (南昌县, contractor A): the
# regulator and county_regulator see it, operator holds it, other_operator and stranger do not.
# The case is assigned to the operator. The import job and label print job were requested by
# county_regulator and are shown to the requester only; the print job has not run, so its
# download is 404 for everyone. The API answers anonymous callers 401 (token or session needed)
# and staff without an organisation 403; Open311 and the public scan/case pages are open.
# fmt: off
EXPECTED = {
    # URL name                            public stranger regul county operator other_op
    "<unnamed api/v1/^(?P<rest>.*)$>":      (404  , 404  , 404  , 404  , 404  , 404),
    "accounts:login":                       (200  , 302  , 302  , 302  , 302  , 302),
    "accounts:history":                     (LOGIN, 200  , 200  , 200  , 200  , 200),
    "assessment:card":                      (LOGIN, 403  , 200  , 200  , 200  , 404),
    "assessment:evidence":                  (LOGIN, 403  , 200  , 200  , 200  , 404),
    "assessment:export":                    (LOGIN, 403  , 200  , 200  , 200  , 200),
    "assessment:list":                      (LOGIN, 403  , 200  , 200  , 200  , 200),
    "assessment:publish":                   (405  , 405  , 405  , 405  , 405  , 405),
    "assessment:weights":                   (LOGIN, 403  , 200  , 403  , 403  , 403),
    "accounts:logout":                      (405  , 405  , 405  , 405  , 405  , 405),
    "api-v1:act_on_case":                   (405  , 405  , 405  , 405  , 405  , 405),
    "api-v1:api-root":                      (404  , 404  , 404  , 404  , 404  , 404),
    "api-v1:case_photo":                    (401  , 403  , 200  , 200  , 200  , 404),
    "api-v1:get_case":                      (401  , 403  , 200  , 200  , 200  , 404),
    "api-v1:get_facility":                  (401  , 403  , 200  , 200  , 200  , 404),
    "api-v1:get_inspection":                (401  , 403  , 200  , 200  , 200  , 404),
    "api-v1:get_sample":                    (401  , 403  , 200  , 200  , 200  , 404),
    "api-v1:get_work_order":                (401  , 403  , 200  , 200  , 200  , 404),
    "api-v1:list_cases":                    (401  , 403  , 200  , 200  , 200  , 200),
    "api-v1:list_facilities":               (401  , 403  , 200  , 200  , 200  , 200),
    "api-v1:list_inspections":              (401  , 403  , 200  , 200  , 200  , 200),
    "api-v1:list_samples":                  (401  , 403  , 200  , 200  , 200  , 200),
    "api-v1:list_work_orders":              (401  , 403  , 200  , 200  , 200  , 200),
    "api-v1:openapi-json":                  (200  , 200  , 200  , 200  , 200  , 200),
    "api-v1:openapi-view":                  (200  , 200  , 200  , 200  , 200  , 200),
    "api-v1:whoami":                        (401  , 200  , 200  , 200  , 200  , 200),
    "cases:act":                            (LOGIN, 405  , 405  , 405  , 405  , 405),
    "cases:detail":                         (LOGIN, 404  , 200  , 200  , 200  , 404),
    "cases:evaluate":                       (405  , 405  , 405  , 405  , 405  , 405),
    "cases:follow":                         (200  , 200  , 200  , 200  , 200  , 200),
    "cases:list":                           (LOGIN, 403  , 200  , 200  , 200  , 200),
    "cases:new":                            (200  , 200  , 200  , 200  , 200  , 200),
    "cases:overdue":                        (LOGIN, 403  , 200  , 200  , 200  , 200),
    "cases:photo":                          (LOGIN, 404  , 200  , 200  , 200  , 404),
    "cases:public":                         (200  , 200  , 200  , 200  , 200  , 200),
    "core:home":                            (200  , 200  , 200  , 200  , 200  , 200),
    "dashboard:actions":                    (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:evidence":                   (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:export_actions":             (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:export_breakdown":           (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:export_evidence":            (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:home":                       (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:map_counties":               (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:map_points":                 (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:report_pdf":                 (LOGIN, 403  , 200  , 200  , 200  , 200),
    "dashboard:report_xlsx":                (LOGIN, 403  , 200  , 200  , 200  , 200),
    "facilities:create":                    (LOGIN, 403  , 200  , 200  , 403  , 403),
    "facilities:delete":                    (LOGIN, 404  , 200  , 200  , 403  , 404),
    "facilities:detail":                    (LOGIN, 404  , 200  , 200  , 200  , 404),
    "facilities:edit":                      (LOGIN, 404  , 200  , 200  , 403  , 404),
    "facilities:export":                    (LOGIN, 403  , 200  , 200  , 200  , 200),
    "facilities:filter_towns":              (LOGIN, 403  , 200  , 200  , 200  , 200),
    "facilities:import":                    (LOGIN, 403  , 200  , 200  , 403  , 403),
    "facilities:import_job":                (LOGIN, 404  , 404  , 200  , 404  , 404),
    "facilities:import_job_apply":          (LOGIN, 405  , 405  , 405  , 405  , 405),
    "facilities:list":                      (LOGIN, 403  , 200  , 200  , 200  , 200),
    "facilities:status":                    (LOGIN, 404  , 200  , 200  , 403  , 404),
    "facilities:town_options":              (LOGIN, 403  , 200  , 200  , 403  , 403),
    "facilities:village_options":           (LOGIN, 403  , 200  , 200  , 403  , 403),
    "open311:discovery":                    (200  , 200  , 200  , 200  , 200  , 200),
    "open311:request":                      (200  , 200  , 200  , 200  , 200  , 200),
    "open311:requests":                     (200  , 200  , 200  , 200  , 200  , 200),
    "open311:service":                      (200  , 200  , 200  , 200  , 200  , 200),
    "open311:services":                     (200  , 200  , 200  , 200  , 200  , 200),
    "operations:facility":                  (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:inspect":                   (LOGIN, 404  , 403  , 403  , 200  , 404),
    "operations:inspection":                (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:overdue":                   (LOGIN, 403  , 200  , 200  , 200  , 200),
    "operations:photo":                     (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:record_sample":             (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:sample":                    (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:service_worker":            (200  , 200  , 200  , 200  , 200  , 200),
    "operations:sync_token":                (LOGIN, 200  , 200  , 200  , 200  , 200),
    "operations:work_order":                (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:work_order_new":            (LOGIN, 404  , 200  , 200  , 200  , 404),
    "operations:work_order_step":           (LOGIN, 405  , 405  , 405  , 405  , 405),
    "operations:work_orders":               (LOGIN, 403  , 200  , 200  , 200  , 200),
    "scan:facility":                        (200  , 200  , 200  , 200  , 200  , 200),
    "scan:job":                             (LOGIN, 404  , 404  , 200  , 404  , 404),
    "scan:job_download":                    (LOGIN, 404  , 404  , 404  , 404  , 404),
    "scan:job_progress":                    (LOGIN, 404  , 404  , 200  , 404  , 404),
    "scan:label":                           (200  , 200  , 200  , 200  , 200  , 200),
    "scan:labels":                          (LOGIN, 403  , 200  , 200  , 200  , 200),
    "scan:labels_print":                    (LOGIN, 405  , 405  , 405  , 405  , 405),
    "scan:lookup":                          (200  , 200  , 200  , 200  , 200  , 200),
    "scan:not_found":                       (404  , 404  , 404  , 404  , 404  , 404),
    "scan:qr_png":                          (LOGIN, 404  , 200  , 200  , 200  , 404),
    "scan:qr_svg":                          (LOGIN, 404  , 200  , 200  , 200  , 404),
    "scan:reissue":                         (LOGIN, 405  , 405  , 405  , 405  , 405),
    "scan:sign_pdf":                        (LOGIN, 404  , 200  , 200  , 200  , 404),
}
# fmt: on


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            if p.name:
                key = f"{namespace}:{p.name}" if namespace else p.name
            else:
                key = f"<unnamed {route}>"
            yield key, route


def discovered_patterns() -> dict[str, str]:
    """URL name -> route, for every pattern not skipped."""
    found = {}
    for key, route in _walk(get_resolver().url_patterns):
        if not any(route.startswith(prefix) for prefix in SKIPPED_PREFIXES):
            found[key] = route
    return found


@pytest.fixture
def objects(world, settings, tmp_path):
    """One of each thing a URL can name, all about facility_a, made through the services."""
    from yima.cases.models import CaseType
    from yima.cases.photos import clean_photo
    from yima.cases.services import case_assign, case_submit
    from yima.facilities.models import Facility
    from yima.facilities.tasks import import_job_start
    from yima.operations.choices import WorkOrderSource
    from yima.operations.photos import process_photo
    from yima.operations.services import inspection_record, sample_record, work_order_open
    from yima.scan.services import label_issue, label_job_request

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "cases"
    facility = world.facility_a
    finished = timezone.now() - timedelta(hours=1)
    label = label_issue(facility=facility, actor=world.admin, reason="matrix")
    inspection, _ = inspection_record(
        facility=facility,
        actor=world.operator,
        client_id=uuid.uuid4(),
        answers={},
        started_at=finished - timedelta(minutes=20),
        finished_at=finished,
        photos=[process_photo(_jpeg_upload())],
    )
    sample, _ = sample_record(
        facility=facility,
        actor=world.regulator,
        client_id=uuid.uuid4(),
        lab="南昌市环境监测站",
        sampled_at=finished,
        values={"cod": Decimal("45"), "ph": Decimal("7.2")},
    )
    work_order = work_order_open(
        facility=facility,
        actor=world.regulator,
        source=WorkOrderSource.REGULATOR,
        description="风机异响，请检修。",
    )
    case = case_submit(
        case_type=CaseType.objects.get(code="overflow"),
        facility=facility,
        description="井盖旁边有污水冒出来，已经两天了。",
        reporter_phone="13812345678",
        photos=[clean_photo(_jpeg_upload())],
    )
    case = case_assign(case=case, actor=world.county_regulator)
    label_job = label_job_request(
        user=world.county_regulator,
        facilities=Facility.objects.filter(pk=facility.pk),
        layout=_first_layout(),
        description="matrix",
    )
    import_job = import_job_start(
        actor=world.county_regulator,
        file=ContentFile(b"not read: the job is never run here", name="ledger.xlsx"),
        original_name="ledger.xlsx",
        dry_run=True,
    )
    return {
        "facility": facility,
        "label": label,
        "inspection": inspection,
        "inspection_photo": inspection.photos.first(),
        "sample": sample,
        "work_order": work_order,
        "case": case,
        "case_photo": case.photos.first(),
        "label_job": label_job,
        "import_job": import_job,
    }


def _first_layout() -> str:
    from yima.scan.choices import Layout

    return Layout.values[0]


def _jpeg_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(buf, format="JPEG", quality=70)
    return SimpleUploadedFile("photo.jpg", buf.getvalue(), "image/jpeg")


def url_for(key: str, o: dict) -> str:
    """The URL to GET for a pattern, its parameters filled from `objects`."""
    from yima.scan.qr import label_path

    code = o["facility"].code
    tracking = o["case"].tracking
    special = {
        "<unnamed api/v1/^(?P<rest>.*)$>": "/api/v1/no-such-endpoint",
        "scan:label": label_path(code, o["label"].serial),
        "scan:not_found": f"/f/{code}/no/such/page/",
    }
    if key in special:
        return special[key]
    kwargs = {
        "code": code,
        "tracking": tracking,
        "job_id": o["label_job"].pk,
        "fmt": "json",
        "inspection_id": o["inspection"].pk,
        "sample_id": o["sample"].pk,
        "work_order_id": o["work_order"].pk,
        "photo_id": o["case_photo"].pk,
        "request_id": tracking,
        "action": "accept",
        "kind": "inspection",
    }
    by_key = {
        "facilities:import_job": {"pk": o["import_job"].pk},
        "facilities:import_job_apply": {"pk": o["import_job"].pk},
        "operations:inspection": {"pk": o["inspection"].pk},
        "operations:sample": {"pk": o["sample"].pk},
        "operations:photo": {"kind": "inspection", "pk": o["inspection_photo"].pk},
        "operations:work_order": {"pk": o["work_order"].pk},
        "operations:work_order_step": {"pk": o["work_order"].pk, "action": "start"},
        "open311:service": {"code": "overflow", "fmt": "json"},
        "assessment:card": {"org_id": o["facility"].contractor_id},
        "assessment:evidence": {"org_id": o["facility"].contractor_id, "item": "compliance"},
        "dashboard:actions": {"name": "overdue_inspections"},
        "dashboard:evidence": {"figure": "operating", "part": "all"},
        "dashboard:export_actions": {"name": "overdue_inspections"},
        "dashboard:export_evidence": {"figure": "operating", "part": "all"},
        "dashboard:report_pdf": {"period": f"{timezone.localdate():%Y-%m}"},
        "dashboard:report_xlsx": {"period": f"{timezone.localdate():%Y-%m}"},
    }
    route = discovered_patterns()[key]
    if key in by_key:
        return reverse(key, kwargs=by_key[key])
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    needed = {a or b for a, b in names}
    return reverse(key, kwargs={name: kwargs[name] for name in needed})


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted(set(discovered_patterns()) - set(EXPECTED))
    assert not missing, (
        "These URL patterns are not in the permission matrix. Add a row for each to EXPECTED in "
        f"{__file__} with the status every persona should get: {missing}"
    )


def test_matrix_has_no_stale_rows():
    stale = sorted(set(EXPECTED) - set(discovered_patterns()))
    assert not stale, f"EXPECTED lists URL names that no longer exist: {stale}"


def test_each_persona_gets_the_expected_status(world, objects, client_for):
    clients = {persona: client_for(persona) for persona in COLUMNS}
    problems = []
    actual_rows = {}
    for key in sorted(discovered_patterns()):
        url = url_for(key, objects)
        row = []
        for persona in COLUMNS:
            response = clients[persona].get(url)
            got = response.status_code
            if got == 302 and "/accounts/login/" in response.get("Location", ""):
                got = LOGIN
            row.append(got)
        actual_rows[key] = tuple(row)
        if key in EXPECTED and tuple(row) != EXPECTED[key]:
            problems.append(f"{key} ({url}): expected {EXPECTED[key]}, got {tuple(row)}")
    assert not problems, "\n".join(problems)


def test_user_without_organisation_is_refused_the_work_lists(objects, client_for):
    """The work-order and overdue lists are for bureau and contractor staff: a logged-in user
    with no organisation gets 403 with a message and sees none of the work; the operator does."""
    client = client_for("stranger")
    for name in ("operations:work_orders", "operations:overdue"):
        response = client.get(reverse(name))
        body = response.content.decode()
        assert response.status_code == 403
        assert objects["work_order"].description not in body
        assert objects["facility"].name not in body
    assert objects["work_order"].description in (
        client_for("operator").get(reverse("operations:work_orders")).content.decode()
    )
