"""The dashboard's figures on a small dataset whose expected numbers were worked out by hand
from the definitions (docs/concepts.md, "Dashboard figures").

The dataset (registered 1 Oct 2026 10:00 Asia/Shanghai; "now" is 20 Nov 2026 10:00; the
period is November, so as_of = now):

  F1 南昌县 莲塘镇 罗家村  30 m³/d -> every 14 days  contractor A  GB18918 1B
     inspected 10 Oct (normal, flow 30), 17 Nov (normal, flow 24)
     chain: due 15 Oct answered by 10 Oct ✓; 24 Oct ✗; 7 Nov ✗; 21 Nov answered by 17 Nov ✓
  F2 进贤县 民和镇 李渡村  30 m³/d -> 14 days  contractor B  GB18918 1B
     inspected 5 Nov (abnormal, no flow)
     chain: 15 Oct ✗; 29 Oct ✗; 12 Nov answered by 5 Nov ✓; 19 Nov ✗ (after the latest: live)
  F3 南昌县 向塘镇 新塘村  120 m³/d -> every 7 days  contractor A  DB36 (no limits loaded)
     inspected 8 Nov (normal, flow 60)
     chain: 8, 15, 22, 29 Oct ✗; 5 Nov ✗; 12 Nov answered by 8 Nov ✓; 15 Nov ✗ (live)
  F4 南昌县 莲塘镇 罗家村  10 m³/d -> every 30 days  contractor B; never inspected
     chain: 31 Oct ✗ (live); 30 Nov not yet
  F5 南昌县 向塘镇 (no village)  contractor A; suspended from 5 Oct (before its first due)
  F6 进贤县 民和镇 李渡村  decommissioned on 2 Oct: not counted anywhere

Samples: F1 31 Oct 23:30 COD 70 ✗ (October, local time); F1 3 Nov COD 50 ✓; F2 1 Nov 00:30
COD 70 ✗ (November in local time, still 31 Oct in UTC); F3 6 Nov COD 50 (cannot be assessed).
Reports (problem type resolved within 10 days): C1 about F1 filed 25 Oct (due 4 Nov), resolved
2 Nov, rated 5; C2 about F2 filed 28 Oct (due 7 Nov), resolved 10 Nov (late), rated 3; C3 about
F3 filed 12 Nov (due 22 Nov), open.
"""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from freezegun import freeze_time

from yima.cases import services as cases
from yima.cases.models import CaseType
from yima.cases.tests.factories import file_case
from yima.core.testing import facility_fields, make_world
from yima.dashboard.selectors import (
    LoadRate,
    Period,
    Rate,
    action_lists,
    dashboard_breakdown,
    dashboard_figures,
    dashboard_scope,
    dashboard_trend,
    evidence,
    map_points,
    outstanding_inspection_dues,
)
from yima.dashboard.summary import summary_rebuild
from yima.facilities.services import facility_change_status, facility_register, facility_update
from yima.operations.services import sample_record
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 10, 1, 10, 0, tzinfo=CST)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CST)
NOV = Period.parse("2026-11")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


class Data:
    pass


def _sample(w, facility, when, cod):
    with freeze_time(when + timedelta(hours=1)):
        sample_record(
            facility=facility,
            actor=w.regulator,
            client_id=uuid.uuid4(),
            lab="南昌市环境监测站",
            sampled_at=when,
            values={"cod": Decimal(cod)},
        )


def _inspect(w, facility, actor, when, *, ok=True, flow=None):
    with freeze_time(when):
        return make_inspection(
            w, facility=facility, actor=actor, finished_at=when, ok=ok, flow_m3d=flow
        )


