"""The demo generator: the Nanchang case (514 / 68 / 347) and its scaled versions."""

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from yima.accounts.models import Organisation
from yima.core.testing import make_user
from yima.facilities import demo
from yima.facilities.codes import parse_code
from yima.facilities.models import Facility, StatusChange
from yima.regions import geo
from yima.regions.models import Region

NANCHANG_COUNTIES = {
    "360102",
    "360103",
    "360104",
    "360111",
    "360112",
    "360113",
    "360121",
    "360123",
    "360124",
}


@pytest.fixture(scope="class")
def nanchang(django_db_setup, django_db_blocker):
    """The default dataset, generated once for the class below and rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        actor = make_user("demo-admin")
        result = demo.generate(actor=actor)
        yield result, actor
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def snapshot(**kwargs) -> list[tuple]:
    """Generate inside a savepoint, read everything that matters, and roll it back."""
    with transaction.atomic():
        demo.generate(**kwargs)
        rows = list(
            Facility.objects.order_by("code").values_list(
                "code",
                "name",
                "village__code",
                "village__name",
                "longitude",
                "latitude",
                "capacity_m3d",
                "process",
                "population",
                "status",
                "contractor__name",
            )
        )
        transaction.set_rollback(True)
    return rows


class TestNanchangCase:
    """The default dataset: generated once, checked from every side."""

    def test_default_dataset_is_the_nanchang_case(self, nanchang, db):
        result, _actor = nanchang
        facilities = Facility.objects.all()

        assert facilities.count() == 514
        assert facilities.values("town").distinct().count() == 68
        assert facilities.values("village").distinct().count() == 347
        assert (result.facilities, result.towns, result.villages) == (514, 68, 347)
        counties = set(facilities.values_list("county__code", flat=True).distinct())
        assert {code[:6] for code in counties} <= NANCHANG_COUNTIES
        assert all(code.endswith("000000") for code in counties)

    def test_towns_are_real_rural_towns_and_villages_are_marked_demo(self, nanchang, db):
        towns = Region.objects.filter(pk__in=Facility.objects.values("town"))
        villages = Region.objects.filter(pk__in=Facility.objects.values("village"))

        assert all(t.name[-1] in "镇乡" and not t.is_demo for t in towns)
        assert all(v.is_demo and v.level == "village" for v in villages)
        assert all(v.code[:9] == v.parent.code[:9] and v.code[9] == "2" for v in villages)
        names = villages.values_list("parent_id", "name")
        assert len(set(names)) == len(names)  # unique within a town
        assert all(name.endswith("村") for _town, name in names)

    def test_every_code_is_valid_unique_and_matches_county_and_year(self, nanchang, db):
        rows = list(Facility.objects.values_list("code", "county__code", "year_built"))

        assert len({code for code, _c, _y in rows}) == 514
        for code, county_code, year in rows:
            parsed = parse_code(code)
            assert (parsed.county_code, parsed.year) == (county_code[:6], year)

    def test_every_facility_lies_inside_its_county(self, nanchang, db):
        rows = Facility.objects.values_list("county__code", "longitude", "latitude")

        assert all(geo.county_contains(code, lon, lat) is True for code, lon, lat in rows)

    def test_history_and_status_changes_record_the_demo(self, nanchang, db):
        _result, actor = nanchang
        history = Facility.history.all()

        assert history.count() == 514
        assert set(history.values_list("history_change_reason", "history_user")) == {
            ("Demo data", actor.pk)
        }
        assert (
            Region.history.filter(history_change_reason="Demo data").count()
            == Region.objects.count()
        )
        first_changes = StatusChange.objects.filter(from_status="")
        assert first_changes.count() == 514
        suspended = Facility.objects.filter(status="suspended")
        assert StatusChange.objects.filter(to_status="suspended").count() == suspended.count()

    def test_attributes_are_realistic(self, nanchang, db):
        facilities = list(Facility.objects.all())

        assert {f.year_built for f in facilities} <= set(range(2015, 2024))
        typical = [f for f in facilities if 5 <= f.capacity_m3d <= 100]
        assert len(typical) >= 0.85 * len(facilities)
        assert any(f.capacity_m3d > 100 for f in facilities)
        for f in facilities:
            per_person = float(f.capacity_m3d) / f.population
            assert 0.095 <= per_person <= 0.155
            assert f.population > f.households > 0
        statuses = {
            row["status"]: row["n"]
            for row in Facility.objects.values("status").annotate(n=Count("id"))
        }
        assert statuses["in_service"] >= 0.85 * len(facilities)
        assert len({f.process for f in facilities}) >= 6
        assert all(f.receiving_water[-1] in "河港渠塘沟溪" for f in facilities)

    def test_contractors_share_whole_counties_and_bureaus_exist(self, nanchang, db):
        per_county = Facility.objects.values("county").annotate(
            n=Count("contractor", distinct=True)
        )

        assert {row["n"] for row in per_county} == {1}
        assert Facility.objects.values("contractor").distinct().count() == 3
        assert Organisation.objects.filter(
            name="南昌市生态环境局", region__code="360100000000"
        ).exists()
        assert Organisation.objects.filter(kind="regulator").count() == 1 + per_county.count()
        assert Organisation.objects.get(name="南昌县生态环境分局").region.name == "南昌县"

    def test_refuses_a_ledger_that_already_has_facilities(self, nanchang, db):
        with pytest.raises(demo.DemoError):
            demo.generate(facilities=10)

        result = demo.generate(facilities=10, seed=7, allow_existing=True)

        assert result.facilities == 10
        assert Facility.objects.count() == 524
        village_names = Region.objects.filter(level="village").values_list("parent_id", "name")
        assert len(set(village_names)) == len(village_names)


def test_same_seed_gives_the_same_data(db):
    first = snapshot(facilities=60, seed=5)

    assert snapshot(facilities=60, seed=5) == first
    assert snapshot(facilities=60, seed=6) != first


def test_small_dataset_keeps_every_village_in_use(db):
    result = demo.generate(facilities=50)

    assert Facility.objects.count() == 50
    assert result.villages == Facility.objects.values("village").distinct().count()
    assert 1 < result.towns <= result.villages <= 50
    assert Region.objects.filter(level="village").count() == result.villages


def test_generation_makes_no_query_per_facility(db):
    with CaptureQueriesContext(connection) as queries:
        demo.generate(facilities=1500)

    assert Facility.objects.count() == 1500
    # A few queries per (county, year) code allocation plus batched inserts: a query per
    # facility (or per history row, or status change) would be 1,500 or more.
    assert len(queries) < 1500 / 2
