"""The summary tables: the inspection due chain (on time, late, missed intervals), refreshes by
the services after commit, out-of-order inspections, and rebuild == incremental refresh."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from yima.core.testing import make_world
from yima.dashboard.models import FacilityMonth, FacilityState, InspectionDue
from yima.dashboard.selectors import Period, Rate, dashboard_figures
from yima.dashboard.summary import (
    outstanding_count,
    summary_rebuild,
    summary_refresh_facility,
)
from yima.facilities.services import facility_change_status, facility_delete, facility_update
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=CST)  # facility_a registered; 30 m³/d -> every 14 days


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def w(db):
    with freeze_time(T0):
        return make_world()


def inspect(w, at: datetime, *, facility=None, actor=None, ok=True, **kw):
    """An inspection recorded through the service at `at`, its on-commit refresh run."""
    from django.test import TestCase

    with freeze_time(at), TestCase.captureOnCommitCallbacks(execute=True):
        return make_inspection(w, facility=facility, actor=actor, finished_at=at, ok=ok, **kw)


def dues(facility) -> list[tuple]:
    return [
        (row.due_at, row.inspection_id, row.on_time)
        for row in InspectionDue.objects.filter(facility=facility).order_by("due_at")
    ]


def month_snapshot() -> list[tuple]:
    return sorted(
        FacilityMonth.objects.values_list(
            "facility_id",
            "month",
            "contractor_id",
            "dues",
            "dues_on_time",
            "inspections",
            "samples_compliant",
            "samples_non_compliant",
            "samples_unknown",
            "flow_sum",
            "flow_count",
        ),
        key=lambda row: (row[0], row[1], row[2] or 0),
    )


def test_chain_on_time_late_and_missed_intervals(w):
    i1 = inspect(w, day(10))  # first due day 14: answered on time; next due day 24
    i2 = inspect(w, day(27))  # day 24 passed: missed; next due 38, answered on time; next 41
    assert dues(w.facility_a) == [
        (day(14), i1.pk, True),
        (day(24), None, False),
        (day(38), i2.pk, True),
    ]
    state = FacilityState.objects.get(facility=w.facility_a)
    assert state.interval_days == 14
    assert state.next_due_at == day(41)
    assert state.last_inspected_at == day(27)
    assert state.last_outcome == "normal"
    # No inspection since: on day 80, dues 41, 55, 69 have passed (83 has not).
    assert outstanding_count(state.next_due_at, 14, T0, day(80)) == 3
    assert outstanding_count(state.next_due_at, 14, day(50), day(80)) == 2  # 55, 69
    assert outstanding_count(state.next_due_at, 14, T0, day(41)) == 0  # due at as_of: not yet


def test_inspection_exactly_at_the_due_is_on_time(w):
    i1 = inspect(w, day(14))
    assert dues(w.facility_a) == [(day(14), i1.pk, True)]
    assert FacilityState.objects.get(facility=w.facility_a).next_due_at == day(28)


def test_several_inspections_before_one_due_each_answer_the_next(w):
    i1 = inspect(w, day(2))  # answers due 14; next due 16
    i2 = inspect(w, day(5))  # answers due 16; next due 19
    assert dues(w.facility_a) == [(day(14), i1.pk, True), (day(16), i2.pk, True)]
    assert FacilityState.objects.get(facility=w.facility_a).next_due_at == day(19)


def test_missed_dues_counted_live_in_the_figures(w):
    inspect(w, day(10))  # due 14 on time, next due 24
    march_april = Period.parse("2026-03-01..2026-04-30")
    # On day 60 (no inspection since day 10): dues 24, 38, 52 passed, all missed. facility_b
    # has no summary row yet (registered without its on-commit refresh): a alone, 1/4.
    figures = dashboard_figures(user=w.regulator, region=None, period=march_april, now=day(60))
    assert figures.inspections_on_time == Rate(1, 4)
    # facility_b (进贤县, also 30 m³/d, registered at T0, never inspected): dues 14, 28, 42, 56,
    # all missed. Both: 1 on time / (4 + 4).
    summary_rebuild(now=day(60))
    figures = dashboard_figures(user=w.regulator, region=None, period=march_april, now=day(60))
    assert figures.inspections_on_time == Rate(1, 8)
    # A month later nothing was stored, yet May's dues (a: 66, 80; b: 70, 84) count as missed.
    may = Period.parse("2026-05")
    figures = dashboard_figures(user=w.regulator, region=None, period=may, now=day(90))
    assert figures.inspections_on_time == Rate(0, 4)


def test_refresh_after_an_earlier_inspection_recorded_late(w):
    i1 = inspect(w, day(10))
    i3 = inspect(w, day(40))  # due 24 missed; due 38 missed; 40 answers due 52; next due 54
    assert dues(w.facility_a) == [
        (day(14), i1.pk, True),
        (day(24), None, False),
        (day(38), None, False),
        (day(52), i3.pk, True),
    ]
    # An inspection done on day 22 reaches the server only now (the phone was offline).
    with freeze_time(day(41)):
        i2 = make_inspection(w, finished_at=day(22))
    summary_refresh_facility(w.facility_a.pk)
    # 22 answers due 24 (next 36); 36 passes: missed (next 50); 40 answers 50; next 54.
    assert dues(w.facility_a) == [
        (day(14), i1.pk, True),
        (day(24), i2.pk, True),
        (day(36), None, False),
        (day(50), i3.pk, True),
    ]
    assert FacilityState.objects.get(facility=w.facility_a).next_due_at == day(54)


def test_abnormal_since_is_the_start_of_the_current_run(w):
    inspect(w, day(1), ok=False)
    inspect(w, day(3))
    inspect(w, day(5), ok=False)
    inspect(w, day(6), ok=False)
    state = FacilityState.objects.get(facility=w.facility_a)
    assert (state.last_outcome, state.abnormal_since) == ("abnormal", day(5))
    inspect(w, day(7))
    state.refresh_from_db()
    assert (state.last_outcome, state.abnormal_since) == ("normal", None)


def test_sample_refreshes_the_latest_sample_on_the_state(w):
    import uuid

    from django.test import TestCase

    from yima.operations.services import sample_record

    facility = facility_update(
        facility=w.facility_a,
        actor=w.regulator,
        reason="执行国标",
        standard="GB18918-2002",
        grade="1B",
    )
    with freeze_time(day(3)), TestCase.captureOnCommitCallbacks(execute=True):
        sample_record(
            facility=facility,
            actor=w.operator,
            client_id=uuid.uuid4(),
            lab="南昌检测中心",
            sampled_at=day(2),
            values={"cod": Decimal("60.1")},  # 1B: COD at most 60 mg/L
        )
    state = FacilityState.objects.get(facility=w.facility_a)
    assert (state.last_sampled_at, state.last_compliance) == (day(2), "non_compliant")


def test_suspension_closes_the_chain_and_stores_its_missed_dues(w):
    from django.test import TestCase

    i1 = inspect(w, day(10))
    # Suspended from local midnight of day 30 (31 March): due 24 was missed, 38 never comes.
    with freeze_time(day(45)), TestCase.captureOnCommitCallbacks(execute=True):
        facility_change_status(
            facility=w.facility_a,
            actor=w.regulator,
            to_status="suspended",
            reason="管网改造",
            effective_on=day(30).date(),
        )
    assert dues(w.facility_a) == [(day(14), i1.pk, True), (day(24), None, False)]
    assert FacilityState.objects.get(facility=w.facility_a).next_due_at is None


def test_contractor_change_credits_later_missed_dues_to_the_new_contractor(w):
    from django.test import TestCase

    inspect(w, day(10))  # contractor A; next due 24
    with freeze_time(day(20)), TestCase.captureOnCommitCallbacks(execute=True):
        facility = facility_update(
            facility=w.facility_a, actor=w.regulator, reason="合同变更", contractor=w.contractor_b
        )
    # due 24 missed (B held the facility then), due 38 answered by B
    i2 = inspect(w, day(30), facility=facility, actor=w.other_operator)
    rows = list(
        InspectionDue.objects.filter(facility=w.facility_a)
        .order_by("due_at")
        .values_list("due_at", "contractor_id", "inspection_id")
    )
    assert rows == [
        (day(14), w.contractor_a.pk, rows[0][2]),
        (day(24), w.contractor_b.pk, None),
        (day(38), w.contractor_b.pk, i2.pk),
    ]


def test_deleted_facility_leaves_the_summary(w):
    from django.test import TestCase

    inspect(w, day(10))
    with freeze_time(day(11)), TestCase.captureOnCommitCallbacks(execute=True):
        facility_delete(facility=w.facility_a, actor=w.regulator, reason="重复登记")
    assert not FacilityState.objects.filter(facility=w.facility_a).exists()
    assert not InspectionDue.objects.filter(facility=w.facility_a).exists()


def test_registration_creates_the_state_with_its_first_due(db):
    from django.test import TestCase

    with freeze_time(T0), TestCase.captureOnCommitCallbacks(execute=True):
        w = make_world()
    state = FacilityState.objects.get(facility=w.facility_b)
    assert (state.interval_days, state.next_due_at, state.last_inspected_at) == (14, day(14), None)


def test_rebuild_gives_the_same_rows_as_the_incremental_refreshes(w):
    inspect(w, day(3))
    inspect(w, day(20), ok=False)
    inspect(w, day(21))
    inspect(w, day(60), facility=w.facility_b, actor=w.other_operator)
    with freeze_time(day(61)):
        make_inspection(w, finished_at=day(35))  # out of order, refreshed below
    summary_refresh_facility(w.facility_a.pk, now=day(61))
    summary_refresh_facility(w.facility_b.pk, now=day(61))

    def snapshot():
        return (
            sorted(
                InspectionDue.objects.values_list(
                    "facility_id", "due_at", "inspection_id", "on_time", "contractor_id"
                )
            ),
            sorted(
                FacilityState.objects.values_list(
                    "facility_id",
                    "last_inspected_at",
                    "last_outcome",
                    "interval_days",
                    "next_due_at",
                    "abnormal_since",
                )
            ),
            month_snapshot(),
        )

    incremental = snapshot()
    assert len(incremental[0]) >= 6
    assert len(incremental[2]) >= 3  # March, April and May of facility_a at least
    InspectionDue.objects.all().delete()
    FacilityState.objects.all().delete()
    FacilityMonth.objects.all().delete()
    assert summary_rebuild(now=day(61)) == 2
    assert snapshot() == incremental


def test_months_count_dues_inspections_flow_and_samples_per_local_month(w):
    """facility_a (registered 1 March 10:00, every 14 days), inspected by contractor A on day 3
    (4 Mar, 10 m³/d), day 20 (21 Mar, 20 m³/d) and day 40 (10 Apr, no reading). The chain:
    due day 14 (15 Mar) on time; day 17 (18 Mar) missed; day 31 (1 Apr) on time; day 34
    (4 Apr) missed; day 48 (18 Apr) on time. One sample by contractor A on 31 March at 23:30
    Beijing time (15:30 UTC): March, not April, though UTC would say the same day."""
    import uuid

    from django.test import TestCase

    from yima.operations.services import sample_record

    inspect(w, day(3), flow_m3d=Decimal("10"))
    inspect(w, day(20), flow_m3d=Decimal("20"))
    inspect(w, day(40))
    late_evening = datetime(2026, 3, 31, 23, 30, tzinfo=CST)
    with freeze_time(day(41)), TestCase.captureOnCommitCallbacks(execute=True):
        sample_record(
            facility=w.facility_a,
            actor=w.operator,
            client_id=uuid.uuid4(),
            lab="南昌检测中心",
            sampled_at=late_evening,
            values={"cod": Decimal("50")},
        )
    a = w.contractor_a.pk
    march, april = datetime(2026, 3, 1).date(), datetime(2026, 4, 1).date()
    rows = [row for row in month_snapshot() if row[0] == w.facility_a.pk]
    # facility, month, contractor, dues, on time, inspections, compliant, non-compl., unknown,
    # flow sum, flow readings (the sample's standard has no limits here: "unknown")
    assert rows == [
        (w.facility_a.pk, march, a, 2, 1, 2, 0, 0, 1, Decimal("30.00"), 2),
        (w.facility_a.pk, april, a, 3, 2, 1, 0, 0, 0, Decimal("0.00"), 0),
    ]


def test_deleted_facility_leaves_no_month_rows(w):
    from django.test import TestCase

    inspect(w, day(10))
    assert FacilityMonth.objects.filter(facility=w.facility_a).exists()
    with freeze_time(day(11)), TestCase.captureOnCommitCallbacks(execute=True):
        facility_delete(facility=w.facility_a, actor=w.regulator, reason="重复登记")
    assert not FacilityMonth.objects.filter(facility=w.facility_a).exists()


def test_the_migration_fills_the_same_month_rows_as_a_rebuild(w):
    """Deployments upgrading to FacilityMonth get it filled by migration 0002 from the stored
    dues, inspections and samples: the same rows summary_rebuild writes."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    inspect(w, day(3), flow_m3d=Decimal("12.5"))
    inspect(w, day(30), ok=False)
    inspect(w, day(50), facility=w.facility_b, actor=w.other_operator, flow_m3d=Decimal("7"))
    summary_rebuild(now=day(61))
    rebuilt = month_snapshot()
    assert len(rebuilt) >= 3
    FacilityMonth.objects.all().delete()
    migration = import_module("yima.dashboard.migrations.0002_facility_month")
    migration.fill(apps, SimpleNamespace(connection=connection))  # all fill() uses of it
    assert month_snapshot() == rebuilt


def test_overdue_list_counts_from_the_return_to_service_not_the_registration(w):
    """facility_a (every 14 days), never inspected, suspended from day 5 and back in service
    from day 40: on day 45 its first due is day 40's local midnight + 14 days, not overdue,
    though registration + 14 days passed long ago. facility_b, never inspected and never
    suspended, is overdue since day 14."""
    from django.test import TestCase

    from yima.dashboard.selectors import action_lists

    for at, status in ((day(5), "suspended"), (day(40), "in_service")):
        with freeze_time(day(45)), TestCase.captureOnCommitCallbacks(execute=True):
            facility_change_status(
                facility=w.facility_a,
                actor=w.regulator,
                to_status=status,
                reason="管网改造" if status == "suspended" else "改造完成",
                effective_on=at.date(),
            )
    summary_rebuild(now=day(45))
    lists = action_lists(user=w.regulator, region=None, now=day(45))
    overdue = list(lists.overdue_inspections)
    assert w.facility_a not in overdue
    assert w.facility_b in overdue
