"""API keys in the Django admin: created with the secret shown once, revoked, never deleted."""

import re

from yima.api.models import ApiKey
from yima.api.selectors import api_key_for_secret


def test_an_administrator_creates_a_key_and_sees_it_once(world, client):
    client.force_login(world.admin)

    response = client.post(
        "/admin/api/apikey/add/", {"name": "12345 hotline", "user": world.regulator.pk}
    )

    assert response.status_code == 200
    secret = re.search(r'id="api-key-secret"[^>]*>(yima_[^<]+)<', response.content.decode())[1]
    key = api_key_for_secret(secret)
    assert key.name == "12345 hotline" and key.user == world.regulator
    assert key.history.first().history_user == world.admin
    change_page = client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert secret not in change_page and key.prefix in change_page


def test_an_administrator_revokes_keys_in_bulk_and_cannot_delete_them(world, client):
    client.force_login(world.admin)
    client.post("/admin/api/apikey/add/", {"name": "old app"})
    key = ApiKey.objects.get()

    client.post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.history.first().history_user == world.admin
    assert client.get(f"/admin/api/apikey/{key.pk}/delete/").status_code == 403


def test_staff_without_admin_rights_cannot_reach_the_keys(client_for):
    response = client_for("regulator").get("/admin/api/apikey/")

    assert response.status_code == 302
