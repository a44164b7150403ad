import pytest

from yima.cases import tracking
from yima.cases.privacy import mask_phone, normalize_phone, redact_phones


def test_tracking_numbers_avoid_look_alike_characters():
    numbers = {tracking.generate() for _ in range(300)}
    assert len(numbers) == 300
    for number in numbers:
        assert len(number) == 8
        assert not set(number) & set("01OIL")


@pytest.mark.parametrize(
    "typed", ["K7MQ3XWP", "k7mq-3xwp", " K7MQ 3XWP ", "k7mq_3xwp", "K7MQ\u30003XWP", "K7MQ—3XWP"]
)
def test_typed_tracking_number_ignores_case_spaces_and_dashes(typed):
    assert tracking.normalize(typed) == "K7MQ3XWP"


@pytest.mark.parametrize("typed", ["", "K7MQ3XW", "K7MQ3XWPA", "K7MQ3XW0", "KOMQ3XWP", "K1MQ3XWP"])
def test_malformed_tracking_number_is_refused(typed):
    assert tracking.normalize(typed) is None


def test_tracking_number_is_shown_in_two_groups_of_four():
    assert tracking.format_tracking("K7MQ3XWP") == "K7MQ-3XWP"


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0791-88880001", "079188880001"),
    ],
)
def test_phone_numbers_are_stored_as_digits(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "23812345678", "hello", "1381234567"])
def test_not_a_phone_number(typed):
    assert normalize_phone(typed) is None


def test_phone_is_masked_for_the_contractor():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == ""


def test_mobile_numbers_typed_into_text_are_masked():
    text = "请联系我 13812345678 或 139 8765 4321，订单号 123456789012345 不变"
    assert redact_phones(text) == "请联系我 138****5678 或 139****4321，订单号 123456789012345 不变"
