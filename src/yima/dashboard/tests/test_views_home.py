"""/dashboard/: who may see it, what it shows for a small city written out by hand, drilling down
and back up, the period picker, and a query count that does not grow with the facilities.

The small city (March 2026, "now" = 31 March 10:00; every facility 30 m³/d, inspected every
14 days from its registration on 1 March 10:00):
- facility_a (南昌县 莲塘镇 罗家村, contractor A): inspected 11 March and 23 March, both normal
  (the second with a flow reading of 24 m³/d); a compliant sample on 13 March; a public report
  of 3 March, handed over and resolved on 7 March, rated 5 on 8 March.
- facility_b (进贤县 民和镇 李渡村, contractor B): inspected 6 March, abnormal; a sample over the
  limit on 9 March; a public report of 2 March nobody handled.
- facility_c (南昌县 向塘镇 新塘村, contractor A): never inspected.
Dues in [1 March, 31 March 10:00): a: 15 and 25 March, both answered on time; b: 15 March
(answered by the 6 March inspection) and 20 March (missed); c: 15 and 29 March (missed).
"""

import re
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from yima.core.testing import facility_fields, make_world
from yima.facilities.models import Facility

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=CST)
NOW = T0 + timedelta(days=30)  # 31 March 10:00
MARCH = "2026-03"
URL = "/dashboard/"


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def _inspect(clock, facility, actor, at, *, ok=True, flow=None):
    from yima.operations.services import inspection_record

    clock.move_to(at)
    with TestCase.captureOnCommitCallbacks(execute=True):
        inspection, _ = inspection_record(
            facility=facility,
            actor=actor,
            client_id=uuid.uuid4(),
            answers={},
            outcome="normal" if ok else "abnormal",
            started_at=at - timedelta(minutes=20),
            finished_at=at,
            flow_m3d=flow,
        )
    return inspection


def _sample(clock, facility, actor, at, cod):
    from yima.operations.services import sample_record

    clock.move_to(at)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sample, _ = sample_record(
            facility=facility,
            actor=actor,
            client_id=uuid.uuid4(),
            lab="南昌市环境监测站",
            sampled_at=at,
            values={"cod": Decimal(cod), "ph": Decimal("7.2")},
        )
    return sample


def _register(world, town, village, contractor, lon, lat, name=None):
    from yima.facilities.services import facility_register

    fields = facility_fields(
        world.nanchang_county if town.code.startswith("360121") else world.jinxian,
        town,
        village,
        contractor=contractor,
        longitude=Decimal(lon),
        latitude=Decimal(lat),
    )
    if name:
        fields["name"] = name
    fields["standard"] = "GB18918-2002"
    with TestCase.captureOnCommitCallbacks(execute=True):
        return facility_register(actor=world.admin, **fields)


def make_small_city(clock):
    """The world of core.testing plus facility_c and the March events above, made through the
    services with `clock` (a running freezegun freezer) moved to each event's time."""
    from yima.cases.models import CaseType
    from yima.cases.services import case_assign, case_evaluate, case_resolve, case_submit

    clock.move_to(T0)
    with TestCase.captureOnCommitCallbacks(execute=True):
        w = make_world()
    facility_c = _register(w, w.xiangtang, w.village_b, w.contractor_a, "115.990000", "28.420000")
    # Jiangxi's rural standard has no limit values loaded yet: judge samples by GB 18918 1B.
    Facility.objects.update(standard="GB18918-2002")
    for facility in (w.facility_a, w.facility_b):
        facility.refresh_from_db()
    a, b = w.facility_a, w.facility_b
    _inspect(clock, a, w.operator, day(10))
    _inspect(clock, a, w.operator, day(22), flow=Decimal("24"))
    _inspect(clock, b, w.other_operator, day(5), ok=False)
    sample_a = _sample(clock, a, w.regulator, day(12), "45")
    sample_b = _sample(clock, b, w.regulator, day(8), "200")
    overflow = CaseType.objects.get(code="overflow")
    clock.move_to(day(1))
    case_b = case_submit(case_type=overflow, facility=b, description="井盖旁有污水冒出来。")
    clock.move_to(day(2))
    case_a = case_submit(case_type=overflow, facility=a, description="设施旁边有污水外流。")
    clock.move_to(day(3))
    case_a = case_assign(case=case_a, actor=w.county_regulator)
    clock.move_to(day(6))
    case_a = case_resolve(case=case_a, actor=w.operator, public_note="已清理并检修。")
    clock.move_to(day(7))
    case_a = case_evaluate(case=case_a, rating=5, fixed=True, filed_in_session=True)
    clock.move_to(NOW)
    return SimpleNamespace(
        world=w,
        clock=clock,
        facility_c=facility_c,
        sample_a=sample_a,
        sample_b=sample_b,
        case_a=case_a,
        case_b=case_b,
    )


