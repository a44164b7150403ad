"""The scorecard list and one contractor's card, for every persona."""

import pytest
from django.test import Client
from django.urls import reverse

from yima.assessment.tests.conftest import PERIOD

LIST = reverse("assessment:list") + f"?period={PERIOD}"


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _card_url(org):
    return reverse("assessment:card", args=[org.pk]) + f"?period={PERIOD}"


def test_regulator_sees_both_contractors_with_totals_and_verdicts(november, frozen_now):
    world, _ = november
    body = _client(world.regulator).get(LIST).content.decode()
    assert world.contractor_a.name in body and world.contractor_b.name in body
    assert "57.2" in body and "81.3" in body
    assert "不合格" in body and "合格" in body
    assert "2026年11月" in body or "2026-11" in body


def test_county_regulator_sees_only_contractors_holding_facilities_in_their_county(
    november, frozen_now
):
    world, _ = november
    client = _client(world.county_regulator)
    body = client.get(LIST).content.decode()
    assert world.contractor_a.name in body
    assert world.contractor_b.name not in body
    assert client.get(_card_url(world.contractor_a)).status_code == 200
    assert client.get(_card_url(world.contractor_b)).status_code == 404


def test_operator_sees_only_their_own_card(november, frozen_now):
    world, _ = november
    client = _client(world.operator)
    body = client.get(LIST).content.decode()
    assert world.contractor_a.name in body
    assert world.contractor_b.name not in body
    assert client.get(_card_url(world.contractor_b)).status_code == 404
    card = client.get(_card_url(world.contractor_a))
    assert card.status_code == 200
    assert "57.2" in card.content.decode()


def test_public_is_sent_to_login_and_stranger_refused(november, frozen_now):
    world, _ = november
    response = _client(None).get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _client(world.stranger).get(LIST).status_code == 403
    assert _client(world.stranger).get(_card_url(world.contractor_a)).status_code == 403


def test_failing_card_says_the_fee_may_be_suspended(november, frozen_now):
    world, _ = november
    body = _client(world.regulator).get(_card_url(world.contractor_a)).content.decode()
    assert "不合格，可暂停支付运维费" in body
    assert "16.7" in body and "8.0" in body
    passing = _client(world.regulator).get(_card_url(world.contractor_b)).content.decode()
    assert "不合格，可暂停支付运维费" not in passing
    assert "无数据" in passing  # B has nothing to count for four items
    assert "81.3" in passing


@pytest.mark.parametrize("item", ["repairs_on_time", "compliance", "satisfaction"])
def test_every_item_on_the_card_links_to_its_evidence(november, frozen_now, item):
    world, _ = november
    body = _client(world.regulator).get(_card_url(world.contractor_a)).content.decode()
    assert reverse("assessment:evidence", args=[world.contractor_a.pk, item]) in body


def test_a_period_yima_cannot_read_falls_back_with_a_message(november, frozen_now):
    world, _ = november
    response = _client(world.regulator).get(reverse("assessment:list") + "?period=banana")
    assert response.status_code == 200
    assert "banana" in response.content.decode()


def test_the_list_reads_a_fixed_number_of_queries_per_contractor(
    november, frozen_now, django_assert_max_num_queries
):
    world, _ = november
    client = _client(world.regulator)
    client.get(LIST)  # warm caches (sessions, content types)
    with django_assert_max_num_queries(60):
        assert client.get(LIST).status_code == 200
