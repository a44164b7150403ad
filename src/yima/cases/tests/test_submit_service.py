"""Filing a report: validation, where it goes, photos without metadata, abuse limits."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

from yima.cases import ratelimit, services
from yima.cases.choices import CaseState
from yima.cases.models import DESCRIPTION_MAX, CaseType
from yima.cases.photos import clean_photos
from yima.cases.tests.factories import case_type, file_case, jpeg_with_gps, photo_upload


def test_a_report_gets_a_tracking_number_deadlines_and_the_facility_region(world):
    case = file_case(world, phone="+86 138 1234 5678")
    assert len(case.tracking) == 8
    assert case.state == CaseState.SUBMITTED
    assert case.region == world.village_a  # the facility's village: its regulators handle it
    assert case.reporter_phone == "13812345678"
    assert case.accept_due_at < case.resolve_due_at
    event = case.events.get()
    assert (event.action, event.actor, event.by_reporter) == ("submit", None, True)


def test_the_reporter_must_describe_the_problem_within_4000_characters(world):
    with pytest.raises(ValidationError) as exc:
        file_case(world, description="   ")
    assert exc.value.message_dict == {"description": [_(services.DESCRIPTION_REQUIRED)]}
    with pytest.raises(ValidationError) as exc:
        file_case(world, description="臭" * (DESCRIPTION_MAX + 1))
    assert exc.value.message_dict == {
        "description": [_(services.DESCRIPTION_TOO_LONG) % {"max": DESCRIPTION_MAX}]
    }
    assert file_case(world, description="臭" * DESCRIPTION_MAX).pk


def test_a_bad_phone_number_is_refused_but_none_is_fine(world):
    with pytest.raises(ValidationError) as exc:
        file_case(world, phone="12345")
    assert exc.value.message_dict == {"reporter_phone": [_(services.BAD_PHONE)]}
    assert file_case(world, phone="").reporter_phone == ""


def test_a_report_about_no_facility_must_say_where(world):
    with pytest.raises(ValidationError) as exc:
        services.case_submit(case_type=case_type(), description="臭")
    assert exc.value.message_dict == {"subject": [_(services.PLACE_REQUIRED)]}


def test_a_withdrawn_problem_type_cannot_be_reported(world):
    CaseType.objects.filter(code="noise").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        file_case(world, code="noise")
    assert "case_type" in exc.value.message_dict


def test_photos_are_resized_and_lose_their_location_metadata(world):
    [photo] = clean_photos([photo_upload()])
    case = file_case(world, photos=[photo])
    stored = case.photos.get()
    with stored.image.open("rb") as fh, Image.open(fh) as img:
        assert max(img.size) <= 1600
        assert not img.getexif()  # no EXIF at all: no GPS, no camera model
        assert "exif" not in img.info
    assert b"TestPhone" not in stored.image.open("rb").read()


def test_a_file_that_is_not_a_photo_is_refused_by_name(world):
    with pytest.raises(ValidationError) as exc:
        clean_photos([photo_upload("notes.jpg", b"not an image at all")])
    assert "notes.jpg" in exc.value.messages[0]


def test_photos_are_limited_in_size_and_number(world, settings):
    settings.YIMA_CASE_PHOTO_MAX_MB = 1
    big = io.BytesIO()
    Image.effect_noise((1400, 1400), 90).convert("RGB").save(big, format="PNG")
    assert big.tell() > 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        clean_photos([photo_upload("big.png", big.getvalue())])
    assert "big.png" in exc.value.messages[0]
    settings.YIMA_CASE_PHOTO_MAX_COUNT = 2
    with pytest.raises(ValidationError):
        clean_photos([photo_upload(data=jpeg_with_gps((60, 40))) for _ in range(3)])


def test_one_client_may_send_only_so_many_reports_an_hour(world, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 2
    file_case(world, client_ip="10.0.0.1")
    file_case(world, client_ip="10.0.0.1")
    with pytest.raises(ratelimit.RateLimited) as exc:
        file_case(world, client_ip="10.0.0.1")
    assert exc.value.message == ratelimit.TOO_MANY_REPORTS
    assert 0 < exc.value.retry_after <= 3600
    assert file_case(world, client_ip="10.0.0.2").pk  # a neighbour is not blocked


def test_one_facility_may_receive_only_so_many_reports_a_day(world, settings):
    settings.YIMA_CASE_LIMIT_PER_FACILITY_DAY = 2
    file_case(world, client_ip="10.0.0.1")
    file_case(world, client_ip="10.0.0.2")
    with pytest.raises(ratelimit.RateLimited):
        file_case(world, client_ip="10.0.0.3")
    assert file_case(world, facility=world.facility_b, client_ip="10.0.0.3").pk


def test_rate_limit_keys_hold_no_ip_address(world, settings):
    limit = ratelimit.submission_limits(client_ip="10.9.8.7", facility_id=None)[0]
    assert "10.9.8.7" not in limit._cache_key()
