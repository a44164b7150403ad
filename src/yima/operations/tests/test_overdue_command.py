"""`yima overdue [--notify]`."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from yima.core.testing import make_world
from yima.operations.tests.conftest import make_inspection

pytestmark = pytest.mark.django_db
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _run(*args) -> str:
    out = StringIO()
    call_command("overdue", *args, stdout=out)
    return out.getvalue()


def test_prints_overdue_inspections_per_contractor_and_notifies(db, mailoutbox):
    with freeze_time(T0):
        w = make_world()
        make_inspection(w)
    w.operator.email = "a@example.org"
    w.operator.save()
    with freeze_time(T0 + timedelta(days=10)):
        assert "没有逾期" in _run()
    with freeze_time(T0 + timedelta(days=17)):
        out = _run("--notify")
    assert w.contractor_a.name in out and w.contractor_b.name in out
    assert w.facility_a.display_code in out and "3 天" in out
    assert [m.to for m in mailoutbox] == [["a@example.org"]]  # B's staff have no address
    assert w.facility_a.display_code in mailoutbox[0].body
    assert w.facility_b.display_code not in mailoutbox[0].body


def test_county_filter(db):
    with freeze_time(T0):
        w = make_world()
    with freeze_time(T0 + timedelta(days=30)):
        out = _run("--county", "360124")
    assert w.facility_b.display_code in out and w.facility_a.display_code not in out
