"""The ledger services: registration issues codes, scope and regions are checked, history kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yima.core.testing import facility_fields
from yima.facilities.choices import Status
from yima.facilities.codes import parse_code
from yima.facilities.services import (
    facility_change_status,
    facility_delete,
    facility_register,
    facility_update,
)

pytestmark = pytest.mark.django_db


def register(world, actor, **kw):
    fields = facility_fields(world.nanchang_county, world.xiangtang, world.village_b, **kw)
    return facility_register(actor=actor, **fields)


def test_registration_issues_the_next_serial_of_the_county_and_year(world):
    second = register(world, world.county_regulator)
    assert second.code[:14] == "36012120190002"
    assert parse_code(second.code).compact == second.code


def test_registration_starts_the_status_history(world):
    facility = register(world, world.county_regulator, status=Status.PLANNED)
    change = facility.status_changes.get()
    assert (change.from_status, change.to_status, change.actor) == (
        "",
        Status.PLANNED,
        world.county_regulator,
    )


def test_county_regulator_cannot_register_in_another_county(world):
    fields = facility_fields(world.jinxian, world.jinxian_town, None)
    with pytest.raises(PermissionDenied):
        facility_register(actor=world.county_regulator, **fields)


def test_contractor_cannot_register(world):
    with pytest.raises(PermissionDenied):
        register(world, world.operator)


def test_town_must_belong_to_the_county(world):
    fields = facility_fields(world.nanchang_county, world.jinxian_town, None)
    with pytest.raises(ValidationError) as caught:
        facility_register(actor=world.regulator, **fields)
    assert "town" in caught.value.message_dict


def test_update_keeps_actor_reason_and_old_value(world):
    facility_update(
        facility=world.facility_a, actor=world.county_regulator, reason="普查", population=400
    )
    new, old = world.facility_a.history.all()[:2]
    assert (new.population, old.population) == (400, None)
    assert (new.history_user, new.history_change_reason) == (world.county_regulator, "普查")


def test_update_refuses_to_move_a_facility_out_of_scope(world):
    with pytest.raises(PermissionDenied):
        facility_update(
            facility=world.facility_a,
            actor=world.county_regulator,
            reason="x",
            county=world.jinxian,
            town=world.jinxian_town,
            village=None,
        )
    world.facility_a.refresh_from_db()
    assert world.facility_a.county == world.nanchang_county


def test_update_refuses_the_code(world):
    with pytest.raises(ValueError, match="code"):
        facility_update(facility=world.facility_a, actor=world.regulator, code="x")


def test_status_follows_the_allowed_transitions(world):
    facility_change_status(
        facility=world.facility_a, actor=world.regulator, to_status=Status.SUSPENDED, reason="检修"
    )
    with pytest.raises(ValidationError):
        facility_change_status(
            facility=world.facility_a, actor=world.regulator, to_status=Status.PLANNED, reason="x"
        )
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == Status.SUSPENDED


def test_status_change_needs_a_reason(world):
    with pytest.raises(ValidationError):
        facility_change_status(
            facility=world.facility_a, actor=world.regulator, to_status=Status.SUSPENDED, reason=""
        )


def test_contractor_cannot_change_status(world):
    with pytest.raises(PermissionDenied):
        facility_change_status(
            facility=world.facility_a, actor=world.operator, to_status=Status.SUSPENDED, reason="x"
        )


def test_deleted_code_is_never_issued_again(world):
    facility_delete(facility=world.facility_a, actor=world.regulator, reason="重复")
    again = register(world, world.regulator, year_built=2019)
    assert again.code != world.facility_a.code
    assert again.code[:14] == "36012120190002"