def load_urlconf() -> None:
    """Import every view (the API's pydantic schemas too) before the clock is frozen: pydantic
    cannot build a schema for freezegun's fake datetime class."""
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018
    resolver.resolve_error_handler(500)


@contextmanager
def small_city():
    """The small city, the clock left frozen at NOW until the block ends."""
    from django.core.cache import cache

    load_urlconf()
    cache.clear()  # the public-report rate limits count in the cache
    with freeze_time(T0) as clock:
        yield make_small_city(clock)


@pytest.fixture
def city(db):
    with small_city() as data:
        yield data


def client_for(city, persona):
    from django.test import Client

    client = Client()
    if persona != "public":
        client.force_login(getattr(city.world, persona))
    return client


def get(city, persona, url=URL, **params):
    return client_for(city, persona).get(url, params)


def text(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def tile(response, key: str) -> str:
    body = response.content.decode()
    match = re.search(
        rf'<article class="dash-tile[^"]*" id="tile-{key}">(.*?)</article>', body, re.S
    )
    assert match, f"no tile {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[1])).strip()


# --- Who may see it ---


def test_visitor_is_sent_to_the_login_page(city):
    response = get(city, "public")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


def test_user_without_an_organisation_is_refused(city):
    response = get(city, "stranger")
    assert response.status_code == 403
    assert city.world.facility_a.name not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "sees", "hidden"),
    [
        ("regulator", ("南昌县", "进贤县"), ()),
        ("county_regulator", ("南昌县",), ("进贤县",)),
        ("operator", ("南昌县",), ("进贤县",)),
        ("other_operator", ("进贤县",), ("南昌县", "莲塘镇")),
    ],
)
def test_each_persona_sees_their_own_scope(city, persona, sees, hidden):
    response = get(city, persona, period=MARCH)
    assert response.status_code == 200
    page = text(response)
    for name in sees:
        assert name in page
    for name in hidden:
        assert name not in page


def test_county_regulator_cannot_open_another_county(city):
    assert get(city, "county_regulator", region="360124000000").status_code == 404
    assert get(city, "operator", region="360124000000").status_code == 404
    assert get(city, "other_operator", region="360121100000").status_code == 404
    assert get(city, "regulator", region="360124000000").status_code == 200


def test_unknown_or_malformed_region_is_404(city):
    assert get(city, "regulator", region="999999000000").status_code == 404
    assert get(city, "regulator", region="<script>").status_code == 404


# --- The figures, written out by hand from the definitions ---


def test_city_figures_for_march(city):
    response = get(city, "regulator", period=MARCH)
    assert "3 个设施 / 3 个乡镇 / 3 个行政村" in tile(response, "facilities")
    assert "3 个在运" in tile(response, "facilities")
    assert tile(response, "operating").startswith("正常运行率 33.3% 1 / 3")  # only a
    assert tile(response, "compliance").startswith("出水达标率 50.0% 1 / 2")  # a yes, b no
    assert tile(response, "inspections_on_time").startswith("巡检及时率 50.0% 3 / 6")
    assert tile(response, "load").startswith("负荷率 80.0% 24.0 / 30.0 m³/d")  # a's reading
    assert tile(response, "resolution_on_time").startswith("按时办结率 50.0% 1 / 2")
    assert tile(response, "satisfaction").startswith("满意率 100.0% 1 / 1")


def test_county_regulator_figures_leave_the_other_county_out(city):
    response = get(city, "county_regulator", period=MARCH)
    assert "2 个设施 / 2 个乡镇 / 2 个行政村" in tile(response, "facilities")
    assert tile(response, "operating").startswith("正常运行率 50.0% 1 / 2")
    assert tile(response, "compliance").startswith("出水达标率 100.0% 1 / 1")
    assert tile(response, "inspections_on_time").startswith("巡检及时率 50.0% 2 / 4")
    assert tile(response, "resolution_on_time").startswith("按时办结率 100.0% 1 / 1")


