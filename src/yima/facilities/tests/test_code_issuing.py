"""Codes are issued once, in order, never twice: also when registrations race on PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from yima.core.testing import facility_fields, make_world
from yima.facilities.codes import parse_code
from yima.facilities.models import CodeSerial, Facility
from yima.facilities.services import codes_allocate, facility_register


@pytest.mark.django_db
def test_serials_follow_each_other_within_county_and_year(world):
    first = facility_register(
        actor=world.regulator, **facility_fields(world.nanchang_county, world.liantang, None)
    )
    second = facility_register(
        actor=world.regulator, **facility_fields(world.nanchang_county, world.xiangtang, None)
    )
    # world.facility_a already holds 360121-2019-0001.
    assert parse_code(first.code).serial == 2
    assert parse_code(second.code).serial == 3
    assert first.display_code.startswith("360121-2019-")


@pytest.mark.django_db
def test_each_county_and_year_counts_on_its_own(world):
    other_year = facility_register(
        actor=world.regulator,
        **facility_fields(world.nanchang_county, world.liantang, None, year_built=2016),
    )
    assert other_year.display_code.startswith("360121-2016-0001-")


@pytest.mark.django_db
def test_a_decommissioned_facility_keeps_its_code_and_the_serial_is_not_reused(world):
    from yima.facilities.services import facility_change_status, facility_delete

    code_a = world.facility_a.code
    facility_change_status(
        facility=world.facility_a,
        actor=world.regulator,
        to_status="decommissioned",
        reason="replaced by the town plant",
    )
    facility_delete(facility=world.facility_a, actor=world.regulator, reason="entered twice")
    new = facility_register(
        actor=world.regulator, **facility_fields(world.nanchang_county, world.liantang, None)
    )
    assert new.code != code_a
    assert Facility.objects.filter(code=code_a).exists()


@pytest.mark.django_db
def test_a_legacy_code_raises_the_counter():
    from yima.facilities.services import codes_reserve_existing

    codes_reserve_existing(county_code="360121", year=2019, serial=19)
    assert CodeSerial.objects.get(county_code="360121", year=2019).last_serial == 19
    codes_reserve_existing(county_code="360121", year=2019, serial=5)  # never lowered
    (code,) = codes_allocate(county_code="360121", year=2019)
    assert parse_code(code).serial == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_share_a_serial():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (YIMA_DATABASE_URL=postgres://...)")
    world = make_world()
    threads_n, per_thread = 8, 5
    barrier = threading.Barrier(threads_n)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def register(i: int) -> None:
        try:
            barrier.wait()
            for j in range(per_thread):
                f = facility_register(
                    actor=world.regulator,
                    **facility_fields(
                        world.nanchang_county,
                        world.liantang,
                        None,
                        year_built=2021,
                        capacity_m3d=Decimal(10 + i + j),
                    ),
                )
                with lock:
                    codes.append(f.code)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(codes) == len(set(codes)) == threads_n * per_thread
    serials = sorted(parse_code(c).serial for c in codes)
    assert serials == list(range(1, threads_n * per_thread + 1))
