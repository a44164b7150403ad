"""Staff login and logout."""

import pytest
from django.urls import reverse

from yima.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_login_page_is_in_chinese(client_for):
    body = client_for("public").get(LOGIN).content.decode()
    assert "工作人员登录" in body
    assert 'id="id_username"' in body


def test_staff_login_lands_on_the_ledger(world, client):
    response = client.post(LOGIN, {"username": "county_regulator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:list")


def test_login_returns_to_the_page_asked_for(world, client):
    detail = reverse("facilities:detail", args=[world.facility_a.code])
    response = client.post(LOGIN, {"username": "operator", "password": PASSWORD, "next": detail})
    assert response["Location"] == detail


def test_wrong_password_is_explained(world, client):
    response = client.post(LOGIN, {"username": "operator", "password": "wrong"})
    assert response.status_code == 200
    assert "errors" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_logged_in_user_is_sent_on_from_the_login_page(client_for):
    response = client_for("operator").get(LOGIN)
    assert response.status_code == 302


def test_logout_returns_home(client_for):
    client = client_for("operator")
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("facilities:list")).status_code == 302
