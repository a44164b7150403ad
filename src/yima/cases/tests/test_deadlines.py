"""Deadlines are promised as plain local dates (Asia/Shanghai), fixed when the report arrives."""

from datetime import date

import pytest
from django.utils import timezone
from freezegun import freeze_time

from yima.cases.tests.factories import file_case


def local_date(moment) -> date:
    return timezone.localtime(moment).date()


@pytest.mark.parametrize(
    "now_utc, accept_by, resolve_by",
    [
        # 31 January, 10:00 in Shanghai: accept by 2 February, resolve by 15 February.
        ("2026-01-31 02:00:00", date(2026, 2, 2), date(2026, 2, 15)),
        # 31 January 17:30 UTC is already 1 February 01:30 in Shanghai.
        ("2026-01-31 17:30:00", date(2026, 2, 3), date(2026, 2, 16)),
        # Leap year: 28 February 2028 -> 1 March (29 February exists) and 14 March.
        ("2028-02-28 04:00:00", date(2028, 3, 1), date(2028, 3, 14)),
        # Not a leap year: 28 February 2026 -> 2 March and 15 March.
        ("2026-02-28 04:00:00", date(2026, 3, 2), date(2026, 3, 15)),
        # New year's eve late at night, Shanghai time: into January of the next year.
        ("2026-12-31 15:59:59", date(2027, 1, 2), date(2027, 1, 15)),
        # One second later it is already 1 January 2027 in Shanghai.
        ("2026-12-31 16:00:00", date(2027, 1, 3), date(2027, 1, 16)),
    ],
)
def test_deadlines_count_local_calendar_days_across_month_ends(
    world, now_utc, accept_by, resolve_by
):
    with freeze_time(now_utc):
        case = file_case(world)
    assert local_date(case.accept_due_at) == accept_by
    assert local_date(case.resolve_due_at) == resolve_by
    assert timezone.localtime(case.resolve_due_at).strftime("%H:%M:%S") == "23:59:59"


def test_deadlines_follow_the_problem_type(world):
    from yima.cases.models import CaseType

    CaseType.objects.filter(code="noise").update(accept_days=1, resolve_days=5)
    with freeze_time("2026-04-29 03:00:00"):
        case = file_case(world, code="noise")
    assert local_date(case.accept_due_at) == date(2026, 4, 30)
    assert local_date(case.resolve_due_at) == date(2026, 5, 4)


def test_a_report_is_overdue_only_after_its_last_promised_day(world):
    with freeze_time("2026-01-31 02:00:00"):
        case = file_case(world)
    with freeze_time("2026-02-02 15:59:00"):  # 23:59 on 2 February in Shanghai
        assert not case.is_overdue()
    with freeze_time("2026-02-02 16:00:01"):  # 3 February 00:00:01 in Shanghai
        assert case.is_overdue()
