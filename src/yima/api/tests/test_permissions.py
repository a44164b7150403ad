"""Every REST endpoint against every persona, in one table: who gets in (200), who is told the
thing does not exist for them (404), who is refused (403) and who must sign in first (401).

All records concern facility_a (南昌县, contractor A); its report is handed to contractor A.
"""

import pytest

from yima.cases.photos import clean_photo
from yima.cases.tests.factories import jpeg_with_gps, photo_upload

from . import factories

PERSONAS = ("regulator", "county_regulator", "operator", "other_operator", "stranger", "public")

# Expected status per persona, in the order of PERSONAS.
LIST = (200, 200, 200, 200, 403, 401)
FACILITY_A = (200, 200, 200, 404, 403, 401)

ENDPOINTS = [
    ("GET", "/api/v1/me", (200, 200, 200, 200, 200, 401)),
    ("GET", "/api/v1/facilities", LIST),
    ("GET", "/api/v1/facilities/{facility}", FACILITY_A),
    ("GET", "/api/v1/inspections", LIST),
    ("GET", "/api/v1/inspections/{inspection}", FACILITY_A),
    ("GET", "/api/v1/samples", LIST),
    ("GET", "/api/v1/samples/{sample}", FACILITY_A),
    ("GET", "/api/v1/work-orders", LIST),
    ("GET", "/api/v1/work-orders/{work_order}", FACILITY_A),
    ("GET", "/api/v1/cases", LIST),
    ("GET", "/api/v1/cases/{case}", FACILITY_A),
    ("GET", "/api/v1/cases/{case}/photos/{photo}", FACILITY_A),
    # Urging is the regulator's step: the contractor handling the report sees it but may not.
    ("POST", "/api/v1/cases/{case}/actions/urge", (200, 200, 403, 404, 403, 401)),
    ("POST", "/api/v1/cases/{case}/actions/note", (200, 200, 200, 404, 403, 401)),
]


@pytest.fixture
def ids(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    case = factories.assigned_report(
        world, photos=[clean_photo(photo_upload(data=jpeg_with_gps((64, 48))))]
    )
    return {
        "facility": world.facility_a.display_code,
        "inspection": factories.inspection(world).pk,
        "sample": factories.sample(world).pk,
        "work_order": factories.work_order(world).pk,
        "case": case.display_tracking,
        "photo": case.photos.get().pk,
    }


@pytest.mark.parametrize(
    ("method", "path", "expected"), [pytest.param(*e, id=f"{e[0]} {e[1]}") for e in ENDPOINTS]
)
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_who_may_call_what(world, api_as, ids, method, path, expected, index):
    persona = PERSONAS[index]
    api = api_as(persona)
    url = path.format(**ids)

    if method == "GET":
        response = api.get(url)
    else:
        response = api.post(url, {"note": "请加快处理", "public_note": "已督办"})

    assert response.status_code == expected[index], (persona, url, response.content[:200])
    if response.status_code != 200:
        assert response.json()["code"] in ("not_authenticated", "forbidden", "not_found")
