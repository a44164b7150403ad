"""The inspection schedule: due dates from the last inspection and the policy table."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from yima.core.testing import make_world
from yima.facilities.services import facility_update
from yima.operations.choices import ScheduleState
from yima.operations.models import InspectionPolicy
from yima.operations.selectors import (
    inspection_schedule,
    overdue_by_contractor,
    schedule_counts,
    schedule_state,
)
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=CST)


@pytest.fixture
def frozen_world(db):
    with freeze_time(T0):
        return make_world()


def _due(user, facility):
    return inspection_schedule(user=user).get(pk=facility.pk)


def test_seeded_policy_matches_domain_defaults(db):
    bands = {
        (p.min_capacity_m3d, p.interval_days)
        for p in InspectionPolicy.objects.filter(county__isnull=True)
    }
    assert bands == {(Decimal("0"), 30), (Decimal("20"), 14), (Decimal("100"), 7)}


def test_due_date_is_last_inspection_plus_interval_for_capacity_band(frozen_world):
    w = frozen_world
    with freeze_time(T0 + timedelta(days=2)):
        make_inspection(w)  # facility_a: 30 m3/d -> every 14 days
    row = _due(w.regulator, w.facility_a)
    assert row.interval_days == 14
    assert row.last_inspected_at == T0 + timedelta(days=2)
    assert row.due_at == T0 + timedelta(days=16)


def test_interval_follows_capacity_bands(frozen_world):
    w = frozen_world
    for capacity, days in [
        ("5", 30),
        ("19.99", 30),
        ("20", 14),
        ("99", 14),
        ("100", 7),
        ("500", 7),
    ]:
        facility_update(
            facility=w.facility_a, actor=w.admin, reason="test", capacity_m3d=Decimal(capacity)
        )
        assert _due(w.admin, w.facility_a).interval_days == days, capacity


def test_county_band_overrides_default_only_in_its_county(frozen_world):
    w = frozen_world
    InspectionPolicy.objects.create(county=w.nanchang_county, min_capacity_m3d=0, interval_days=10)
    assert _due(w.admin, w.facility_a).interval_days == 10
    assert _due(w.admin, w.facility_b).interval_days == 14


def test_never_inspected_facility_is_due_one_interval_after_registration(frozen_world):
    w = frozen_world
    assert _due(w.admin, w.facility_b).due_at == T0 + timedelta(days=14)


def test_states_move_from_on_time_to_due_soon_to_overdue(frozen_world):
    w = frozen_world
    make_inspection(w, finished_at=T0)  # due T0 + 14 d
    for day, expected in [(10, "on_time"), (12, "due_soon"), (15, "overdue")]:
        with freeze_time(T0 + timedelta(days=day)):
            ids = set(
                inspection_schedule(user=w.regulator, state=expected).values_list("pk", flat=True)
            )
            assert w.facility_a.pk in ids, (day, expected)
            assert schedule_state(_due(w.regulator, w.facility_a).due_at) == expected


def test_a_new_inspection_clears_overdue(frozen_world):
    w = frozen_world
    with freeze_time(T0 + timedelta(days=20)):
        assert inspection_schedule(user=w.operator, state=ScheduleState.OVERDUE).count() == 1
        make_inspection(w)
        assert inspection_schedule(user=w.operator, state=ScheduleState.OVERDUE).count() == 0


def test_facilities_out_of_service_are_not_scheduled(frozen_world):
    from yima.facilities.services import facility_change_status

    w = frozen_world
    facility_change_status(
        facility=w.facility_b, actor=w.admin, to_status="suspended", reason="flooded"
    )
    assert list(inspection_schedule(user=w.regulator)) == [w.facility_a]


def test_overdue_list_goes_through_the_visibility_gate(frozen_world):
    from django.contrib.auth.models import AnonymousUser

    w = frozen_world
    expected = {
        "regulator": {"a", "b"},
        "county_regulator": {"a"},
        "operator": {"a"},
        "other_operator": {"b"},
        "stranger": set(),
    }
    with freeze_time(T0 + timedelta(days=30)):
        for persona, names in [*expected.items(), ("public", set())]:
            user = getattr(w, persona, None) or AnonymousUser()
            rows = inspection_schedule(user=user, state=ScheduleState.OVERDUE)
            assert {"a" if f.pk == w.facility_a.pk else "b" for f in rows} == names, persona


def test_schedule_and_counts_cost_one_query_each(frozen_world, django_assert_num_queries):
    w = frozen_world
    make_inspection(w, finished_at=T0)
    user = w.regulator
    from yima.accounts.scope import scope_for

    scope_for(user)  # memberships, read once per request
    with freeze_time(T0 + timedelta(days=20)), django_assert_num_queries(1):
        rows = list(inspection_schedule(user=user))
        assert [r.contractor.name for r in rows]  # select_related: no query per row
    with freeze_time(T0 + timedelta(days=20)), django_assert_num_queries(1):
        by_contractor = schedule_counts(inspection_schedule(user=user), by="contractor")
    assert {(c.name, c.overdue, c.total) for c in by_contractor} == {
        (w.contractor_a.name, 1, 1),
        (w.contractor_b.name, 1, 1),
    }
    with freeze_time(T0 + timedelta(days=20)), django_assert_num_queries(1):
        by_county = schedule_counts(inspection_schedule(user=user), by="county")
    assert {(c.name, c.overdue) for c in by_county} == {("南昌县", 1), ("进贤县", 1)}


def test_overdue_grouped_by_contractor(frozen_world):
    w = frozen_world
    make_inspection(w, finished_at=T0)
    from yima.facilities.models import Facility

    with freeze_time(T0 + timedelta(days=15)):
        groups = overdue_by_contractor(facilities=Facility.objects.alive())
    assert {g.contractor.name: [f.pk for f in g.facilities] for g in groups} == {
        w.contractor_a.name: [w.facility_a.pk],
        w.contractor_b.name: [w.facility_b.pk],
    }


def test_due_time_of_one_facility_costs_one_query(frozen_world, django_assert_num_queries):
    from yima.operations.selectors import facility_inspection_due

    w = frozen_world
    make_inspection(w, finished_at=T0 + timedelta(days=1))
    with django_assert_num_queries(1):
        assert facility_inspection_due(w.facility_a) == T0 + timedelta(days=15)


def test_counts_group_all_of_a_contractors_facilities_in_one_row(frozen_world):
    from yima.core.testing import facility_fields
    from yima.facilities.services import facility_register

    w = frozen_world
    with freeze_time(T0 + timedelta(days=5)):
        facility_register(
            actor=w.admin,
            **facility_fields(
                w.nanchang_county, w.xiangtang, w.village_b, contractor=w.contractor_a
            ),
        )
    with freeze_time(T0 + timedelta(days=17)):  # A's first facility overdue, the new one due soon
        rows = schedule_counts(inspection_schedule(user=w.operator), by="contractor")
    assert [(r.name, r.overdue, r.due_soon, r.total) for r in rows] == [
        (w.contractor_a.name, 1, 1, 2)
    ]


def test_interval_case_picks_the_band_the_subquery_picks(frozen_world):
    """The CASE a bulk write uses and the subquery the selectors use give every facility the
    same interval: default bands, a county's own bands (which win in that county, falling back
    to the defaults below its lowest band), and no band at all."""
    from yima.facilities.models import Facility
    from yima.operations.selectors import _interval_subquery, interval_case

    w = frozen_world
    InspectionPolicy.objects.create(county=w.nanchang_county, min_capacity_m3d=50, interval_days=10)
    InspectionPolicy.objects.create(county=w.nanchang_county, min_capacity_m3d=200, interval_days=3)
    InspectionPolicy.objects.filter(county__isnull=True, min_capacity_m3d=0).delete()
    seen = {}
    for capacity in ("5", "20", "49.99", "50", "99", "100", "199", "200", "1000"):
        for facility in (w.facility_a, w.facility_b):  # 南昌县 and another county
            facility_update(
                facility=facility, actor=w.admin, reason="test", capacity_m3d=Decimal(capacity)
            )
        rows = Facility.objects.filter(pk__in=[w.facility_a.pk, w.facility_b.pk]).annotate(
            by_subquery=_interval_subquery(), by_case=interval_case()
        )
        for row in rows:
            assert row.by_case == row.by_subquery, (capacity, row.county_id)
            seen[(capacity, row.pk == w.facility_a.pk)] = row.by_case
    assert seen[("5", True)] is None and seen[("5", False)] is None  # below every band
    assert seen[("49.99", True)] == 14 and seen[("50", True)] == 10  # county band from 50
    assert seen[("200", True)] == 3 and seen[("200", False)] == 7
