"""/accounts/history/: a staff member's own logins, logouts and failed attempts."""

import pytest
from django.test import Client, override_settings

from yima.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
HISTORY = "/accounts/history/"


@pytest.fixture
def recorded(world):
    """operator logs in from one browser and fails once from another; regulator logs in."""
    with override_settings(AXES_ENABLED=True):
        phone = Client(REMOTE_ADDR="10.1.1.1", HTTP_USER_AGENT="OperatorPhone/1.0")
        phone.post(LOGIN, {"username": "operator", "password": PASSWORD})
        phone.post("/accounts/logout/")
        guesser = Client(REMOTE_ADDR="10.6.6.6", HTTP_USER_AGENT="GuessBot/2.0")
        guesser.post(LOGIN, {"username": "operator", "password": "wrong-password"})
        desk = Client(REMOTE_ADDR="10.2.2.2", HTTP_USER_AGENT="RegulatorDesk/3.0")
        desk.post(LOGIN, {"username": "regulator", "password": PASSWORD})
        desk.post(LOGIN, {"username": "regulator", "password": "wrong-password"})


def test_operator_sees_own_logins_and_failed_attempts(recorded, client_for):
    body = client_for("operator").get(HISTORY).content.decode()
    assert "我的登录记录" in body
    assert "10.1.1.1" in body and "OperatorPhone/1.0" in body
    assert "10.6.6.6" in body and "GuessBot/2.0" in body


def test_history_never_shows_another_users_entries(recorded, client_for):
    body = client_for("operator").get(HISTORY).content.decode()
    assert "10.2.2.2" not in body
    assert "RegulatorDesk/3.0" not in body


def test_regulator_sees_only_their_own(recorded, client_for):
    body = client_for("regulator").get(HISTORY).content.decode()
    assert "RegulatorDesk/3.0" in body
    assert "OperatorPhone/1.0" not in body and "GuessBot/2.0" not in body


def test_user_without_history_sees_an_empty_page(recorded, client_for):
    body = client_for("county_regulator").get(HISTORY).content.decode()
    assert "还没有登录记录" in body
    assert "没有失败的登录尝试" in body


def test_anonymous_is_sent_to_login(client_for):
    response = client_for("public").get(HISTORY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_top_bar_links_to_ones_own_login_history(client_for):
    html = client_for("operator").get("/ledger/").content.decode()
    assert 'href="/accounts/history/"' in html
    assert 'href="/accounts/history/"' not in client_for("public").get("/").content.decode()
