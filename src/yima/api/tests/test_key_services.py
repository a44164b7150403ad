"""API keys: made once, stored hashed, found by their secret, revoked for good."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yima.api import keys
from yima.api.models import ApiKey
from yima.api.selectors import api_key_find, api_key_for_secret
from yima.api.services import api_key_create, api_key_revoke, api_key_touch


def test_a_new_key_is_stored_only_as_its_hash_and_prefix(world):
    key, secret = api_key_create(name="12345 hotline", user=world.regulator)

    assert secret.startswith("yima_") and len(secret) >= 40
    row = ApiKey.objects.get(pk=key.pk)
    assert row.key_hash == keys.hash_secret(secret)
    assert row.prefix == secret[:13]
    stored = [str(value) for value in ApiKey.objects.filter(pk=key.pk).values().first().values()]
    assert secret not in stored


def test_two_keys_never_share_a_secret(world):
    _a, first = api_key_create(name="a", user=world.regulator)
    _b, second = api_key_create(name="b", user=world.regulator)
    assert first != second


def test_a_key_needs_a_name(world):
    with pytest.raises(ValidationError):
        api_key_create(name="  ", user=world.regulator)


def test_the_secret_finds_the_key_and_a_wrong_one_finds_nothing(world):
    key, secret = api_key_create(name="hotline", user=world.operator)

    assert api_key_for_secret(secret) == key
    assert api_key_for_secret(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert api_key_for_secret("") is None
    assert api_key_for_secret("Bearer " + secret) is None


def test_a_revoked_key_no_longer_works_and_cannot_be_revoked_twice(world):
    key, secret = api_key_create(name="old app", user=world.operator)

    api_key_revoke(key=key, actor=world.admin, reason="phone lost")

    assert api_key_for_secret(secret) is None
    key.refresh_from_db()
    assert key.revoked_at is not None
    last = key.history.first()
    assert last.history_user == world.admin and last.history_change_reason == "phone lost"
    with pytest.raises(ValidationError):
        api_key_revoke(key=key, actor=world.admin)


def test_a_key_of_a_disabled_user_does_not_work(world):
    _key, secret = api_key_create(name="app", user=world.operator)
    world.operator.is_active = False
    world.operator.save()

    assert api_key_for_secret(secret) is None


def test_last_use_is_recorded_at_most_once_a_minute(world):
    key, _secret = api_key_create(name="app", user=world.operator)
    now = timezone.now()

    api_key_touch(key, now=now)
    api_key_touch(key, now=now + timedelta(seconds=30))
    key.refresh_from_db()
    assert key.last_used_at == now

    api_key_touch(key, now=now + timedelta(minutes=2))
    key.refresh_from_db()
    assert key.last_used_at == now + timedelta(minutes=2)
    assert key.history.count() == 1  # using a key is not a change of the key


def test_an_administrator_finds_a_key_by_id_prefix_or_secret(world):
    key, secret = api_key_create(name="app", user=world.operator)

    assert api_key_find(str(key.pk)) == key
    assert api_key_find(key.prefix) == key
    assert api_key_find(secret) == key
    assert api_key_find("yima_nothing") is None
