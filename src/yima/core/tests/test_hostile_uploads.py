"""Hostile photo uploads, through every page that takes photos: the public report form
(/cases/new/), the inspection form, opening a repair order and completing one.

Each hostile file is sent next to a good photo. The page must name the file and say why it is
refused, and nothing may be stored: no report, inspection or order, no photo row, no file on
disk. Odd but real pictures (animated GIF, CMYK JPEG, 16-bit PNG, a PNG with a huge EXIF block,
a JPEG with HTML appended) are accepted and stored as plain JPEGs. The corpus is generated here.
"""

import io
import json
import struct
import subprocess
import sys
import textwrap
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yima.cases.models import Case, CasePhoto
from yima.core.photos import open_photo
from yima.operations.models import Inspection, InspectionPhoto, WorkOrder, WorkOrderPhoto

pytestmark = pytest.mark.django_db


# --- The corpus ---------------------------------------------------------------------------------


def picture(fmt="JPEG", mode="RGB", size=(640, 480), color=None, **params) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color if color is not None else 0).save(buf, format=fmt, **params)
    return buf.getvalue()


def good_jpeg() -> bytes:
    return picture(color=(40, 120, 200))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_declaring(width: int, height: int, *, rows: int = 4) -> bytes:
    """A small PNG whose header declares width x height RGB pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (width * 3 + 1) * rows, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def png_full(width: int, height: int) -> bytes:
    """A complete, valid RGBA PNG of width x height: all zeros, so it compresses to little."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\0" * (width * 4 + 1)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(picture("GIF", "P", size=(8, 8)))
    data[6:10] = struct.pack("<HH", width, height)  # the logical screen size
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(picture(size=(16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buf.getvalue()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script></svg>"
)

NOT_A_PICTURE = "不是图片"
FORMAT = "格式，不能接受"
PIXELS = "图片尺寸过大"
DAMAGED = "已损坏或不完整"
EMPTY = "是空文件"
TOO_LARGE = "超过 1 MB"

# (file name, content, what the message must say)
HOSTILE = {
    "pdf": (
        "report.jpg",
        lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        NOT_A_PICTURE,
    ),
    "zip": ("archive.jpg", zip_bytes, NOT_A_PICTURE),
    "html": ("page.jpg", lambda: b"<html><script>alert(1)</script></html>", NOT_A_PICTURE),
    "exe": ("setup.jpg", lambda: b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200, NOT_A_PICTURE),
    "empty": ("nothing.jpg", lambda: b"", EMPTY),
    "truncated": ("cut.jpg", lambda: good_jpeg()[:600], DAMAGED),
    "svg": ("drawing.svg", lambda: SVG, "SVG " + FORMAT),
    "svg-as-jpg": ("drawing.jpg", lambda: SVG, "SVG " + FORMAT),
    "svg-as-png": ("drawing.png", lambda: SVG, "SVG " + FORMAT),
    "tiff": ("scan.jpg", lambda: picture("TIFF", size=(32, 32)), "TIFF " + FORMAT),
    "bmp": ("paint.jpg", lambda: picture("BMP", size=(32, 32)), "BMP " + FORMAT),
    "ico": ("icon.png", lambda: picture("ICO", size=(32, 32)), "ICO " + FORMAT),
    "heic": ("iphone.jpg", lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64, "HEIC"),
    "png-30000": ("bomb.png", lambda: png_declaring(30000, 30000), PIXELS),
    "png-60000": ("bomb.png", lambda: png_declaring(60000, 60000), PIXELS),
    "png-10000": ("warn.png", lambda: png_declaring(10000, 10000), PIXELS),  # warning level
    "png-7000": ("big.png", lambda: png_declaring(7000, 7000), PIXELS),  # too much to decode
    "gif-30000": ("bomb.gif", lambda: gif_declaring(30000, 30000), PIXELS),
    "gif-60000": ("bomb.gif", lambda: gif_declaring(60000, 60000), PIXELS),
    "jpeg-30000": ("bomb.jpg", lambda: jpeg_declaring(30000, 30000), PIXELS),
    "jpeg-60000": ("bomb.jpg", lambda: jpeg_declaring(60000, 60000), PIXELS),
    "oversized": ("huge.jpg", lambda: good_jpeg() + b"\0" * (1024 * 1024 + 1), TOO_LARGE),
}


def _exif_png() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "A" * 70_000  # ImageDescription: more than a JPEG's EXIF segment can hold
    exif[0x010F] = "TestPhone"
    return picture("PNG", size=(320, 240), color=(10, 200, 10), exif=exif.tobytes())


def _animated_gif() -> bytes:
    frames = [Image.new("P", (120, 90), i * 40) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


POLYGLOT_TAIL = b"<html><body><script>alert('polyglot')</script></body></html>"

ACCEPTED = {
    "animated.gif": _animated_gif,
    "cmyk.jpg": lambda: picture("JPEG", "CMYK", size=(300, 200), color=(0, 255, 255, 0)),
    "grey16.png": lambda: picture("PNG", "I;16", size=(300, 200), color=0x8000),
    "exif.png": _exif_png,
    "polyglot.jpg": lambda: good_jpeg() + POLYGLOT_TAIL,
}


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type)


# --- The four pages that take photos ------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "case-photos"
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    settings.YIMA_PHOTO_MAX_MB = 1
    settings.YIMA_CASE_PHOTO_MAX_MB = 1
    settings.YIMA_CASE_PHOTO_MAX_COUNT = 6
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 1000
    from django.core.cache import cache

    cache.clear()


def stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("*") if p.is_file()]


def _report(world, client_for, photos):
    facility = world.facility_a
    url = f"/cases/new/?facility={facility.code}&type=overflow"
    data = {"case_type": "overflow", "description": "井盖旁边有污水冒出来", "photos": photos}
    return client_for("public").post(url, data)


def _inspection(world, client_for, photos):
    from yima.operations.tests.conftest import inspection_post

    url = f"/ops/f/{world.facility_a.code}/inspect/"
    return client_for("operator").post(url, inspection_post(photos=photos))


def _open_order(world, client_for, photos):
    url = f"/ops/f/{world.facility_a.code}/workorders/new/"
    data = {"description": "风机异响", "priority": "normal", "photos": photos}
    return client_for("operator").post(url, data)


def _in_progress_order(world):
    from yima.operations.services import work_order_open, work_order_start

    order = work_order_open(
        facility=world.facility_a, actor=world.regulator, source="regulator", description="堵塞"
    )
    return work_order_start(work_order=order, actor=world.operator)


def _complete_order(world, client_for, photos):
    order = WorkOrder.objects.filter(state="in_progress").first() or _in_progress_order(world)
    data = {"complete-resolution": "已疏通", "complete-photos": photos}
    return client_for("operator").post(f"/ops/workorders/{order.pk}/complete/", data)


def _nothing_stored(world):
    assert not Case.objects.exists() and not CasePhoto.objects.exists()
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
    assert not WorkOrderPhoto.objects.exists()
    # Completing refused: the order is still being worked on; opening refused: no order.
    assert set(WorkOrder.objects.values_list("state", flat=True)) <= {"in_progress"}


def _stored_photos():
    rows = [*CasePhoto.objects.all(), *InspectionPhoto.objects.all(), *WorkOrderPhoto.objects.all()]
    files = []
    for row in rows:
        for field in ("image", "public", "original"):
            if hasattr(row, field):
                with getattr(row, field).open("rb") as fh:
                    files.append(fh.read())
    return files


PAGES = {
    "report": _report,
    "inspection": _inspection,
    "open-order": _open_order,
    "complete-order": _complete_order,
}


def _refuses(world, client_for, tmp_path, page, kind) -> list[str]:
    """What went wrong when `page` got a good photo and the hostile file `kind` (none: [])."""
    name, make, reason = HOSTILE[kind]
    files_before = stored_files(tmp_path)
    good = upload("good.jpg", good_jpeg())
    response = PAGES[page](world, client_for, [good, upload(name, make())])
    html = response.content.decode()
    problems = []
    if response.status_code not in (200, 400):
        problems.append(f"{kind}: status {response.status_code}")
    if f"{name} " not in html or reason not in html:
        problems.append(f"{kind}: no message naming {name} with {reason!r}")
    if "good.jpg" in html:
        problems.append(f"{kind}: the good photo is blamed too")
    try:
        _nothing_stored(world)
    except AssertionError:
        problems.append(f"{kind}: rows were stored")
    if stored_files(tmp_path) != files_before:
        problems.append(f"{kind}: files were stored")
    return problems


@pytest.mark.parametrize("kind", HOSTILE)
def test_the_public_report_form_refuses_a_hostile_file_and_stores_nothing(
    world, client_for, tmp_path, kind
):
    assert _refuses(world, client_for, tmp_path, "report", kind) == []


@pytest.mark.parametrize("page", ["inspection", "open-order", "complete-order"])
def test_field_work_pages_refuse_every_hostile_file_and_store_nothing(
    world, client_for, tmp_path, page
):
    if page == "complete-order":
        _in_progress_order(world)
    problems = []
    for kind in HOSTILE:
        problems += _refuses(world, client_for, tmp_path, page, kind)
    assert problems == []


@pytest.mark.parametrize("page", PAGES)
def test_odd_but_real_pictures_are_accepted_and_stored_as_plain_jpegs(world, client_for, page):
    if page == "complete-order":
        _in_progress_order(world)
    photos = [upload(name, make()) for name, make in ACCEPTED.items()]
    response = PAGES[page](world, client_for, photos)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = _stored_photos()
    # Reports keep one re-encoded copy; field photos an original and a public copy.
    assert len(stored) == len(ACCEPTED) * (1 if page == "report" else 2)
    for data in stored:
        assert data.startswith(b"\xff\xd8") and b"<script" not in data and b"<html" not in data
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and img.mode == "RGB"
    greys = []
    for data in stored:
        with Image.open(io.BytesIO(data)) as img:
            if (
                img.size == (300, 200)
                and img.getpixel((150, 100))[0] == img.getpixel((150, 100))[2]
            ):
                greys.append(img.getpixel((150, 100)))
    # 0x8000 of 0xFFFF is mid-grey (128), not the white a plain conversion clips it to.
    assert greys and all(abs(v - 128) <= 2 for pixel in greys for v in pixel)


def test_a_huge_exif_block_is_trimmed_to_what_a_jpeg_holds(world, client_for):
    response = _inspection(world, client_for, [upload("exif.png", _exif_png())])
    assert response.status_code == 302
    photo = InspectionPhoto.objects.get()
    with photo.original.open("rb") as fh, Image.open(fh) as img:
        exif = img.getexif()
        assert exif.get(0x010F) == "TestPhone"  # the camera is kept as evidence
        assert 0x010E not in exif  # the 70 KB description is not


def test_a_file_name_with_markup_and_direction_marks_is_shown_as_text(world, client_for):
    name = '"><img src=x onerror=alert(1)>\u202egpj.exe'
    response = _report(world, client_for, [upload(name, b"MZ\x90\x00 not a picture")])
    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "\u202e" not in html  # "gpj.exe" does not display as "exe.jpg"
    _nothing_stored(world)


def test_a_direction_mark_in_a_file_name_is_shown_as_a_question_mark():
    with pytest.raises(ValidationError, match=r"evil\?gpj\.exe"):
        open_photo(upload("evil\u202egpj.exe", b"junk"), max_mb=1, max_px=100, max_pixels=10**6)


def test_a_long_file_name_is_shortened_in_the_message(world, client_for):
    name = "x" * 300 + ".jpg"
    html = _report(world, client_for, [upload(name, b"junk")]).content.decode()
    assert "x" * 100 not in html and "xxx…xxxxxxxx.jpg" in html


def test_an_oversized_upload_is_refused_before_any_of_it_is_read():
    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the photo was read")

        def chunks(self, *args):
            raise AssertionError("the photo was read")

    huge = Unreadable("huge.jpg", b"", "image/jpeg")
    huge.size = 500 * 1024 * 1024
    with pytest.raises(ValidationError, match="huge.jpg"):
        open_photo(huge, max_mb=10, max_px=1600, max_pixels=60_000_000)


def test_too_many_photos_in_one_report_are_refused(world, client_for, settings):
    settings.YIMA_CASE_PHOTO_MAX_COUNT = 2
    photos = [upload(f"p{i}.jpg", good_jpeg()) for i in range(3)]
    response = _report(world, client_for, photos)
    assert response.status_code == 400 and "2" in response.content.decode()
    _nothing_stored(world)


# --- Memory: bombs are refused before decoding; the largest accepted picture stays bounded ---

MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    import django
    from django.conf import settings
    settings.configure(USE_I18N=False)
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from yima.core.photos import open_photo

    data = open(sys.argv[1], "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        img, _ = open_photo(
            SimpleUploadedFile("x", data), max_mb=50, max_px=1600, max_pixels=60_000_000
        )
        result = list(img.size)
    except Exception as exc:
        result = type(exc).__name__
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"result": result, "grew_mb": (after - before) / 1024}))
    """
)

JPEG_60MP = textwrap.dedent(
    """
    import sys
    from PIL import Image
    Image.new("RGB", (7700, 7700), (90, 90, 90)).save(sys.argv[1], format="JPEG", quality=20)
    """
)


def _measure(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("content", "accepted", "limit_mb"),
    [
        pytest.param(lambda p: png_declaring(60000, 60000), False, 30, id="png-60000"),
        pytest.param(lambda p: png_declaring(10000, 10000), False, 30, id="png-10000-warning"),
        pytest.param(lambda p: gif_declaring(60000, 60000), False, 30, id="gif-60000"),
        # A complete 59-megapixel PNG (230 KB): within the declared limit, refused before decoding.
        pytest.param(lambda p: png_full(7700, 7700), False, 30, id="png-59mp-full"),
        # The largest PNG decoded: 23 megapixels RGBA, about 100 MB of pixels.
        pytest.param(lambda p: png_full(4800, 4800), True, 320, id="png-23mp-accepted"),
    ],
)
def test_a_decompression_bomb_never_allocates_gigabytes(tmp_path, content, accepted, limit_mb):
    path = tmp_path / "bomb"
    path.write_bytes(content(path))
    outcome = _measure(path)
    assert (outcome["result"] == [1600, 1600]) is accepted, outcome
    assert outcome["grew_mb"] < limit_mb, outcome


def test_a_60_megapixel_jpeg_is_decoded_at_reduced_scale(tmp_path):
    path = tmp_path / "big.jpg"
    subprocess.run([sys.executable, "-c", JPEG_60MP, str(path)], check=True)
    outcome = _measure(path)
    assert outcome["result"] == [1600, 1600], outcome
    # The full picture would be 7700 x 7700 x 4 bytes = 226 MB; at 1/4 scale it is 14 MB.
    assert outcome["grew_mb"] < 60, outcome


def test_the_inspection_page_offline_queue_gets_the_reason_as_json(world, client_for):
    from yima.operations.tests.conftest import inspection_post

    url = f"/ops/f/{world.facility_a.code}/inspect/"
    data = inspection_post(photos=[upload("bomb.png", png_declaring(60000, 60000))])
    data["client_id"] = str(uuid.uuid4())
    response = client_for("operator").post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert PIXELS in json.dumps(response.json(), ensure_ascii=False)
    _nothing_stored(world)