@pytest.fixture
def d(db):
    d = Data()
    with freeze_time(T0):
        w = d.w = make_world()
        gb = {"standard": "GB18918-2002", "grade": "1B"}
        d.f1 = facility_update(facility=w.facility_a, actor=w.admin, reason="国标", **gb)
        d.f2 = facility_update(facility=w.facility_b, actor=w.admin, reason="国标", **gb)
        d.f3 = facility_register(
            actor=w.admin,
            **facility_fields(
                w.nanchang_county,
                w.xiangtang,
                w.village_b,
                contractor=w.contractor_a,
                capacity_m3d=Decimal("120"),
            ),
        )
        d.f4 = facility_register(
            actor=w.admin,
            **facility_fields(
                w.nanchang_county,
                w.liantang,
                w.village_a,
                contractor=w.contractor_b,
                capacity_m3d=Decimal("10"),
            ),
        )
        d.f5 = facility_register(
            actor=w.admin,
            **facility_fields(w.nanchang_county, w.xiangtang, None, contractor=w.contractor_a),
        )
        d.f6 = facility_register(
            actor=w.admin,
            **facility_fields(w.jinxian, w.jinxian_town, w.village_c, contractor=w.contractor_b),
        )
    with freeze_time(at(10, 2)):
        facility_change_status(
            facility=d.f6, actor=w.admin, to_status="decommissioned", reason="拆除"
        )
    with freeze_time(at(10, 5)):
        facility_change_status(
            facility=d.f5,
            actor=w.admin,
            to_status="suspended",
            reason="管网改造",
            effective_on=date(2026, 10, 5),
        )
    _inspect(w, d.f1, w.operator, at(10, 10), flow=Decimal("30"))
    _inspect(w, d.f1, w.operator, at(11, 17), flow=Decimal("24"))
    _inspect(w, d.f2, w.other_operator, at(11, 5), ok=False)
    _inspect(w, d.f3, w.operator, at(11, 8), flow=Decimal("60"))

    _sample(w, d.f1, at(10, 31, 23, 30), "70")
    _sample(w, d.f1, at(11, 3), "50")
    _sample(w, d.f2, at(11, 1, 0, 30), "70")
    _sample(w, d.f3, at(11, 6), "50")

    CaseType.objects.filter(code="overflow").update(accept_days=2, resolve_days=10)
    with freeze_time(at(10, 25)):
        d.c1 = cases.case_assign(case=file_case(w, facility=d.f1), actor=w.regulator)
    with freeze_time(at(10, 28)):
        d.c2 = cases.case_assign(case=file_case(w, facility=d.f2), actor=w.regulator)
    with freeze_time(at(11, 2)):
        cases.case_resolve(case=d.c1, actor=w.operator, public_note="已疏通")
    with freeze_time(at(11, 3)):
        cases.case_evaluate(case=d.c1, rating=5, fixed=True, filed_in_session=True)
    with freeze_time(at(11, 10)):
        cases.case_resolve(case=d.c2, actor=w.other_operator, public_note="已维修")
    with freeze_time(at(11, 11)):
        cases.case_evaluate(case=d.c2, rating=3, fixed=True, filed_in_session=True)
    with freeze_time(at(11, 12)):
        d.c3 = file_case(w, facility=d.f3)
    summary_rebuild(now=NOW)
    return d


def figures(d, user, region=None, period=NOV, **kw):
    return dashboard_figures(user=user, region=region, period=period, now=NOW, **kw)


def test_city_regulator_figures_for_november(d):
    f = figures(d, d.w.regulator)
    # F1-F5 (F6 decommissioned); towns 莲塘, 向塘, 民和; villages 罗家, 新塘, 李渡; F5 suspended.
    assert (f.facilities, f.towns, f.villages, f.in_service) == (5, 3, 3, 4)
    # operating: F1 normal 3 days ago (14) ✓; F2 abnormal ✗; F3 normal 12 days ago (7) ✗;
    # F4 never inspected ✗ -> 1/4
    assert f.operating == Rate(1, 4)
    # samples in November: F1 3 Nov ✓, F2 1 Nov 00:30 ✗; F3 cannot be assessed
    assert (f.compliance, f.samples_unassessed) == (Rate(1, 2), 1)
    # dues in [1 Nov, 20 Nov 10:00): F1 7 Nov ✗; F2 12 Nov ✓, 19 Nov ✗; F3 5 Nov ✗, 12 Nov ✓,
    # 15 Nov ✗; F4 none -> 2/6
    assert f.inspections_on_time == Rate(2, 6)
    # flow read in November: F1 24 (of 30), F3 60 (of 120) -> 84 / 150 = 56 %
    assert f.load == LoadRate(Decimal("84"), Decimal("150"), 2)
    assert f.load.percent == 56.0
    # reports due in November: C1 on time, C2 late (C3 not yet due) -> 1/2; ratings 5, 3 -> 1/2
    assert (f.resolution_on_time, f.satisfaction) == (Rate(1, 2), Rate(1, 2))
    assert (f.reports_opened, f.reports_resolved) == (1, 2)  # C3; C1 and C2


