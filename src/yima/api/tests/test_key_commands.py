"""`yima create-api-key`, `list-api-keys` and `revoke-api-key`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from yima.api.models import ApiKey
from yima.api.selectors import api_key_for_secret


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_a_working_key_for_the_user(world):
    out, err = run("create_api_key", "12345 hotline", "--user", "county_regulator")

    secret = out.strip()
    key = api_key_for_secret(secret)
    assert key is not None and key.user == world.county_regulator and key.name == "12345 hotline"
    assert "Store it now" in err and secret not in err


def test_create_without_a_user_makes_an_open311_only_key(world):
    out, err = run("create_api_key", "WeChat mini-program")

    assert api_key_for_secret(out.strip()).user is None
    assert "Open311 reports only" in err


def test_create_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="No user named"):
        run("create_api_key", "app", "--user", "nobody")
    assert ApiKey.objects.count() == 0


def test_list_shows_prefixes_and_users_but_never_the_keys(world):
    secret, _ = run("create_api_key", "hotline", "--user", "regulator")
    secret = secret.strip()

    out, _err = run("list_api_keys")

    assert "hotline" in out and "regulator" in out and secret[:13] in out
    assert secret not in out
    assert "1 key(s)" in out


def test_revoke_by_prefix_stops_the_key_and_list_active_leaves_it_out(world):
    secret = run("create_api_key", "hotline", "--user", "regulator")[0].strip()
    key = ApiKey.objects.get()

    out, _err = run("revoke_api_key", key.prefix, "--reason", "contract ended")

    assert "Revoked" in out
    assert api_key_for_secret(secret) is None
    assert key.history.first().history_change_reason == "contract ended"
    assert "hotline" not in run("list_api_keys", "--active")[0]
    assert "hotline" in run("list_api_keys")[0]


def test_revoke_an_unknown_or_already_revoked_key_fails(world):
    with pytest.raises(CommandError, match="No single API key"):
        run("revoke_api_key", "yima_unknown")
    run("create_api_key", "hotline")
    key = ApiKey.objects.get()
    run("revoke_api_key", str(key.pk))
    with translation.override("en"), pytest.raises(CommandError, match="already revoked"):
        run("revoke_api_key", str(key.pk))
