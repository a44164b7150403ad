"""FacilityMonth gives the dashboard the same figures as the records it summarises: every kind
of period (whole months, the current month up to now, day ranges across months), every level of
the breakdown, the trend, with and without a contractor, on a year and a half of generated
activity."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.core.demo_activity import generate_activity
from yima.core.testing import make_user
from yima.dashboard import selectors
from yima.dashboard.models import FacilityMonth
from yima.dashboard.selectors import (
    Period,
    dashboard_breakdown,
    dashboard_figures,
    dashboard_trend,
)
from yima.facilities import demo
from yima.facilities.models import Facility


@pytest.fixture(scope="module")
def activity(django_db_setup, django_db_blocker):
    """40 facilities with 18 months of activity up to `now`, rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        admin = make_user("months-admin", is_superuser=True, is_staff=True)
        demo.generate(facilities=40, actor=admin)
        now = timezone.now()
        generate_activity(years=1.5, seed=11, now=now)
        yield admin, now
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _periods(now) -> dict[str, Period]:
    local = timezone.localtime(now).date()
    this_month = Period.for_month(local.year, local.month)
    return {
        "this month": this_month,
        "last month": this_month.previous(),
        "this quarter": Period.for_quarter(local.year, (local.month - 1) // 3 + 1),
        "this year": Period.for_year(local.year),
        "last year": Period.for_year(local.year - 1),
        "days across months": Period.for_range(
            local - timedelta(days=75), local - timedelta(days=9)
        ),
        # Ends two days before a month ends: that month whole, minus its last two days.
        "days ending near a month's end": Period.for_range(
            local.replace(day=1) - timedelta(days=70), local.replace(day=1) - timedelta(days=3)
        ),
        "days in one month": Period.for_range(
            local.replace(day=1) - timedelta(days=20), local.replace(day=1) - timedelta(days=12)
        ),
    }


def _both(monkeypatch, compute):
    monkeypatch.setattr(selectors, "WHOLE_MONTHS", True)
    summarised = compute()
    monkeypatch.setattr(selectors, "WHOLE_MONTHS", False)
    recorded = compute()
    return summarised, recorded


@pytest.mark.parametrize("with_contractor", [False, True], ids=["everyone", "one contractor"])
def test_summary_months_give_the_figures_of_the_records(activity, db, monkeypatch, with_contractor):
    admin, now = activity
    assert FacilityMonth.objects.count() > 40 * 12  # the generator's rebuild filled it
    contractor = None
    if with_contractor:
        contractor = (
            Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR)
            .annotate(held=Count("facilities"))
            .order_by("-held", "pk")
            .first()
        )
    county = Facility.objects.order_by("pk").first().county
    checked = 0
    for name, period in _periods(now).items():
        for region in (None, county):
            kw = {"user": admin, "region": region, "period": period, "now": now}
            kw["contractor"] = contractor
            summarised, recorded = _both(monkeypatch, lambda kw=kw: dashboard_figures(**kw))
            assert summarised == recorded, (name, region)
            assert recorded.inspections_on_time.denominator > 0 or name == "days in one month"
            summarised, recorded = _both(monkeypatch, lambda kw=kw: dashboard_breakdown(**kw))
            assert summarised == recorded, (name, region)
            summarised, recorded = _both(monkeypatch, lambda kw=kw: dashboard_trend(**kw))
            assert summarised == recorded, (name, region)
            assert sum(point.inspections_done for point in recorded) > 0
            checked += 1
    assert checked == 16


def test_operating_in_past_periods_follows_the_definition(activity, db):
    """正常运行率 of a past period, checked against the definition worked out in Python from
    the inspections: in service, latest inspection at or before the period's end normal and at
    most one interval old."""
    from yima.dashboard.models import FacilityState
    from yima.facilities.choices import Status
    from yima.operations.models import Inspection

    admin, now = activity
    intervals = dict(FacilityState.objects.values_list("facility_id", "interval_days"))
    in_service = set(Facility.objects.filter(status=Status.IN_SERVICE).values_list("pk", flat=True))
    inspections = list(
        Inspection.objects.order_by("finished_at", "pk").values_list(
            "facility_id", "finished_at", "outcome"
        )
    )
    local = timezone.localtime(now).date()
    for back in (1, 2, 5, 12):
        period = Period.for_month(local.year, local.month - back)
        latest = {}
        for facility_id, at, outcome in inspections:
            if at <= period.end:
                latest[facility_id] = (at, outcome)
        expected = sum(
            1
            for pk in in_service
            if pk in latest
            and latest[pk][1] == "normal"
            and intervals.get(pk)
            and latest[pk][0] + timedelta(days=intervals[pk]) >= period.end
        )
        figures = dashboard_figures(user=admin, region=None, period=period, now=now)
        assert figures.operating.numerator == expected, period.key
        assert figures.operating.denominator == len(in_service)
        assert 0 < expected < len(in_service)