def test_county_regulator_sees_only_nanchang_county(d):
    f = figures(d, d.w.county_regulator)
    # F1, F3, F4, F5; towns 莲塘, 向塘; villages 罗家, 新塘; in service F1, F3, F4
    assert (f.facilities, f.towns, f.villages, f.in_service) == (4, 2, 2, 3)
    assert f.operating == Rate(1, 3)  # F1
    assert (f.compliance, f.samples_unassessed) == (Rate(1, 1), 1)  # F1 ✓; F3 unassessed
    assert f.inspections_on_time == Rate(1, 4)  # F1 7 Nov ✗; F3 5 ✗, 12 ✓, 15 ✗
    assert (f.resolution_on_time, f.satisfaction) == (Rate(1, 1), Rate(1, 1))  # C1
    assert (f.reports_opened, f.reports_resolved) == (1, 1)  # C3; C1


def test_contractor_sees_only_its_facilities(d):
    f = figures(d, d.w.operator)  # contractor A: F1, F3, F5
    assert (f.facilities, f.in_service) == (3, 2)
    assert f.operating == Rate(1, 2)
    assert f.inspections_on_time == Rate(1, 4)


def test_contractor_filter_limits_facilities_and_dues(d):
    f = figures(d, d.w.regulator, contractor=d.w.contractor_b)  # F2, F4
    assert (f.facilities, f.in_service, f.operating) == (2, 2, Rate(0, 2))
    assert f.inspections_on_time == Rate(1, 2)  # F2 12 Nov ✓, 19 Nov ✗
    assert f.compliance == Rate(0, 1)  # F2's 1 Nov sample
    assert f.load is None  # no flow recorded at F2 or F4
    assert (f.resolution_on_time, f.satisfaction) == (Rate(0, 1), Rate(0, 1))  # C2


def test_october_figures_look_back_to_the_end_of_the_month(d):
    f = figures(d, d.w.regulator, period=Period.parse("2026-10"))
    # as_of = 1 Nov: F1's latest (10 Oct, normal) is 22 days old > 14 ✗; others never or not
    # in the month -> 0/4
    assert f.operating == Rate(0, 4)
    # dues in October: F1 15 ✓, 24 ✗; F2 15 ✗, 29 ✗; F3 8, 15, 22, 29 ✗; F4 31 ✗ -> 1/9
    assert f.inspections_on_time == Rate(1, 9)
    assert (f.compliance, f.samples_unassessed) == (Rate(0, 1), 0)  # F1 31 Oct 23:30 ✗
    assert f.load == LoadRate(Decimal("30"), Decimal("30"), 1)  # F1's 10 Oct reading
    assert f.load.percent == 100.0