def test_figures_match_the_selectors(city):
    """The page prints what yima.dashboard.selectors computes, numerator and denominator."""
    from yima.dashboard.selectors import Period, dashboard_figures

    figures = dashboard_figures(
        user=city.world.other_operator, region=None, period=Period.parse(MARCH)
    )
    response = get(city, "other_operator", period=MARCH)
    for key in ("operating", "compliance", "inspections_on_time", "resolution_on_time"):
        rate = getattr(figures, key)
        assert f" {rate.numerator} / {rate.denominator} " in f" {tile(response, key)} "


def test_a_period_with_nothing_shows_dashes_not_zero_percent(city):
    response = get(city, "regulator", period="2025-12")
    assert response.status_code == 200
    assert tile(response, "compliance").startswith("出水达标率 — 0 / 0")
    assert "本期没有流量记录" in tile(response, "load")


def test_each_figure_links_to_its_evidence(city):
    body = get(city, "regulator", period=MARCH).content.decode()
    for key in ("operating", "compliance", "inspections_on_time", "resolution_on_time"):
        for part in ("all", "met", "unmet"):
            assert f"/dashboard/evidence/{key}/{part}/?period=2026-03" in body
    assert "/dashboard/evidence/facilities/all/?period=2026-03" in body
    assert "/dashboard/evidence/load/all/?period=2026-03" in body


# --- Drill-down and breadcrumb ---


def _row_links(body: str) -> list[str]:
    table = re.search(r'<table class="compact dash-table">(.*?)</table>', body, re.S)[1]
    return re.findall(r'<th scope="row"><a href="([^"]+)"', table)


def test_drill_down_one_level_at_a_time_and_back(city):
    client = client_for(city, "regulator")
    top = client.get(URL, {"period": MARCH}).content.decode()
    counties = _row_links(top)
    assert counties == [
        "/dashboard/?region=360121000000&amp;period=2026-03",
        "/dashboard/?region=360124000000&amp;period=2026-03",
    ]
    county = client.get(counties[0].replace("&amp;", "&")).content.decode()
    towns = _row_links(county)
    assert towns == [
        "/dashboard/?region=360121100000&amp;period=2026-03",
        "/dashboard/?region=360121101000&amp;period=2026-03",
    ]
    town = client.get(towns[0].replace("&amp;", "&")).content.decode()
    villages = _row_links(town)
    assert villages == ["/dashboard/?region=360121100201&amp;period=2026-03"]
    village = client.get(villages[0].replace("&amp;", "&")).content.decode()
    facilities = _row_links(village)
    assert facilities == [f"/ledger/{city.world.facility_a.code}/"]
    assert client.get(facilities[0]).status_code == 200
    # Back up: the village page's breadcrumb links the town, the county and the whole scope.
    crumbs = re.search(r'<nav class="crumbs dash-crumbs".*?</nav>', village, re.S)[0]
    assert 'href="/dashboard/?period=2026-03"' in crumbs
    assert 'href="/dashboard/?region=360121000000&amp;period=2026-03">南昌县</a>' in crumbs
    assert 'href="/dashboard/?region=360121100000&amp;period=2026-03">莲塘镇</a>' in crumbs
    assert '<span aria-current="page">罗家村' in crumbs


def test_breakdown_rows_carry_their_own_figures(city):
    body = get(city, "regulator", period=MARCH).content.decode()
    table = re.search(r'<table class="compact dash-table">(.*?)</table>', body, re.S)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).split() for row in rows[1:]]
    # 南昌县: 2 facilities, 2 in service, operating 1/2, compliance 1/1, inspections 2/4.
    assert cells[0][:9] == ["南昌县", "2", "2", "50.0%", "1", "/", "2", "100.0%", "1"]
    # 进贤县: 1 facility, operating 0/1, compliance 0/1, inspections 1/2.
    assert cells[1][:11] == ["进贤县", "1", "1", "0.0%", "0", "/", "1", "0.0%", "0", "/", "1"]


# --- Needs action today ---


def _action(body: str, key: str) -> str:
    match = re.search(rf'id="action-{key}">(.*?)</article>', body, re.S)
    return re.sub(r"\s+", " ", match[1])


def test_action_lists_name_what_needs_doing(city):
    w = city.world
    body = get(city, "regulator", period=MARCH).content.decode()
    overdue = _action(body, "overdue_inspections")
    assert w.facility_b.name in overdue and city.facility_c.name in overdue
    assert w.facility_a.name not in overdue
    assert f"/ledger/{w.facility_b.code}/" in overdue
    assert "/dashboard/actions/overdue_inspections/" in overdue
    reports = _action(body, "overdue_reports")
    assert f"/cases/{city.case_b.tracking}/" in reports
    assert city.case_a.tracking not in reports
    abnormal = _action(body, "abnormal")
    assert w.facility_b.name in abnormal and w.facility_a.name not in abnormal
    samples = _action(body, "samples_over_limit")
    assert f"/ops/samples/{city.sample_b.pk}/" in samples
    assert f"/ops/samples/{city.sample_a.pk}/" not in samples


