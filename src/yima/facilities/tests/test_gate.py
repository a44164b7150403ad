import pytest

from yima.facilities.models import Facility

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("regulator", True, True),
        ("county_regulator", True, False),
        ("operator", True, False),
        ("other_operator", False, True),
        ("public", False, False),
        ("stranger", False, False),
    ],
)
def test_visibility_gate_by_persona(world, persona, sees_a, sees_b):
    user = world.user(persona) if persona != "stranger" else world.stranger
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    visible = set(Facility.objects.visible_to(user).values_list("pk", flat=True))
    assert (world.facility_a.pk in visible) is sees_a
    assert (world.facility_b.pk in visible) is sees_b


@pytest.mark.parametrize(
    ("persona", "edits_a", "edits_b"),
    [
        ("regulator", True, True),
        ("county_regulator", True, False),
        ("operator", False, False),
        ("other_operator", False, False),
    ],
)
def test_only_regulators_in_scope_may_edit(world, persona, edits_a, edits_b):
    editable = set(Facility.objects.editable_by(world.user(persona)).values_list("pk", flat=True))
    assert (world.facility_a.pk in editable) is edits_a
    assert (world.facility_b.pk in editable) is edits_b


def test_soft_deleted_facility_is_invisible_but_keeps_its_code(world):
    from yima.facilities.services import facility_delete

    facility_delete(facility=world.facility_a, actor=world.regulator, reason="duplicate entry")
    assert not Facility.objects.visible_to(world.regulator).filter(pk=world.facility_a.pk).exists()
    assert Facility.objects.filter(code=world.facility_a.code).exists()
