"""Period.parse: months, quarters, years and day ranges in local time, with clear errors."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from yima.dashboard.selectors import Period

CST = ZoneInfo("Asia/Shanghai")


def test_month_quarter_year_and_range_bounds_in_local_time():
    month = Period.parse("2026-11")
    assert (month.start, month.end, month.kind, month.key) == (
        datetime(2026, 11, 1, tzinfo=CST),
        datetime(2026, 12, 1, tzinfo=CST),
        "month",
        "2026-11",
    )
    quarter = Period.parse("2026-Q4")
    assert (quarter.start, quarter.end, quarter.key) == (
        datetime(2026, 10, 1, tzinfo=CST),
        datetime(2027, 1, 1, tzinfo=CST),
        "2026-Q4",
    )
    year = Period.parse("2026")
    assert (year.start, year.end, year.kind) == (
        datetime(2026, 1, 1, tzinfo=CST),
        datetime(2027, 1, 1, tzinfo=CST),
        "year",
    )
    days = Period.parse("2026-01-05..2026-02-01")  # both days included
    assert (days.start, days.end, days.kind, days.key) == (
        datetime(2026, 1, 5, tzinfo=CST),
        datetime(2026, 2, 2, tzinfo=CST),
        "range",
        "2026-01-05..2026-02-01",
    )


def test_default_is_the_current_local_month():
    # 31 Oct 2026 17:00 UTC is already 1 November in Shanghai
    now = datetime(2026, 10, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert Period.parse(None, now=now).key == "2026-11"
    assert Period.parse("", now=now).key == "2026-11"


def test_labels_are_translated():
    with translation.override("zh-hans"):
        assert Period.parse("2026-11").label == "2026年11月"
        assert Period.parse("2026-Q4").label == "2026年第4季度"
        assert Period.parse("2026").label == "2026年"
        assert Period.parse("2026-01-05..2026-02-01").label == "2026年1月5日至2026年2月1日"
    with translation.override("en"):
        assert Period.parse("2026-11").label == "November 2026"
        assert Period.parse("2026-Q4").label == "Q4 2026"
        assert Period.parse("2026").label == "2026"


def test_months_and_previous():
    assert [p.key for p in Period.parse("2026-Q4").months()] == ["2026-10", "2026-11", "2026-12"]
    assert [p.key for p in Period.parse("2026-01-25..2026-02-03").months()] == [
        "2026-01",
        "2026-02",
    ]
    assert Period.parse("2026-01").previous().key == "2025-12"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    assert Period.parse("2026-Q3").previous().key == "2026-Q2"
    assert Period.parse("2026").previous().key == "2025"
    assert Period.parse("2026-01-08..2026-01-14").previous().key == "2026-01-01..2026-01-07"


@pytest.mark.parametrize(
    "value",
    [
        "2026-13",
        "2026-Q5",
        "26",
        "November",
        "2026-02-30..2026-03-01",
        "2026-03-02..2026-03-01",
        "1900",
    ],
)
def test_bad_periods_are_refused_with_a_message(value):
    with translation.override("en"), pytest.raises(ValueError, match="Not a valid period"):
        Period.parse(value)
