"""Photo uploads: real images only, bounded size and count, metadata gone from the public copy."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from yima.operations.photos import process_photo, process_photos
from yima.operations.tests.conftest import jpeg_bytes, upload


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(ValidationError, match="evil.jpg"):
        process_photo(upload("evil.jpg", b"<script>alert(1)</script>"))


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError):
        process_photo(upload("cut.jpg", jpeg_bytes()[:2000]))


def test_a_photo_over_the_size_limit_is_refused(settings):
    settings.YIMA_PHOTO_MAX_MB = 1
    big = upload("big.jpg", jpeg_bytes() + b"\0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="1 MB"):
        process_photo(big)


def test_too_many_photos_are_refused(settings):
    settings.YIMA_PHOTO_MAX_COUNT = 2
    with pytest.raises(ValidationError):
        process_photos([upload(), upload(), upload()])


def test_png_with_transparency_becomes_a_small_jpeg():
    buf = io.BytesIO()
    Image.new("RGBA", (400, 300), (255, 0, 0, 0)).save(buf, format="PNG")
    photo = process_photo(upload("shot.png", buf.getvalue(), "image/png"))
    assert (photo.width, photo.height) == (400, 300)
    with Image.open(photo.public) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.getpixel((10, 10)) == (255, 255, 255)  # transparency flattened on white


def test_public_copy_has_no_metadata_at_all():
    photo = process_photo(upload())
    raw = photo.public.read()
    assert b"Exif" not in raw and b"TestPhone" not in raw and b"http://ns.adobe.com/xap" not in raw
    assert photo.had_location
    assert b"TestPhone" in photo.original.read()


def test_rotated_phone_photo_is_stored_upright():
    img = Image.new("RGB", (300, 200), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: rotate 90° on display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    photo = process_photo(upload("upright.jpg", buf.getvalue()))
    assert (photo.width, photo.height) == (200, 300)
    with Image.open(photo.original) as original:
        assert original.getexif().get(0x0112) == 1
