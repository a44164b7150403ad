"""The scan page with real data: the running state, last inspection and latest water sample from
field operations (yima.operations), and the public reports about the facility (yima.cases).
What each face shows of them, what the public face never shows, its query budget and its
cache following every inspection, sample and report."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yima.cases import services as cases
from yima.cases.models import CaseType
from yima.facilities.services import facility_change_status, facility_update
from yima.operations import services as ops
from yima.operations.models import ChecklistItem
from yima.scan.qr import label_path
from yima.scan.services import label_issue

GOOD_WATER = {"ph": Decimal("7.1"), "cod": Decimal("42"), "nh3n": Decimal("3.2")}
BAD_WATER = {"ph": Decimal("7.1"), "cod": Decimal("180"), "nh3n": Decimal("3.2")}


def page(client, facility, query=""):
    return client.get(f"/f/{facility.code}/{query}")


def inspect(world, *, ok=True, days_ago=0, on_site=True, notes="", facility=None):
    """An inspection by the operator; `ok=False` fails the first checklist item."""
    facility = facility or world.facility_a
    keys = [item.key for item in ChecklistItem.objects.filter(template__process="")]
    finished = timezone.now() - timedelta(days=days_ago)
    position = {}
    if on_site:
        position = {
            "coord_system": "wgs84",
            "latitude": facility.latitude,
            "longitude": facility.longitude,
            "accuracy_m": Decimal("8"),
        }
    inspection, _ = ops.inspection_record(
        facility=facility,
        actor=world.operator,
        client_id=uuid.uuid4(),
        answers={key: ok or index > 0 for index, key in enumerate(keys)},
        started_at=finished - timedelta(minutes=20),
        finished_at=finished,
        notes=notes,
        **position,
    )
    return inspection


def sample(world, values, *, days_ago=1, facility=None):
    result, _ = ops.sample_record(
        facility=facility or world.facility_a,
        actor=world.operator,
        client_id=uuid.uuid4(),
        lab="南昌环境监测站",
        sampled_at=timezone.now() - timedelta(days=days_ago),
        values=values,
        notes="内部：采样瓶编号 B-17",
    )
    return result


def report(world, *, facility=None, code="overflow", phone="13812345678"):
    return cases.case_submit(
        case_type=CaseType.objects.get(code=code),
        facility=facility or world.facility_a,
        description="井盖旁边有污水冒出来，已经两天了。",
        reporter_phone=phone,
    )


@pytest.fixture
def gb_facility(world):
    """Facility A held to GB 18918-2002 grade 1B, whose limits ship with the seed data."""
    facility_update(
        facility=world.facility_a, actor=world.admin, standard="GB18918-2002", reason="按国标考核"
    )
    world.facility_a.refresh_from_db()
    return world.facility_a


# --- The public face ---


def test_public_face_says_running_normally_and_when_it_was_last_inspected(client, world):
    inspect(world, days_ago=3)
    html = page(client, world.facility_a).content.decode()
    assert "运行正常" in html
    assert (timezone.localdate() - timedelta(days=3)).isoformat() in html
    assert "尚无巡检记录" not in html


def test_public_face_says_a_problem_was_found_at_the_last_inspection(client, world):
    inspect(world, days_ago=5)
    inspect(world, ok=False, days_ago=1)
    html = page(client, world.facility_a).content.decode()
    assert "发现异常" in html and "运维单位须及时处理" in html
    assert "运行正常" not in html


def test_public_face_of_a_suspended_facility_does_not_claim_it_runs(client, world):
    inspect(world, days_ago=2)
    facility_change_status(
        facility=world.facility_a, actor=world.admin, to_status="suspended", reason="检修"
    )
    html = page(client, world.facility_a).content.decode()
    assert "未在运行" in html and "运行正常" not in html


@pytest.mark.parametrize(
    ("values", "verdict", "not_shown"),
    [(GOOD_WATER, "达标", "未达标"), (BAD_WATER, "未达标", ">达标<")],
)
def test_public_face_says_whether_the_latest_sample_met_the_standard(
    client, world, gb_facility, values, verdict, not_shown
):
    sample(world, BAD_WATER if values is GOOD_WATER else GOOD_WATER, days_ago=30)
    sample(world, values, days_ago=2)
    html = page(client, world.facility_a).content.decode()
    assert f">{verdict}<" in html
    assert not_shown not in html
    assert (timezone.localdate() - timedelta(days=2)).isoformat() in html


def test_public_face_says_a_sample_cannot_be_assessed_without_the_grades_limits(client, world):
    # Facility A is held to DB36/1102-2019, whose limit values are not loaded.
    sample(world, BAD_WATER)
    html = page(client, world.facility_a).content.decode()
    assert "暂无法判定" in html and "限值尚未录入" in html
    assert ">达标<" not in html and ">未达标<" not in html


def test_public_face_offers_to_report_a_problem_about_this_facility(client, world):
    html = page(client, world.facility_a).content.decode()
    assert f'href="/cases/new/?facility={world.facility_a.code}"' in html
    assert "我要反映问题" in html
    assert "尚未开通" not in html, "the placeholder is gone"
    chooser = client.get(f"/cases/new/?facility={world.facility_a.code}")
    assert chooser.status_code == 200 and world.facility_a.name in chooser.content.decode()


def test_public_face_follows_a_report_by_its_tracking_number(client, world):
    case = report(world)
    html = page(client, world.facility_a).content.decode()
    assert '<form method="get" action="/cases/follow/"' in html
    assert 'name="number"' in html
    response = client.get("/cases/follow/", {"number": case.display_tracking.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/t/{case.tracking}/"


def test_public_face_lists_open_reports_so_nobody_reports_twice(client, world):
    open_case = report(world)
    closed = cases.case_accept(case=report(world, code="odour"), actor=world.county_regulator)
    cases.case_close(case=closed, actor=world.county_regulator, fixed=True)
    hidden = report(world, code="noise")
    cases.case_hide(case=hidden, actor=world.county_regulator, reason="恶意重复")
    html = page(client, world.facility_a).content.decode()
    assert "已有人反映，正在处理" in html
    assert f'href="/cases/t/{open_case.tracking}/"' in html
    assert open_case.case_type.name in html
    assert closed.tracking not in html and hidden.tracking not in html


def test_public_face_shows_nothing_private_of_inspections_samples_and_reports(client, world):
    world.operator.last_name, world.operator.first_name = "张", "伟"
    world.operator.save()
    inspect(world, ok=False, notes="内部：围栏钥匙在村委会")
    sample(world, GOOD_WATER)
    case = report(world, phone="13912345678")
    cases.case_assign(case=case, actor=world.county_regulator, internal_note="内部：该村已多次反映")
    html = page(client, world.facility_a).content.decode()
    for private in (
        "张伟",
        "operator",
        "county_regulator",
        "内部：围栏钥匙在村委会",
        "内部：采样瓶编号 B-17",
        "南昌环境监测站",
        "13912345678",
        "内部：该村已多次反映",
        "井盖旁边有污水冒出来",
    ):
        assert private not in html, private


def test_public_face_with_data_makes_at_most_four_queries_and_none_when_cached(
    client, world, django_assert_max_num_queries, django_assert_num_queries
):
    inspect(world)
    sample(world, GOOD_WATER)
    report(world)
    report(world, code="odour")
    label_issue(facility=world.facility_a, actor=world.admin)
    url = label_path(world.facility_a.code, 1)
    with django_assert_max_num_queries(4):
        first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert first.content == second.content
    html = second.content.decode()
    assert "运行正常" in html and "正版标识牌" in html and "已有人反映" in html


def test_public_face_with_data_still_weighs_under_60_kb(client, world):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    inspect(world)
    sample(world, GOOD_WATER)
    for code in ("overflow", "odour", "noise"):
        report(world, code=code)
    response = page(client, world.facility_a)
    css = Path(finders.find("scan/scan.css")).read_bytes()
    assert len(response.content) + len(css) < 60 * 1024
    assert "<script" not in response.content.decode()


# --- The cached public face follows inspections, samples and reports ---


def test_recording_an_inspection_refreshes_the_cached_public_face(
    client, world, django_capture_on_commit_callbacks
):
    assert "尚无巡检记录" in page(client, world.facility_a).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        inspect(world, ok=False)
    assert "发现异常" in page(client, world.facility_a).content.decode()


def test_recording_a_sample_refreshes_the_cached_public_face(
    client, world, gb_facility, django_capture_on_commit_callbacks
):
    assert "尚无水质检测记录" in page(client, world.facility_a).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sample(world, BAD_WATER)
    assert ">未达标<" in page(client, world.facility_a).content.decode()


def test_a_new_report_and_its_closing_refresh_the_cached_public_face(
    client, world, django_capture_on_commit_callbacks
):
    assert "已有人反映" not in page(client, world.facility_a).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
    assert f"/cases/t/{case.tracking}/" in page(client, world.facility_a).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_accept(case=case, actor=world.county_regulator)
        cases.case_close(case=case, actor=world.county_regulator, fixed=True)
    assert f"/cases/t/{case.tracking}/" not in page(client, world.facility_a).content.decode()


def test_a_report_about_another_facility_leaves_the_cached_face_alone(
    client, world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    page(client, world.facility_a)
    with django_capture_on_commit_callbacks(execute=True):
        report(world, facility=world.facility_b)
    with django_assert_num_queries(0):
        page(client, world.facility_a)


# --- The contractor's face ---


def test_contractor_face_links_to_the_forms_that_work_on_site(client_for, world):
    operator = client_for("operator")
    html = page(operator, world.facility_a).content.decode()
    code = world.facility_a.code
    for url in (
        f"/ops/f/{code}/inspect/",
        f"/ops/f/{code}/sample/",
        f"/ops/f/{code}/workorders/new/",
    ):
        assert f'href="{url}"' in html, url
        assert operator.get(url).status_code == 200, url
    assert f'href="/ops/f/{code}/"' in html, "the facility's full field record"


def test_contractor_face_offers_no_inspection_of_a_facility_out_of_service(client_for, world):
    facility_change_status(
        facility=world.facility_a, actor=world.admin, to_status="suspended", reason="检修"
    )
    html = page(client_for("operator"), world.facility_a).content.decode()
    assert f'href="/ops/f/{world.facility_a.code}/inspect/"' not in html
    assert "设施投入运行后才需要巡检" in html


def test_contractor_face_shows_recent_inspections_and_open_repair_orders(client_for, world):
    inspect(world, days_ago=4)
    inspect(world, ok=False, on_site=False, days_ago=1)
    order = ops.work_order_open(
        facility=world.facility_a,
        actor=world.operator,
        source="inspection",
        description="提升泵异响，需要更换轴承",
    )
    finished = ops.work_order_open(
        facility=world.facility_a, actor=world.operator, source="inspection", description="旧单"
    )
    ops.work_order_start(work_order=finished, actor=world.operator)
    ops.work_order_complete(work_order=finished, actor=world.operator, resolution="已处理")
    html = page(client_for("operator"), world.facility_a).content.decode()
    assert "近期巡检记录" in html
    assert html.count("您本人") == 2
    assert "未经现场核实" in html
    assert f'href="/ops/workorders/{order.pk}/"' in html and "提升泵异响" in html
    assert f'href="/ops/workorders/{finished.pk}/"' not in html, "only orders still owed"


def test_contractor_face_lists_the_reports_handed_to_them_only(client_for, world):
    mine = cases.case_assign(case=report(world), actor=world.county_regulator)
    waiting = report(world, code="odour")
    html = page(client_for("operator"), world.facility_a).content.decode()
    section = html.split('id="my-reports"')[1].split("</section>")[0]
    assert f'href="/cases/{mine.tracking}/"' in section
    assert waiting.tracking not in section
    assert "13812345678" not in html, "no reporter phones on the scan page"


def test_other_contractor_sees_no_repair_orders_or_reports_of_this_facility(client_for, world):
    ops.work_order_open(
        facility=world.facility_a, actor=world.operator, source="inspection", description="漏水"
    )
    report(world)
    html = page(client_for("other_operator"), world.facility_a).content.decode()
    assert "/ops/workorders/" not in html
    assert "未完成的维修工单" not in html and "交给您处理的群众反映" not in html


# --- The regulator's face ---


def test_regulator_face_shows_an_overdue_inspection_with_days_overdue(client_for, world):
    # 30 m³/d: inspected every 14 days (seeded policy); the last one was 20 days ago.
    inspect(world, days_ago=20)
    html = page(client_for("county_regulator"), world.facility_a).content.decode()
    due = (timezone.localdate() - timedelta(days=6)).isoformat()
    assert f"自 {due} 起逾期（6 天）" in html


def test_regulator_face_shows_the_next_due_date_when_on_schedule(client_for, world):
    inspect(world, days_ago=4)
    html = page(client_for("county_regulator"), world.facility_a).content.decode()
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert "按期" in html and f"下次巡检限 {due} 前" in html
    assert "已现场核实" in html


def test_regulator_face_flags_a_latest_inspection_not_verified_on_site(client_for, world):
    inspect(world, days_ago=3)
    inspect(world, on_site=False, days_ago=1)
    html = page(client_for("county_regulator"), world.facility_a).content.decode()
    assert "未经现场核实" in html.split('id="supervision"')[1]


def test_regulator_face_lists_open_reports_with_their_age_and_overdue_flag(client_for, world):
    old = report(world)
    new = report(world, code="odour")
    long_ago = timezone.now() - timedelta(days=40)
    type(old).objects.filter(pk=old.pk).update(
        submitted_at=long_ago, accept_due_at=long_ago, resolve_due_at=long_ago
    )
    html = page(client_for("county_regulator"), world.facility_a).content.decode()
    section = html.split('id="supervision"')[1].split("</section>")[0]
    assert f'href="/cases/{old.tracking}/"' in section
    assert f'href="/cases/{new.tracking}/"' in section
    assert "已历时 1\xa0月" in section or "已历时 1 月" in section
    assert section.count("逾期") == 1


def test_regulator_face_shows_the_latest_sample_and_links_to_it(client_for, world, gb_facility):
    result = sample(world, BAD_WATER)
    html = page(client_for("county_regulator"), world.facility_a).content.decode()
    assert f'href="/ops/samples/{result.pk}/"' in html and ">未达标<" in html


def test_regulator_face_links_to_editing_sampling_and_repairs(client_for, world):
    regulator = client_for("county_regulator")
    html = page(regulator, world.facility_a).content.decode()
    code = world.facility_a.code
    for url in (
        f"/ledger/{code}/edit/",
        f"/ops/f/{code}/sample/",
        f"/ops/f/{code}/workorders/new/",
    ):
        assert f'href="{url}"' in html, url
        assert regulator.get(url).status_code == 200, url
    assert f'href="/ops/f/{code}/inspect/"' not in html, "inspecting is the contractor's job"


@pytest.mark.parametrize("persona", ["operator", "county_regulator"])
def test_staff_faces_with_data_still_make_a_fixed_number_of_queries(
    client_for, world, persona, django_assert_max_num_queries
):
    for days_ago in (1, 5, 9):
        inspect(world, days_ago=days_ago)
    sample(world, GOOD_WATER)
    for code in ("overflow", "odour", "noise"):
        cases.case_assign(case=report(world, code=code), actor=world.county_regulator)
    for description in ("漏水", "异响"):
        ops.work_order_open(
            facility=world.facility_a,
            actor=world.operator,
            source="inspection",
            description=description,
        )
    client = client_for(persona)
    with django_assert_max_num_queries(12):
        response = page(client, world.facility_a)
    assert response.status_code == 200


def test_regulator_face_links_to_every_report_about_the_facility(client_for, world):
    closed = cases.case_accept(case=report(world), actor=world.county_regulator)
    cases.case_close(case=closed, actor=world.county_regulator, fixed=True)
    regulator = client_for("county_regulator")
    html = page(regulator, world.facility_a).content.decode()
    url = f"/cases/?q={world.facility_a.code}"
    assert f'href="{url}"' in html
    assert closed.display_tracking in regulator.get(url).content.decode()