def test_breakdown_by_county_then_town(d):
    rows = dashboard_breakdown(user=d.w.regulator, region=None, period=NOV, now=NOW)
    assert [r.region.name for r in rows] == ["南昌县", "进贤县"]
    ncx, jx = (r.figures for r in rows)
    assert (ncx.facilities, ncx.operating, ncx.inspections_on_time) == (4, Rate(1, 3), Rate(1, 4))
    assert (jx.facilities, jx.operating, jx.inspections_on_time) == (1, Rate(0, 1), Rate(1, 2))
    assert (ncx.resolution_on_time, jx.resolution_on_time) == (Rate(1, 1), Rate(0, 1))
    assert (ncx.satisfaction, jx.satisfaction) == (Rate(1, 1), Rate(0, 1))
    assert (ncx.compliance, jx.compliance) == (Rate(1, 1), Rate(0, 1))
    assert jx.load is None and ncx.load.percent == 56.0

    towns = dashboard_breakdown(user=d.w.regulator, region=d.w.nanchang_county, period=NOV, now=NOW)
    assert [r.region.name for r in towns] == ["莲塘镇", "向塘镇"]
    liantang, xiangtang = (r.figures for r in towns)
    # 莲塘: F1, F4 (both in service); F1 operating; F1's 7 Nov ✗; flow 24/30 = 80 %
    assert (liantang.facilities, liantang.in_service, liantang.operating) == (2, 2, Rate(1, 2))
    assert liantang.inspections_on_time == Rate(0, 1)
    assert liantang.load.percent == 80.0
    # 向塘: F3, F5 (suspended); F3 12 days since its 7-day interval ✗; 1/3; 60/120 = 50 %
    assert (xiangtang.facilities, xiangtang.in_service, xiangtang.operating) == (2, 1, Rate(0, 1))
    assert xiangtang.inspections_on_time == Rate(1, 3)
    assert xiangtang.load.percent == 50.0
    assert (liantang.resolution_on_time, xiangtang.resolution_on_time) == (Rate(1, 1), Rate(0, 0))


def test_breakdown_of_a_village_lists_its_facilities(d):
    rows = dashboard_breakdown(user=d.w.regulator, region=d.w.village_a, period=NOV, now=NOW)
    assert [r.facility for r in rows] == sorted([d.f1, d.f4], key=lambda f: f.code)
    by_facility = {r.facility: r.figures for r in rows}
    assert by_facility[d.f1].operating == Rate(1, 1)
    assert by_facility[d.f4].operating == Rate(0, 1)
    assert by_facility[d.f1].resolution_on_time == Rate(1, 1)


def test_trend_counts_each_month(d):
    points = dashboard_trend(user=d.w.regulator, region=None, period=NOV, months=3, now=NOW)
    assert [p.period.key for p in points] == ["2026-09", "2026-10", "2026-11"]
    sep, oct_, nov = points
    assert (sep.inspections_due, sep.inspections_done, sep.reports_opened) == (0, 0, 0)
    # October: dues 1/9 (see above); inspected F1 10 Oct; C1, C2 filed; sample 31 Oct 23:30
    assert (oct_.inspections_due, oct_.inspections_on_time, oct_.inspections_done) == (9, 1, 1)
    assert (oct_.reports_opened, oct_.reports_resolved) == (2, 0)
    assert (oct_.samples, oct_.samples_compliant) == (1, 0)
    # November: dues 2/6; inspected F1, F2, F3; C3 filed; C1, C2 resolved; 3 samples, 1 ✓,
    # 1 ✗, 1 that cannot be assessed (the rate is 1/2, as on the compliance tile)
    assert (nov.inspections_due, nov.inspections_on_time, nov.inspections_done) == (6, 2, 3)
    assert (nov.reports_opened, nov.reports_resolved) == (1, 2)
    assert (nov.samples, nov.samples_assessed, nov.samples_compliant) == (3, 2, 1)


def test_scope_of_a_region(d):
    w = d.w
    assert dashboard_scope(user=w.regulator, region_code=None) is None
    assert dashboard_scope(user=w.regulator, region_code="360124000000") == w.jinxian
    assert dashboard_scope(user=w.regulator, region_code="360124") == w.jinxian
    with pytest.raises(Http404):
        dashboard_scope(user=w.county_regulator, region_code="360124000000")  # 进贤县
    with pytest.raises(Http404):
        dashboard_scope(user=w.regulator, region_code="999999999999")
    with pytest.raises(Http404):
        dashboard_scope(user=w.stranger, region_code="360121000000")
    assert dashboard_scope(user=w.county_regulator, region_code="360121100000") == w.liantang


