"""Breakdown and trend cost a fixed number of queries: 3 facilities or 30, the same count."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from yima.cases.tests.factories import file_case
from yima.core.testing import facility_fields, make_world, region
from yima.dashboard.selectors import (
    Period,
    dashboard_breakdown,
    dashboard_figures,
    dashboard_trend,
)
from yima.dashboard.summary import summary_rebuild
from yima.facilities.services import facility_register
from yima.operations.services import sample_record
from yima.operations.tests.conftest import make_inspection
from yima.regions.choices import Level

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 10, 1, 10, 0, tzinfo=CST)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CST)
NOV = Period.parse("2026-11")


def _grow(w, start: int, count: int) -> None:
    """`count` more facilities of contractor A in 南昌县, each in a town and village of its
    own, each with an inspection (with flow), a sample and a report."""
    for n in range(start, start + count):
        town = region(f"360121{200 + n:03d}000", f"测试{n}镇", Level.TOWN, w.nanchang_county)
        village = region(f"360121{200 + n:03d}201", f"测试{n}村", Level.VILLAGE, town)
        with freeze_time(T0):
            facility = facility_register(
                actor=w.admin,
                **facility_fields(w.nanchang_county, town, village, contractor=w.contractor_a),
            )
        when = T0 + timedelta(days=30 + n % 10)
        with freeze_time(when):
            make_inspection(w, facility=facility, finished_at=when, flow_m3d=Decimal("12"))
            sample_record(
                facility=facility,
                actor=w.regulator,
                client_id=uuid.uuid4(),
                lab="lab",
                sampled_at=when,
                values={"cod": Decimal("50")},
            )
            file_case(w, facility=facility)
    summary_rebuild(now=NOW)


def _count(func, **kw) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = func(now=NOW, **kw)
    assert result  # something was computed
    return len(ctx.captured_queries)


def test_breakdown_and_trend_queries_do_not_grow_with_rows(db):
    with freeze_time(T0):
        w = make_world()
    _grow(w, 0, 3)
    user = w.regulator
    calls = {
        "figures": (dashboard_figures, {"user": user, "region": None, "period": NOV}),
        "counties": (dashboard_breakdown, {"user": user, "region": None, "period": NOV}),
        "towns": (
            dashboard_breakdown,
            {"user": user, "region": w.nanchang_county, "period": NOV},
        ),
        "trend": (dashboard_trend, {"user": user, "region": None, "period": NOV}),
        "contractor": (
            dashboard_breakdown,
            {
                "user": user,
                "region": w.nanchang_county,
                "period": NOV,
                "contractor": w.contractor_a,
            },
        ),
    }
    small = {name: _count(func, **kw) for name, (func, kw) in calls.items()}
    rows_small = len(dashboard_breakdown(user=user, region=w.nanchang_county, period=NOV, now=NOW))
    _grow(w, 3, 27)
    large = {name: _count(func, **kw) for name, (func, kw) in calls.items()}
    rows_large = len(dashboard_breakdown(user=user, region=w.nanchang_county, period=NOV, now=NOW))
    assert rows_large == rows_small + 27  # one row per town
    assert large == small
    # The budget: figures 10 queries (facility parts: coverage, operating, month rows, flow
    # month rows, the dues and readings recorded after now taken off, live dues; cases: 4) + 1
    # for the user's scope; breakdown adds the rows' regions.
    assert small["figures"] <= 11, small
    assert small["towns"] <= 10, small
    assert small["trend"] <= 8, small
