"""YIMA_STORAGE=s3: photos go to S3-compatible object storage (moto's S3 server on this
machine stands in for MinIO or a cloud bucket), private ones under a private prefix with no
public grant, and staff still download them through yima's views.

The STORAGES used here are the ones yima.settings builds from the YIMA_S3_* variables (read in
a subprocess), so the test covers the settings code too.
"""

import json
import os
import subprocess
import sys

import boto3
import pytest
from moto.server import ThreadedMotoServer

from yima.cases.models import Case
from yima.cases.tests.factories import photo_upload
from yima.operations.models import Inspection
from yima.operations.tests.conftest import inspection_post, jpeg_bytes, upload

pytestmark = pytest.mark.django_db

BUCKET = "yima-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """An empty bucket and yima's settings switched to it, as YIMA_STORAGE=s3 builds them."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIMA_", "DJANGO_"))}
    env.update(
        YIMA_HOME=str(tmp_path),
        YIMA_DEBUG="1",
        YIMA_STORAGE="s3",
        YIMA_S3_BUCKET=BUCKET,
        YIMA_S3_ENDPOINT_URL=s3_endpoint,
        YIMA_S3_ACCESS_KEY_ID="testing",
        YIMA_S3_SECRET_ACCESS_KEY="testing",
        YIMA_S3_REGION="us-east-1",
    )
    code = "import json, yima.settings as s; print(json.dumps(s.STORAGES))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    storages = json.loads(result.stdout.strip().splitlines()[-1])
    # Keep the test run's static files storage; everything else is what production would use.
    storages["staticfiles"] = settings.STORAGES["staticfiles"]
    settings.STORAGES = storages
    settings.MEDIA_ROOT = tmp_path / "no-media"  # nothing may land on the local disk
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "no-private"
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "no-cases"
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def is_private(client, key) -> bool:
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    return not any(g["Grantee"].get("URI") in PUBLIC_GRANTEES for g in grants)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_settings_choose_s3_for_every_upload_store(bucket, settings):
    for alias, prefix in (("default", "media"), ("private", "private"), ("case_photos", "cases")):
        store = settings.STORAGES[alias]
        assert store["BACKEND"] == "storages.backends.s3.S3Storage"
        assert store["OPTIONS"]["location"] == prefix
        assert store["OPTIONS"]["default_acl"] is None
        assert store["OPTIONS"]["querystring_auth"] is True


def test_an_inspection_photo_is_stored_in_s3_and_served_to_staff(
    bucket, world, client_for, settings
):
    code = world.facility_a.code
    data = inspection_post(photos=[upload("a.jpg", jpeg_bytes(size=(800, 600)))])
    response = client_for("operator").post(f"/ops/f/{code}/inspect/", data)
    assert response.status_code == 302
    photo = Inspection.objects.get().photos.get()

    stored = keys(bucket)
    assert stored == sorted([f"private/{photo.original.name}", f"media/{photo.public.name}"])
    assert all(is_private(bucket, key) for key in stored)
    assert not settings.YIMA_PRIVATE_MEDIA_ROOT.exists() and not settings.MEDIA_ROOT.exists()

    url = f"/ops/photos/inspection/{photo.pk}/"
    served = client_for("county_regulator").get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    original = bucket.get_object(Bucket=BUCKET, Key=f"private/{photo.original.name}")
    assert body(served) == original["Body"].read()
    assert client_for("other_operator").get(url).status_code == 404
    # The copy without metadata gets a signed, expiring URL, never a bare public one.
    assert "X-Amz-Signature=" in photo.public.url


def test_a_report_photo_is_stored_in_s3_and_served_to_staff(bucket, world, client_for, settings):
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    code = world.facility_a.code
    payload = {
        "case_type": "overflow",
        "description": "井盖旁边有污水冒出来",
        "reporter_phone": "13812345678",
        "website": "",
        "seen": "",
        "photos": [photo_upload()],
    }
    response = client_for("public").post(f"/cases/new/?facility={code}&type=overflow", payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    photo = case.photos.get()

    assert keys(bucket) == [f"cases/{photo.image.name}"]
    assert is_private(bucket, f"cases/{photo.image.name}")

    url = f"/cases/{case.tracking}/photos/{photo.pk}/"
    served = client_for("regulator").get(url)
    assert served.status_code == 200
    stored = bucket.get_object(Bucket=BUCKET, Key=f"cases/{photo.image.name}")["Body"].read()
    assert body(served) == stored and stored[:2] == b"\xff\xd8"
    anonymous = client_for("public").get(url)
    assert anonymous.status_code in (302, 404) and b"\xff\xd8" not in anonymous.content
