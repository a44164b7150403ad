"""Login security: lockout after repeated failures, and what is recorded."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import override_settings
from django.urls import reverse

from yima.core.testing import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("axes_on")]

LOGIN = "/accounts/login/"


@pytest.fixture
def axes_on():
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3):
        yield


def fail(client, username="operator", times=1):
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong-password"})
    return response


def test_three_wrong_passwords_lock_the_account_with_a_chinese_page(world, client):
    fail(client, times=2)
    response = fail(client)
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录已暂时锁定" in body
    assert "密码已连续输错 3 次" in body
    assert "一小时" in body
    assert AccessAttempt.objects.get(username="operator").failures_since_start == 3


def test_correct_password_is_refused_while_locked(world, client):
    fail(client, times=3)
    response = client.post(LOGIN, {"username": "operator", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_still_let_the_user_in(world, client):
    fail(client, times=2)
    response = client.post(LOGIN, {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:list")


def test_lockout_of_one_user_does_not_lock_another_from_elsewhere(world, client):
    fail(client, times=3)
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    response = other.post(LOGIN, {"username": "regulator", "password": PASSWORD})
    assert response.status_code == 302


def test_login_logout_and_failures_are_recorded(world, client):
    fail(client)
    client.post(LOGIN, {"username": "operator", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    failure = AccessFailureLog.objects.get(username="operator")
    assert not failure.locked_out
    login = AccessLog.objects.get(username="operator")
    assert login.logout_time is not None
