"""Checking uploaded photos, shared by public reports (cases) and field work (operations):
prove each file is a real image within its limits, then hand back an upright, resized RGB image
for the caller to encode as it needs."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError

NOT_AN_IMAGE = gettext_noop("%(name)s is not a photo (JPEG, PNG or WebP).")
TOO_LARGE = gettext_noop("%(name)s is larger than %(mb)s MB.")


def open_photo(upload, *, max_mb: int, max_px: int, formats: set[str], max_pixels: int):
    """(image, exif): the upload decoded, upright, fitted into max_px, flattened to RGB, and
    the source's EXIF (for callers that keep it as evidence). ValidationError names the file."""
    name = getattr(upload, "name", "") or _("photo")
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError(_(TOO_LARGE) % {"name": name, "mb": max_mb})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in formats or probe.width * probe.height > max_pixels:
                raise ValidationError(_(NOT_AN_IMAGE) % {"name": name})
            probe.verify()  # catches truncated and corrupt files before decoding
        upload.seek(0)
        with Image.open(upload) as img:
            img.load()
            exif = img.getexif()
            img = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_(NOT_AN_IMAGE) % {"name": name}) from None

    img.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    elif img.mode != "RGB":
        img = img.convert("RGB")
    return img, exif
