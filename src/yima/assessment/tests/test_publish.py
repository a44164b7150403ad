"""Publishing freezes a period's scorecards with who and when."""

from decimal import Decimal

from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from yima.assessment.models import PublishedScorecard
from yima.assessment.tests.conftest import NOW, PERIOD, at


def _post(user):
    client = Client()
    client.force_login(user)
    url = reverse("assessment:publish") + f"?period={PERIOD}"
    return client.post(url, {"note": "11月考核结果"})


def test_regulator_publishes_frozen_numbers(november):
    world, records = november
    with freeze_time(NOW):
        assert _post(world.regulator).status_code == 302
    snaps = {s.contractor_id: s for s in PublishedScorecard.objects.all()}
    assert set(snaps) == {world.contractor_a.pk, world.contractor_b.pk}
    a = snaps[world.contractor_a.pk]
    assert a.total == Decimal("57.2") and a.passed is False
    assert a.published_by == world.regulator and a.bureau == world.city_bureau
    assert a.note == "11月考核结果"
    repairs = next(i for i in a.items if i["key"] == "repairs_on_time")
    assert (repairs["numerator"], repairs["denominator"], repairs["points"]) == (2, 5, "8.0")

    # The regulator sends a repair back afterwards: the live card changes, the published
    # one does not (repairs 1 / 5 -> 4 points: 16.667 + 7.5 + 4 + 10 + 10 + 5 = 53.2).
    from yima.operations.services import work_order_reopen

    with freeze_time(at(12, 6)):
        work_order_reopen(
            work_order=records["orders"]["early"], actor=world.regulator, reason="未修好"
        )
    a.refresh_from_db()
    assert a.total == Decimal("57.2")
    with freeze_time(at(12, 7)):
        client = Client()
        client.force_login(world.operator)
        body = client.get(reverse("assessment:list"), {"period": PERIOD}).content.decode()
    assert "53.2" in body  # live
    assert "57.2" in body  # published


def test_contractor_cannot_publish(november):
    world, _ = november
    with freeze_time(NOW):
        assert _post(world.operator).status_code == 403
        assert _post(world.stranger).status_code == 403
    assert not PublishedScorecard.objects.exists()


def test_publish_is_post_only(november, client):
    world, _ = november
    client.force_login(world.regulator)
    assert client.get(reverse("assessment:publish")).status_code == 405
