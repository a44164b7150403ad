"""Fixtures of the scan tests: a clean cache and media folder per test, and more facilities."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from yima.core.testing import facility_fields
from yima.facilities.services import facility_register


@pytest.fixture(autouse=True)
def clean_cache_and_media(settings, tmp_path):
    """The locmem cache outlives a test; rendered faces and QR matrices must not leak across."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


@pytest.fixture
def more_facilities(world):
    """`more_facilities(n)` registers n more facilities of contractor A in 南昌县 莲塘镇."""

    def make(count: int, **kw):
        fields = {"contractor": world.contractor_a, **kw}
        return [
            facility_register(
                actor=world.admin,
                **facility_fields(
                    world.nanchang_county,
                    world.liantang,
                    world.village_a,
                    name=f"罗家村第{i + 2}污水处理站",
                    capacity_m3d=Decimal("12.5"),
                    **fields,
                ),
            )
            for i in range(count)
        ]

    return make
