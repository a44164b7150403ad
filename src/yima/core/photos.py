"""Checking uploaded photos, shared by public reports (cases) and field work (operations):
prove each file is a real image within its limits, then hand back an upright, resized RGB image
for the caller to encode as it needs.

Accepted: JPEG (and MPO, a phone's multi-picture JPEG), PNG, WebP and GIF (the first frame).
Everything else is refused with a message naming the file and the reason: empty, too many
bytes, not a picture at all (a PDF, an SVG, a program renamed .jpg), a picture in a format
yima does not take (TIFF, BMP, HEIC ...), too many pixels (decompression bombs: a small file
declaring a huge picture), or damaged (a cut-off upload). Only accepted formats are ever
parsed, and a picture is decoded only after its size in pixels is known to fit in memory.
"""

import os
import struct
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF"})
# Pixels decoded at once: 24 M (a 6000 x 4000 picture) peaks at about 250 MB while decoding and
# resizing. JPEGs are decoded at a reduced scale close to the final size, so only PNG, WebP and
# GIF come near this; a larger one is refused like a decompression bomb.
MAX_DECODED_PIXELS = 24_000_000
# A JPEG's EXIF segment holds at most 64 KB; a PNG or WebP may carry more, which is trimmed.
EXIF_MAX_BYTES = 60_000
GPS_IFD = 0x8825
EXIF_KEPT_TAGS = (0x010F, 0x0110, 0x0112, 0x0132)  # make, model, orientation, date and time
NAME_MAX = 60

EMPTY = gettext_noop("%(name)s is empty.")
TOO_LARGE = gettext_noop("%(name)s is larger than %(mb)s MB.")
NOT_AN_IMAGE = gettext_noop("%(name)s is not a picture. Photos may be JPEG, PNG, WebP or GIF.")
UNSUPPORTED = gettext_noop(
    "%(name)s is in %(format)s format, which is not accepted. Photos may be JPEG, PNG, WebP or GIF."
)
TOO_MANY_PIXELS = gettext_noop(
    "%(name)s has too many pixels (at most %(mp)s megapixels). Please send a smaller picture."
)
DAMAGED = gettext_noop("%(name)s is damaged or incomplete. Please take or send it again.")

# Leading bytes of picture formats that are refused, to say which format it was.
_SIGNATURES = (
    (b"II*\0", "TIFF"),
    (b"MM\0*", "TIFF"),
    (b"BM", "BMP"),
    (b"\0\0\1\0", "ICO"),
    (b"8BPS", "PSD"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\0\0\0\x0cJXL ", "JPEG XL"),
)
_HEIF_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"hevc": "HEIC", b"avif": "AVIF"}


def display_name(upload) -> str:
    """The file's name as shown in a message: no folders, no control or direction-changing
    characters (U+202E would show "gpj.exe" as "exe.jpg"), and not too long."""
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()
    name = "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in name)
    if len(name) > NAME_MAX:
        name = name[: NAME_MAX - 13] + "…" + name[-12:]
    return name or _("photo")


def _refused_format(head: bytes) -> str | None:
    """The name of a known picture format yima refuses, from the file's first bytes."""
    for signature, label in _SIGNATURES:
        if head.startswith(signature):
            return label
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _HEIF_BRANDS[head[8:12]]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "SVG"
    return None


def _fit_exif(exif: Image.Exif) -> Image.Exif:
    """The EXIF block if it fits a JPEG; otherwise only the evidence tags (camera, time,
    orientation, GPS position); otherwise nothing."""
    try:
        if len(exif.tobytes()) <= EXIF_MAX_BYTES:
            return exif
        small = Image.Exif()
        for tag in EXIF_KEPT_TAGS:
            if tag in exif:
                small[tag] = exif[tag]
        gps = exif.get_ifd(GPS_IFD)
        if gps:
            small[GPS_IFD] = dict(gps)
        if len(small.tobytes()) <= EXIF_MAX_BYTES:
            return small
    except Exception:  # noqa: BLE001 - a malformed EXIF block is dropped, not a reason to refuse
        pass
    return Image.Exif()


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
        # 16-bit greyscale (PNG): scale to 8 bits; a plain convert would clip it to white.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode in ("RGBA", "LA", "La", "RGBa", "P", "PA"):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        return flat
    return img if img.mode == "RGB" else img.convert("RGB")


def open_photo(
    upload,
    *,
    max_mb: int,
    max_px: int,
    formats: set[str] | frozenset[str] = ACCEPTED_FORMATS,
    max_pixels: int,
):
    """(image, exif): the upload decoded, upright, fitted into max_px, flattened to RGB, and
    the source's EXIF (for callers that keep it as evidence; trimmed to fit a JPEG).
    ValidationError names the file and says why it is refused."""
    name = display_name(upload)
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_(EMPTY) % {"name": name}, code="empty")
    if size > max_mb * 1024 * 1024:  # known from the upload's headers: nothing read yet
        raise ValidationError(_(TOO_LARGE) % {"name": name, "mb": max_mb}, code="too_large")
    too_many_pixels = ValidationError(
        _(TOO_MANY_PIXELS) % {"name": name, "mp": max_pixels // 1_000_000}, code="too_many_pixels"
    )
    damaged = ValidationError(_(DAMAGED) % {"name": name}, code="damaged")
    Image.init()
    allowed = [f for f in sorted(formats) if f in Image.OPEN]  # MPO opens through JPEG's parser
    try:
        upload.seek(0)
        head = upload.read(32)
        upload.seek(0)
        # Only the accepted formats' parsers look at the file; the header gives the size.
        with Image.open(upload, formats=allowed) as probe:
            if probe.format not in formats:
                raise UnidentifiedImageError(probe.format)
            if probe.width * probe.height > max_pixels:
                raise too_many_pixels
            probe.verify()  # structure and checksums, before anything is decoded
        upload.seek(0)
        img = Image.open(upload, formats=allowed)
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB", (max_px, max_px))  # decode at 1/2, 1/4 or 1/8 scale when larger
        if img.width * img.height > MAX_DECODED_PIXELS:
            raise too_many_pixels
        img.load()
        exif = _fit_exif(img.getexif())  # after the check: a PNG's may lie past its pixels
        img.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
        img = ImageOps.exif_transpose(img)
        img = _to_rgb(img)
    except UnidentifiedImageError:
        refused = _refused_format(head)
        if refused:
            message = _(UNSUPPORTED) % {"name": name, "format": refused}
            raise ValidationError(message, code="unsupported") from None
        raise ValidationError(_(NOT_AN_IMAGE) % {"name": name}, code="not_an_image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error):
        raise damaged from None
    except MemoryError:
        raise too_many_pixels from None
    return img, exif
