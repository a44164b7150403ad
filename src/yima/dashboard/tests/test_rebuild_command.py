"""`yima dashboard-rebuild [--facility CODE]` recomputes the summary tables."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from yima.core.testing import make_world
from yima.dashboard.models import FacilityState, InspectionDue
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=CST)


@pytest.fixture
def w(db):
    with freeze_time(T0):
        w = make_world()
    with freeze_time(T0 + timedelta(days=20)):
        make_inspection(w, finished_at=T0 + timedelta(days=20))  # due day 14 missed, 28 on time
    return w


def test_rebuild_all(w):
    out = StringIO()
    with freeze_time(T0 + timedelta(days=21)):
        call_command("dashboard_rebuild", stdout=out)
    assert "2 facilities" in out.getvalue()
    assert FacilityState.objects.count() == 2
    assert list(
        InspectionDue.objects.filter(facility=w.facility_a)
        .order_by("due_at")
        .values_list("due_at", "on_time")
    ) == [(T0 + timedelta(days=14), False), (T0 + timedelta(days=28), True)]


def test_rebuild_one_facility_by_its_display_code(w):
    with freeze_time(T0 + timedelta(days=21)):
        call_command("dashboard_rebuild", facility=w.facility_a.display_code, stdout=StringIO())
    assert list(FacilityState.objects.values_list("facility_id", flat=True)) == [w.facility_a.pk]


def test_unknown_facility_is_an_error(w):
    with pytest.raises(CommandError, match="No facility"):
        call_command("dashboard_rebuild", facility="36012120199999", stdout=StringIO())
