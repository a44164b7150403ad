"""Fixtures for field-operations tests: private media in a temporary folder, photo bytes,
and small factories."""

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"


def jpeg_bytes(*, size=(2400, 1800), gps=True, color=(40, 120, 200)) -> bytes:
    """A JPEG like a phone's: large, with an EXIF block that carries a GPS position."""
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (28.0, 32.0, 45.6), 3: "E", 4: (115.0, 56.0, 38.4)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes(), quality=70)
    return buf.getvalue()


def upload(name="photo.jpg", data: bytes | None = None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else jpeg_bytes(), content_type)


def make_inspection(world, *, facility=None, actor=None, finished_at=None, ok=True, **kw):
    from yima.operations.services import inspection_record

    facility = facility or world.facility_a
    actor = actor or world.operator
    finished_at = finished_at or timezone.now()
    inspection, _ = inspection_record(
        facility=facility,
        actor=actor,
        client_id=kw.pop("client_id", uuid.uuid4()),
        answers={key: key != "inflow" or ok for key in DEFAULT_ITEMS},
        started_at=finished_at - timedelta(minutes=20),
        finished_at=finished_at,
        **kw,
    )
    return inspection


def near(facility, metres_north: float) -> dict:
    """WGS-84 position `metres_north` north of the facility (1° latitude ≈ 111,195 m)."""
    return {
        "coord_system": "wgs84",
        "latitude": facility.latitude + Decimal(str(round(metres_north / 111195.0, 7))),
        "longitude": facility.longitude,
    }


DEFAULT_ITEMS = (
    "inflow", "pumps", "cabinet", "effluent", "no_overflow", "no_odour", "sign", "outlet", "site"
)  # fmt: skip


def inspection_post(*, problems=(), **overrides) -> dict:
    """The POST body the inspection page sends (default checklist, all items normal)."""
    data = {
        "client_id": str(uuid.uuid4()),
        "outcome": "normal",
        "notes": "",
        "work_order_priority": "normal",
        **{f"item_{key}": "problem" if key in problems else "ok" for key in DEFAULT_ITEMS},
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    return data


def login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]