def test_action_lists_stay_in_scope(city):
    body = get(city, "county_regulator", period=MARCH).content.decode()
    assert city.world.facility_b.name not in body
    assert city.case_b.tracking not in body


def test_see_all_lists_every_item_with_links(city):
    response = get(city, "regulator", "/dashboard/actions/overdue_inspections/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/ledger/{city.world.facility_b.code}/" in page
    assert f"/ledger/{city.facility_c.code}/" in page
    assert get(city, "regulator", "/dashboard/actions/nonsense/").status_code == 404
    county = get(city, "county_regulator", "/dashboard/actions/overdue_inspections/")
    assert city.world.facility_b.name not in county.content.decode()


# --- The period picker ---


def test_period_picker_links_previous_next_and_kinds(city):
    body = get(city, "regulator", period="2026-02").content.decode()
    assert 'href="?period=2026-01" rel="prev"' in body
    assert 'href="?period=2026-03" rel="next"' in body
    assert 'href="?period=2026-Q1"' in body and 'href="?period=2026"' in body
    assert "2026年2月" in text(get(city, "regulator", period="2026-02"))


def test_no_next_link_into_the_future(city):
    body = get(city, "regulator", period=MARCH).content.decode()
    assert 'rel="next"' not in body
    assert 'aria-disabled="true"' in body


def test_quarter_and_year_periods(city):
    quarter = get(city, "regulator", period="2026-Q1")
    assert quarter.status_code == 200
    assert tile(quarter, "compliance").startswith("出水达标率 50.0% 1 / 2")
    assert get(city, "regulator", period="2026").status_code == 200


def test_bad_period_is_explained_not_a_500(city):
    response = get(city, "regulator", period="2026-13")
    assert response.status_code == 200
    page = text(response)
    assert "“2026-13”" in page
    assert "2026年3月" in page  # this month instead


def test_region_kept_in_period_links(city):
    body = get(city, "regulator", region="360121000000", period=MARCH).content.decode()
    assert 'href="?region=360121000000&amp;period=2026-02" rel="prev"' in body


# --- Map and trend data on the page (no inline code) ---


def test_page_carries_chart_and_map_data_without_inline_code(city):
    body = get(city, "regulator", period=MARCH).content.decode()
    assert 'id="dash-trend" type="application/json"' in body
    assert 'id="dash-map-config" type="application/json"' in body
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S)
    for attrs, _content in scripts:
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
    assert not re.search(r"\son[a-z]+=", body), "inline event handler"
    assert "cdn" not in body.lower()


def test_trend_table_lists_twelve_months(city):
    page = text(get(city, "regulator", period=MARCH))
    assert "2025年4月" in page and "2026年3月" in page


# --- Site navigation ---


def test_staff_nav_and_home_link_to_the_dashboard(city):
    home = client_for(city, "operator").get("/").content.decode()
    public = client_for(city, "public").get("/").content.decode()
    assert 'href="/dashboard/"' in home
    assert 'href="/dashboard/"' not in public


# --- Query count ---


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_facilities(city):
    w = city.world
    client = client_for(city, "regulator")
    few_top = _queries(client, period=MARCH)
    few_town = _queries(client, period=MARCH, region=w.liantang.code)
    few_village = _queries(client, period=MARCH, region=w.village_a.code)
    clock = city.clock
    for n in range(12):
        town, village = (w.liantang, w.village_a) if n % 2 else (w.xiangtang, w.village_b)
        clock.move_to(T0)
        facility = _register(
            w, town, village, w.contractor_a, "115.944000", "28.546000", name=f"加测站{n}"
        )
        _inspect(clock, facility, w.operator, day(3 + n), ok=n % 3 != 0)
        _sample(clock, facility, w.regulator, day(4 + n), "45" if n % 2 else "300")
    clock.move_to(NOW)
    assert _queries(client, period=MARCH) == few_top
    assert _queries(client, period=MARCH, region=w.liantang.code) == few_town
    assert _queries(client, period=MARCH, region=w.village_a.code) == few_village
