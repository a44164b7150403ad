"""The summary tables after an Excel import and after an inspection policy change.

The import writes the summary rows of its new facilities in its own transaction (never
inspected, never sampled: a cheap path) and announces the updated ones with `ledger_imported`
after commit; the dashboard then recomputes those whose schedule may have moved. Whatever path a
facility takes, the rows must equal what a full `summary_rebuild()` computes from scratch: the
dashboard must not drift.
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import TestCase
from freezegun import freeze_time

from yima.core.testing import facility_fields, make_world
from yima.dashboard.models import FacilityState, InspectionDue
from yima.dashboard.summary import summary_rebuild, summary_refresh_many
from yima.facilities import excel
from yima.facilities.imports import ledger_import
from yima.facilities.models import Facility
from yima.facilities.services import facility_change_status, facility_register
from yima.operations.models import InspectionPolicy
from yima.operations.services import sample_record
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=CST)  # the world is registered; 30 m³/d -> every 14 days


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def w(db):
    with freeze_time(T0):
        return make_world()


def committed(at: datetime):
    """Run at `at` with the on-commit work (the summary upkeep) done as in production."""

    class _Both:
        def __enter__(self):
            self.frozen = freeze_time(at)
            self.frozen.__enter__()
            self.capture = TestCase.captureOnCommitCallbacks(execute=True)
            self.capture.__enter__()

        def __exit__(self, *exc):
            self.capture.__exit__(*exc)
            self.frozen.__exit__(*exc)

    return _Both()


def snapshot() -> tuple[dict, list]:
    states = {
        row["facility_id"]: row
        for row in FacilityState.objects.values(
            "facility_id",
            "last_inspected_at",
            "last_outcome",
            "last_verified",
            "interval_days",
            "next_due_at",
            "abnormal_since",
            "last_sampled_at",
            "last_compliance",
        )
    }
    dues = list(
        InspectionDue.objects.order_by("facility_id", "due_at").values_list(
            "facility_id", "due_at", "inspection_id", "on_time", "contractor_id"
        )
    )
    return states, dues


def workbook(tmp_path, rows) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(excel.HEADERS))
    for row in rows:
        ws.append([row.get(h) for h in excel.HEADERS])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    return str(path)


def new_row(name: str, **overrides) -> dict:
    row = {
        "设施名称": name,
        "区县": "南昌县",
        "乡镇": "莲塘镇",
        "行政村": "罗家村",
        "建成年份": 2019,
        "设计规模(m³/d)": 20,
        "处理工艺": "A/O",
        "执行标准": "DB36/1102-2019",
        "排放等级": "一级B",
        "运维单位": "江西清源环保运维有限公司",
        "运行状态": "运行中",
    }
    row.update(overrides)
    return row


def ledger_row(facility: Facility, **overrides) -> dict:
    """The facility as the export writes it, with some columns changed."""
    facility = Facility.objects.select_related("county", "town", "village", "contractor").get(
        pk=facility.pk
    )
    row = dict(zip(excel.HEADERS, excel.facility_row(facility), strict=True))
    row.update(overrides)
    return row


@pytest.fixture
def history(w):
    """facility_a inspected twice; facility_b out of service for a while, never inspected
    (missed dues of a closed period); facility_c sampled, never inspected; facility_d
    untouched. Summary rows as the services leave them."""
    with freeze_time(T0):
        w.facility_c = facility_register(
            actor=w.admin,
            **facility_fields(w.nanchang_county, w.liantang, None, name="丙站"),
            contractor=w.contractor_a,
        )
        w.facility_d = facility_register(
            actor=w.admin,
            **facility_fields(w.nanchang_county, w.liantang, None, name="丁站"),
            contractor=w.contractor_a,
        )
    with committed(day(10)):
        make_inspection(w, finished_at=day(10))
    with committed(day(30)):
        make_inspection(w, finished_at=day(30))
    with committed(day(35)):
        facility_change_status(
            facility=w.facility_b, actor=w.admin, to_status="suspended", reason="repairs"
        )
    with committed(day(50)):
        facility_change_status(
            facility=w.facility_b, actor=w.admin, to_status="in_service", reason="repaired"
        )
    with committed(day(52)):
        sample_record(
            facility=w.facility_c,
            actor=w.regulator,
            client_id=uuid.uuid4(),
            lab="县监测站",
            sampled_at=day(40),
            values={"cod": Decimal("30")},
        )
    summary_rebuild(now=day(55))
    return w


def test_import_keeps_the_summary_equal_to_a_full_rebuild(history, tmp_path):
    w = history
    rows = [
        new_row("新站甲"),  # 20 m³/d: every 14 days
        new_row("新站乙", **{"设计规模(m³/d)": 150}),  # >= 100: weekly
        new_row("新站丙", **{"设计规模(m³/d)": 10, "运行状态": "规划中"}),  # not in service
        new_row("新站丁", **{"区县": "进贤县", "乡镇": "民和镇", "行政村": "李渡村"}),
        ledger_row(w.facility_a, **{"设计规模(m³/d)": 120}),  # inspected; now weekly
        ledger_row(w.facility_b, **{"运维单位": "江西清源环保运维有限公司"}),  # new holder
        ledger_row(w.facility_c, **{"运行状态": "暂停运行"}),  # sampled; taken out of service
        # Renamed, and a capacity within the same band (20-100 m³/d: every 14 days).
        ledger_row(w.facility_d, **{"设施名称": "丁站（改名）", "设计规模(m³/d)": 60}),
    ]
    before_d = FacilityState.objects.get(facility=w.facility_d)
    with committed(day(60)):
        result = ledger_import(path=workbook(tmp_path, rows), actor=w.admin, dry_run=False)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (4, 4)

    # Written by the ledger_imported hook, as the definitions say (by hand).
    state = {f.name: f.state for f in Facility.objects.select_related("state")}
    assert (state["新站甲"].interval_days, state["新站甲"].next_due_at) == (14, day(74))
    assert (state["新站乙"].interval_days, state["新站乙"].next_due_at) == (7, day(67))
    assert (state["新站丙"].interval_days, state["新站丙"].next_due_at) == (30, None)
    assert (state["新站丁"].interval_days, state["新站丁"].next_due_at) == (14, day(74))
    for name in ("新站甲", "新站乙", "新站丙", "新站丁"):
        assert state[name].last_inspected_at is None and state[name].last_outcome == ""
        assert state[name].last_sampled_at is None and state[name].last_compliance == ""
    # facility_a: last inspection day 30, now weekly -> due day 37; days 37..58 missed live.
    assert (state[w.facility_a.name].interval_days, state[w.facility_a.name].next_due_at) == (
        7,
        day(37),
    )
    assert state["丙站"].next_due_at is None and state["丙站"].last_sampled_at == day(40)
    # A name change, or a capacity in the same band, does not touch the schedule: the row was
    # not even rewritten.
    assert state["丁站（改名）"].updated_at == before_d.updated_at

    after_import = snapshot()
    assert len(after_import[0]) == Facility.objects.count() == 8
    summary_rebuild(now=day(60))
    assert snapshot() == after_import


def test_refresh_many_equals_a_rebuild_for_every_kind_of_facility(history):
    """The cheap path and the fallback together, on ids in any order (not a range)."""
    w = history
    ids = [w.facility_d.pk, w.facility_b.pk, w.facility_c.pk, w.facility_a.pk]
    FacilityState.objects.all().delete()
    InspectionDue.objects.all().delete()
    summary_refresh_many(ids, now=day(70))
    refreshed = snapshot()
    assert refreshed[1], "facility_a and facility_b have stored dues"
    summary_rebuild(now=day(70))
    assert snapshot() == refreshed


def test_a_policy_change_moves_every_facilitys_interval(history):
    w = history
    band = InspectionPolicy.objects.get(county=None, min_capacity_m3d=20)
    band.interval_days = 10
    with committed(day(60)):
        band.save()
    state = FacilityState.objects.get(facility=w.facility_d)  # 30 m³/d, registered at T0
    assert (state.interval_days, state.next_due_at) == (10, day(10))
    a = FacilityState.objects.get(facility=w.facility_a)  # last inspected day 30
    assert (a.interval_days, a.next_due_at) == (10, day(40))

    with committed(day(61)):
        band.delete()  # 30 m³/d falls into the < 20 band again: monthly
    state = FacilityState.objects.get(facility=w.facility_d)
    assert (state.interval_days, state.next_due_at) == (30, day(30))
