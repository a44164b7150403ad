"""Scorecards on the hand-checked November of conftest.py: every item's numbers, the points,
the total and the verdict, and the rule for items without data."""

from decimal import Decimal

import pytest

from yima.assessment import selectors
from yima.assessment.choices import ItemKey
from yima.assessment.tests.conftest import A_TOTAL, B_TOTAL, PERIOD
from yima.cases.selectors import Rate


def _period():
    from yima.dashboard.selectors import Period

    return Period.parse(PERIOD)


def _cards(user):
    return {c.contractor.name: c for c in selectors.scorecards(user=user, period=_period())}


def test_contractor_a_scores_as_counted_by_hand(november, frozen_now):
    world, _ = november
    card = _cards(world.regulator)[world.contractor_a.name]
    expected = {
        # key: (met, counted, weight, points)
        ItemKey.INSPECTIONS_ON_TIME: (2, 3, Decimal("25"), "16.7"),
        ItemKey.VERIFIED_ON_SITE: (1, 2, Decimal("15"), "7.5"),
        ItemKey.REPAIRS_ON_TIME: (2, 5, Decimal("20"), "8.0"),
        ItemKey.COMPLIANCE: (2, 3, Decimal("15"), "10.0"),
        ItemKey.COMPLAINTS_ON_TIME: (2, 3, Decimal("15"), "10.0"),
        ItemKey.SATISFACTION: (1, 2, Decimal("10"), "5.0"),
    }
    got = {
        i.key: (i.rate.numerator, i.rate.denominator, i.weight, str(i.points)) for i in card.items
    }
    assert got == expected
    assert card.total == A_TOTAL  # 16.667 + 7.5 + 8 + 10 + 10 + 5 = 57.167
    assert card.pass_mark == Decimal("80")
    assert card.passed is False
    assert not card.rescaled


def test_contractor_b_without_data_is_rescaled_to_100(november, frozen_now):
    world, _ = november
    card = _cards(world.regulator)[world.contractor_b.name]
    assert card.item(ItemKey.INSPECTIONS_ON_TIME).rate == Rate(2, 2)
    assert card.item(ItemKey.VERIFIED_ON_SITE).rate == Rate(1, 2)
    for key in (
        ItemKey.REPAIRS_ON_TIME,
        ItemKey.COMPLIANCE,
        ItemKey.COMPLAINTS_ON_TIME,
        ItemKey.SATISFACTION,
    ):
        assert card.item(key).points is None, key
    assert card.weight_counted == Decimal("40")  # 25 + 15
    assert card.total == B_TOTAL  # (25 + 7.5) / 40 × 100 = 81.25
    assert card.passed is True


def test_the_contractor_sees_the_same_card_as_the_regulator(november, frozen_now):
    world, _ = november
    own = _cards(world.operator)
    assert list(own) == [world.contractor_a.name]
    card = own[world.contractor_a.name]
    assert card.total == A_TOTAL
    assert [i.rate for i in card.items] == [
        i.rate for i in _cards(world.regulator)[world.contractor_a.name].items
    ]


def test_a_month_with_nothing_has_no_total_and_no_verdict(november, frozen_now):
    from yima.dashboard.selectors import Period

    world, _ = november
    card = selectors.scorecards(user=world.regulator, period=Period.parse("2026-09"))[0]
    assert all(not i.has_data for i in card.items)
    assert card.total is None
    assert card.passed is None


def _item(key, numerator, denominator, weight):
    return selectors.ItemScore(
        key=key,
        name=key,
        explanation="",
        weight=Decimal(weight),
        rate=Rate(numerator, denominator),
        evidence_url="/x/?period=2026-11",
    )


@pytest.mark.parametrize(
    ("items", "total"),
    [
        # all items with data: the points add up
        ([("a", 3, 4, "50"), ("b", 1, 2, "50")], Decimal("62.5")),  # 37.5 + 25
        # "b" has no data: 37.5 of 50 points -> 75 of 100
        ([("a", 3, 4, "50"), ("b", 0, 0, "50")], Decimal("75.0")),
        # weights need not add up to 100: 8 of 10 and 0 of 30 -> 8 of 40 -> 20
        ([("a", 4, 5, "10"), ("b", 0, 3, "30"), ("c", 0, 0, "60")], Decimal("20.0")),
        # an item weighing 0 never changes the total
        ([("a", 1, 1, "20"), ("b", 0, 9, "0")], Decimal("100.0")),
        # nothing with data: no total
        ([("a", 0, 0, "50")], None),
    ],
)
def test_no_data_items_are_left_out_and_the_total_rescaled(items, total):
    card = selectors.Scorecard(
        contractor=None,
        period=None,
        region=None,
        items=tuple(_item(*i) for i in items),
        pass_mark=Decimal("75"),
    )
    assert card.total == total
    assert card.passed is (None if total is None else total >= Decimal("75"))


def test_changing_a_weight_changes_the_total(november, frozen_now):
    from yima.assessment.services import assessment_weights_update

    world, _ = november
    # Satisfaction (1 / 2) weighs 0 now: 52.167 of 90 points -> 57.96 -> 58.0
    assessment_weights_update(
        actor=world.regulator, weights={"satisfaction": Decimal("0")}, reason="试行"
    )
    card = _cards(world.regulator)[world.contractor_a.name]
    assert card.item(ItemKey.SATISFACTION).points == Decimal("0.0")
    assert card.total == Decimal("58.0")