def test_action_lists(d):
    lists = action_lists(user=d.w.regulator, region=None, now=NOW)
    # due: F4 31 Oct, F3 15 Nov, F2 19 Nov (F1 due 1 Dec, F5 suspended)
    assert list(lists.overdue_inspections) == [d.f4, d.f3, d.f2]
    assert lists.overdue_inspections[0].due_at == at(10, 31)
    # F2 abnormal since 5 Nov: 15 days > 7
    assert [(f, f.abnormal_since) for f in lists.abnormal] == [(d.f2, at(11, 5))]
    # latest samples: F1 ✓ (its October one no longer counts), F2 ✗, F3 unassessed
    assert [s.facility for s in lists.samples_over_limit] == [d.f2]
    # C3 (filed 12 Nov, to be accepted within 2 days) was never accepted: overdue since 14 Nov
    assert list(lists.overdue_reports) == [d.c3]
    earlier = action_lists(user=d.w.regulator, region=None, now=at(11, 13))
    assert list(earlier.overdue_reports) == []


def test_map_points_state(d):
    points = {
        p["code"]: p["state"] for p in map_points(user=d.w.regulator, region=None, now=NOW).points
    }
    assert points == {
        d.f1.code: "normal",
        d.f2.code: "abnormal",
        d.f3.code: "overdue",
        d.f4.code: "overdue",
        d.f5.code: "inactive",
        d.f6.code: "inactive",
    }


def test_evidence_lists_what_lies_behind_each_figure(d):
    w = d.w

    def ev(figure, part):
        return list(
            evidence(user=w.regulator, region=None, period=NOV, figure=figure, part=part, now=NOW)
        )

    assert set(ev("operating", "met")) == {d.f1}
    assert set(ev("operating", "unmet")) == {d.f2, d.f3, d.f4}
    assert set(ev("in_service", "unmet")) == {d.f5}
    assert [s.facility for s in ev("compliance", "unmet")] == [d.f2]
    stored = ev("inspections_on_time", "all")
    outstanding = outstanding_inspection_dues(user=w.regulator, region=None, period=NOV, now=NOW)
    # 6 dues in all: 4 stored (F1 7 Nov, F2 12 Nov, F3 5 and 12 Nov), 2 after the latest
    # inspection (F3 15 Nov, F2 19 Nov)
    assert len(stored) == 4 and sum(due.on_time for due in stored) == 2
    assert [(o.facility, o.due_at) for o in outstanding] == [
        (d.f3, at(11, 15)),
        (d.f2, at(11, 19)),
    ]
    assert ev("resolution_on_time", "unmet") == [d.c2]
    assert [e.rating for e in ev("satisfaction", "met")] == [5]
    assert {i.facility for i in ev("load", "all")} == {d.f1, d.f3}
    with pytest.raises(ValueError):
        ev("happiness", "all")


def test_load_rate_is_none_without_flow_readings(d):
    f = figures(d, d.w.regulator, period=Period.parse("2026-09"))
    assert f.load is None
    assert LoadRate(Decimal("0"), Decimal("0"), 0).percent is None


def test_map_points_limited_keep_those_needing_attention_first(d):
    """Six placed facilities, a limit of three: the abnormal one, then the two overdue (by
    code); the total still says six. Within the limit: every one, by code."""
    found = map_points(user=d.w.regulator, region=None, now=NOW, limit=3)
    assert [(p["code"], p["state"]) for p in found.points] == [
        (d.f2.code, "abnormal"),
        *sorted([(d.f3.code, "overdue"), (d.f4.code, "overdue")]),
    ]
    assert found.total == 6
    everything = map_points(user=d.w.regulator, region=None, now=NOW, limit=6)
    assert everything.total == 6
    assert [p["code"] for p in everything.points][-1] == d.f1.code  # normal comes last
