"""Reporters' photos: prove each is a real image, bound its size, resize it, and re-encode it
from the pixels alone, so nothing of the original file (EXIF, GPS position, phone model,
comments) is kept."""

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image

from yima.core.photos import ACCEPTED_FORMATS, NOT_AN_IMAGE, TOO_LARGE, open_photo  # noqa: F401

MAX_PIXELS = 60_000_000  # a large phone photo; decompression bombs are far larger

TOO_MANY = gettext_noop("At most %(count)s photos per report.")


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    width: int
    height: int


def clean_photo(upload) -> CleanPhoto:
    """Validate one uploaded file and return a bare JPEG of it (upright, resized, no metadata).

    Raises ValidationError naming the file when it is not an acceptable photo.
    """
    img, _exif = open_photo(
        upload,
        max_mb=settings.YIMA_CASE_PHOTO_MAX_MB,
        max_px=settings.YIMA_CASE_PHOTO_MAX_PX,
        formats=ACCEPTED_FORMATS,
        max_pixels=MAX_PIXELS,
    )
    # A fresh image from the pixels alone: nothing from the source file's info comes along.
    bare = Image.frombytes("RGB", img.size, img.tobytes())
    buf = io.BytesIO()
    bare.save(buf, format="JPEG", quality=82, optimize=True)
    return CleanPhoto(
        content=ContentFile(buf.getvalue(), name=f"{uuid.uuid4().hex}.jpg"),
        width=bare.width,
        height=bare.height,
    )


def clean_photos(uploads) -> list[CleanPhoto]:
    """All photos of one report, or ValidationError listing every bad file."""
    uploads = [u for u in uploads if u]
    if len(uploads) > settings.YIMA_CASE_PHOTO_MAX_COUNT:
        raise ValidationError(_(TOO_MANY) % {"count": settings.YIMA_CASE_PHOTO_MAX_COUNT})
    errors, photos = [], []
    for upload in uploads:
        try:
            photos.append(clean_photo(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return photos
