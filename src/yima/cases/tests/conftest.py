"""Fixtures for case tests: photos in a temporary folder, a fresh cache (rate limits live
there) and notices caught in memory. Factories are in factories.py."""

import pytest
from django.core.cache import cache

from yima.cases.notifications import MemoryBackend


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "case-photos"
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    MemoryBackend.outbox.clear()
    cache.clear()
    yield
    MemoryBackend.outbox.clear()
    cache.clear()


@pytest.fixture
def outbox():
    return MemoryBackend.outbox
