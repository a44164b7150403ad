"""Issuing and reissuing labels: who, when and why are kept; serials only go up."""

import pytest
from django.core.exceptions import ValidationError

from yima.facilities.models import Facility
from yima.scan.models import Label
from yima.scan.services import label_issue, label_reissue, labels_issue_missing


def test_first_print_issues_label_one_and_records_who(world):
    label = label_issue(facility=world.facility_a, actor=world.operator)
    assert label.serial == 1
    assert label.issued_by == world.operator
    assert label.reason


def test_issuing_again_returns_the_current_label_without_a_new_one(world):
    first = label_issue(facility=world.facility_a, actor=world.operator)
    again = label_issue(facility=world.facility_a, actor=world.regulator)
    assert again.pk == first.pk
    assert Label.objects.filter(facility=world.facility_a).count() == 1


def test_reissue_bumps_the_serial_and_keeps_the_history(world):
    label_issue(facility=world.facility_a, actor=world.operator)
    second = label_reissue(
        facility=world.facility_a, actor=world.county_regulator, reason="标识牌被盗"
    )
    third = label_reissue(facility=world.facility_a, actor=world.operator, reason="被车撞坏")
    assert (second.serial, third.serial) == (2, 3)
    history = list(
        Label.objects.filter(facility=world.facility_a)
        .order_by("serial")
        .values_list("serial", "issued_by__username", "reason")
    )
    assert history[1:] == [(2, "county_regulator", "标识牌被盗"), (3, "operator", "被车撞坏")]


def test_reissue_of_a_never_printed_facility_starts_at_one(world):
    assert label_reissue(facility=world.facility_b, actor=world.admin, reason="补发").serial == 1


def test_reissue_needs_a_reason(world):
    with pytest.raises(ValidationError):
        label_reissue(facility=world.facility_a, actor=world.operator, reason="  ")
    assert not Label.objects.exists()


def test_batch_issues_label_one_only_where_missing(world, more_facilities):
    extra = more_facilities(3)
    label_reissue(facility=extra[0], actor=world.admin, reason="旧牌损坏")
    label_reissue(facility=extra[0], actor=world.admin, reason="又损坏")
    issued = labels_issue_missing(facilities=Facility.objects.all(), actor=world.regulator)
    assert issued == 4  # facility_a, facility_b and two of the extra ones
    assert Label.objects.filter(facility=extra[0]).count() == 2
    assert set(
        Label.objects.filter(serial=1, issued_by=world.regulator).values_list(
            "facility_id", flat=True
        )
    ) == {world.facility_a.pk, world.facility_b.pk, extra[1].pk, extra[2].pk}
    assert labels_issue_missing(facilities=Facility.objects.all(), actor=world.regulator) == 0
