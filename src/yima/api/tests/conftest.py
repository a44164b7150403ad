"""Fixtures for API tests: a key per persona, clients that send it, and a fresh cache and
notice outbox (public reports go through the cases app's rate limits and notices)."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from yima.api.services import api_key_create
from yima.cases.notifications import MemoryBackend


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "case-photos"
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    MemoryBackend.outbox.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key_for(world):
    """`key_for("regulator")` -> a new API key's secret acting as that persona."""

    def make(persona: str, name: str = "") -> str:
        _key, secret = api_key_create(name=name or f"{persona} test", user=world.user(persona))
        return secret

    return make


class ApiClient:
    """A test client that sends a Bearer key and decodes JSON answers."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data=None):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_as(key_for):
    """`api_as("operator")` -> ApiClient with that persona's key; "public": no credentials."""

    def make(persona: str) -> ApiClient:
        return ApiClient(None if persona == "public" else key_for(persona))

    return make
