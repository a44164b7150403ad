"""Photo uploads: prove each is a real image, bound its size, resize it, and make two copies.

The original copy keeps its EXIF block (time and GPS position are evidence that the technician
was there) and is only ever served to the contractor and regulators in scope. The public copy
is re-encoded from the pixels alone, so no metadata (EXIF, GPS, XMP, comments) survives in it.
"""

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

MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; decompression bombs are far larger
GPS_IFD = 0x8825
ORIENTATION = 0x0112

TOO_MANY = gettext_noop("At most %(count)s photos per submission.")


@dataclass(frozen=True)
class ProcessedPhoto:
    original: ContentFile
    public: ContentFile
    width: int
    height: int
    had_location: bool


def _encode(img: Image.Image, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=82, optimize=True, **params)
    return buf.getvalue()


def process_photo(upload) -> ProcessedPhoto:
    """Validate one uploaded file and return its private and public JPEG copies.

    Raises ValidationError with a message naming the file when it is not an acceptable photo.
    """
    img, exif = open_photo(
        upload,
        max_mb=settings.YIMA_PHOTO_MAX_MB,
        max_px=settings.YIMA_PHOTO_MAX_PX,
        formats=ACCEPTED_FORMATS,
        max_pixels=MAX_PIXELS,
    )
    had_location = bool(exif.get_ifd(GPS_IFD))

    exif[ORIENTATION] = 1  # the pixels are upright now
    original = _encode(img, exif=exif.tobytes())
    # A fresh image from the pixels alone: nothing from the source file's info comes along.
    bare = Image.frombytes("RGB", img.size, img.tobytes())
    public = _encode(bare)
    stem = uuid.uuid4().hex
    return ProcessedPhoto(
        original=ContentFile(original, name=f"{stem}.jpg"),
        public=ContentFile(public, name=f"{stem}-p.jpg"),
        width=img.width,
        height=img.height,
        had_location=had_location,
    )


def process_photos(uploads) -> list[ProcessedPhoto]:
    uploads = [u for u in uploads if u]
    if len(uploads) > settings.YIMA_PHOTO_MAX_COUNT:
        raise ValidationError(_(TOO_MANY) % {"count": settings.YIMA_PHOTO_MAX_COUNT})
    errors, photos = [], []
    for upload in uploads:
        try:
            photos.append(process_photo(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return photos


def attach(photo_model, processed: ProcessedPhoto, **fields):
    """Save a processed photo as a row of `photo_model` (InspectionPhoto or WorkOrderPhoto)."""
    row = photo_model(
        width=processed.width,
        height=processed.height,
        had_location=processed.had_location,
        **fields,
    )
    row.original.save(processed.original.name, processed.original, save=False)
    row.public.save(processed.public.name, processed.public, save=False)
    row.save()
    return row
