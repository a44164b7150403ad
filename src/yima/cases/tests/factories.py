"""Small factories: cases in each state, problem types, photos with location metadata."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yima.cases.models import CaseType


def case_type(code: str = "overflow") -> CaseType:
    return CaseType.objects.get(code=code)


def jpeg_with_gps(size=(2400, 1800)) -> bytes:
    """A phone-like JPEG whose EXIF carries the camera model and a GPS position."""
    img = Image.new("RGB", size, (90, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"
    exif[0x8825] = {1: "N", 2: (28.0, 32.0, 45.6), 3: "E", 4: (115.0, 56.0, 38.4)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes(), quality=70)
    return buf.getvalue()


def photo_upload(name="photo.jpg", data: bytes | None = None):
    return SimpleUploadedFile(name, data if data is not None else jpeg_with_gps(), "image/jpeg")


def file_case(world, *, facility=None, code="overflow", phone="13812345678", **kw):
    """A report from the public about facility_a (by default), as the web form files it."""
    from yima.cases.services import case_submit

    kw.setdefault("description", "井盖旁边有污水冒出来，已经两天了。")
    return case_submit(
        case_type=case_type(code),
        facility=world.facility_a if facility is None else facility,
        reporter_phone=phone,
        **kw,
    )


def assigned_case(world, **kw):
    from yima.cases.services import case_assign

    case = file_case(world, **kw)
    return case_assign(case=case, actor=world.county_regulator)


def resolved_case(world, **kw):
    from yima.cases.services import case_resolve

    case = assigned_case(world, **kw)
    return case_resolve(case=case, actor=world.operator, public_note="已清理管道，恢复正常。")
