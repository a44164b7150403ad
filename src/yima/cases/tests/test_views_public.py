"""Public pages: filing from the scan page's link, the report page, following, evaluating."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yima.cases import services
from yima.cases.models import Case
from yima.cases.tests.factories import assigned_case, file_case, photo_upload, resolved_case

NEW = reverse("cases:new")


def new_url(world, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"facility": world.facility_a.code, **params}.items())
    return f"{NEW}?{query}"


def post_report(client, world, **data):
    payload = {
        "case_type": "overflow",
        "description": "井盖旁边有污水冒出来",
        "reporter_phone": "13812345678",
        "website": "",
        "seen": "",
    }
    payload.update(data)
    return client.post(new_url(world, type=payload["case_type"]), payload)


def html(response) -> str:
    return response.content.decode()


# --- Filing ---


def test_the_scan_page_link_offers_the_problem_types(world, client):
    response = client.get(new_url(world))
    assert response.status_code == 200
    page = html(response)
    assert world.facility_a.name in page
    assert world.facility_a.display_code in page
    for name in ("污水溢流", "异味", "设施不运行", "噪声", "标识牌或设备损坏", "其他"):
        assert name in page
    assert "type=overflow" in page


def test_the_problem_types_read_in_english_for_english_readers(world, client):
    page = html(client.get(new_url(world), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Sewage overflow" in page and "What is wrong?" in page
    assert "污水溢流" not in page


def test_a_typed_code_with_dashes_is_understood(world, client):
    response = client.get(f"{NEW}?facility={world.facility_a.display_code}&type=odour")
    assert response.status_code == 200
    assert "异味" in html(response)


@pytest.mark.parametrize("code", ["360121-2019-9999-0", "nonsense"])
def test_an_unknown_facility_gets_a_helpful_page(world, client, code):
    response = client.get(f"{NEW}?facility={code}")
    assert response.status_code == 404
    assert "请核对标识牌上的编码" in html(response)


def test_filing_gives_a_tracking_number_and_a_page_to_follow(world, client):
    response = post_report(client, world, photos=[photo_upload()])
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/t/{case.tracking}/?filed=1"
    page = html(client.get(response["Location"]))
    assert "反映已提交" in page
    assert case.display_tracking in page
    assert case.photos.count() == 1
    assert case.reporter_phone == "13812345678"


def test_a_report_about_a_place_needs_the_place(world, client):
    response = client.post(
        f"{NEW}?type=odour", {"case_type": "odour", "description": "沟渠发臭", "subject": ""}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
    response = client.post(
        f"{NEW}?type=odour",
        {"case_type": "odour", "description": "沟渠发臭", "subject": "莲塘镇东街口"},
    )
    assert response.status_code == 302
    assert Case.objects.get().subject == "莲塘镇东街口"


def test_the_honeypot_stops_robots(world, client):
    response = post_report(client, world, website="http://spam.example")
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_a_bad_phone_number_is_explained(world, client):
    response = post_report(client, world, reporter_phone="12345")
    assert response.status_code == 400
    assert "这看起来不是电话号码" in html(response)
    assert not Case.objects.exists()


def test_too_many_reports_from_one_client_are_refused(world, client, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 2
    assert post_report(client, world, case_type="noise").status_code == 302
    assert post_report(client, world, case_type="odour").status_code == 302
    response = post_report(client, world, case_type="other")
    assert response.status_code == 429
    assert "收到的反映太多" in html(response)
    assert Case.objects.count() == 2


def test_the_duplicate_hint_offers_the_open_report_of_the_same_type(world, client):
    existing = file_case(world, code="overflow")
    response = client.get(new_url(world, type="overflow"))
    page = html(response)
    assert "已经有人反映过这个问题" in page
    assert reverse("cases:public", args=[existing.tracking]) in page
    assert f'name="seen" value="{existing.tracking}"' in page
    assert "已经有人反映过这个问题" not in html(client.get(new_url(world, type="noise")))
    # The type choice lists it too, with a link to follow it.
    assert reverse("cases:public", args=[existing.tracking]) in html(client.get(new_url(world)))


def test_the_reporter_may_still_file_after_seeing_the_duplicate(world, client):
    existing = file_case(world, code="overflow")
    response = post_report(client, world, seen=existing.tracking)
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_a_duplicate_that_appeared_while_typing_is_shown_before_filing(world, client):
    existing = file_case(world, code="overflow")
    response = post_report(client, world, seen="")
    assert response.status_code == 200
    assert reverse("cases:public", args=[existing.tracking]) in html(response)
    assert Case.objects.count() == 1


# --- The report's page ---


def test_the_public_page_never_shows_phone_numbers_staff_or_internal_notes(world, client):
    world.operator.first_name, world.operator.last_name = "师傅", "王"
    world.operator.save()
    case = file_case(world, description="我家电话 13911112222，井盖冒水")
    case = services.case_assign(
        case=case,
        actor=world.county_regulator,
        public_note="已交运维单位处理",
        internal_note="王师傅负责，电话 13700001111",
    )
    services.case_note(case=case, actor=world.operator, note="内部备注：周三去")
    services.case_resolve(
        case=case, actor=world.operator, public_note="已疏通。联系人 13655556666", internal_note="x"
    )
    response = client.get(reverse("cases:public", args=[case.tracking]))
    page = html(response)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    for secret in (
        "13812345678",  # the reporter's phone
        "138****5678",  # not even masked
        "13911112222",  # typed into the description
        "13655556666",  # typed into a public note
        "13700001111",
        "王师傅",
        "王 师傅",
        "county_regulator",
        "operator",
        "内部备注",
        "王师傅负责",
    ):
        assert secret not in page, secret
    assert "139****2222" in page and "已交运维单位处理" in page and "已疏通" in page
    assert not re.search(r"1[3-9]\d{9}", page)


def test_the_public_page_shows_promised_dates_and_progress(world, client):
    case = assigned_case(world)
    page = html(client.get(reverse("cases:public", args=[case.tracking])))
    due = timezone.localtime(case.resolve_due_at).date()
    assert f"承诺 {due:%Y-%m-%d} 前" in page
    assert "已交运维单位处理" in page  # the step
    assert "正在处理" in page  # the state


def test_a_hidden_report_does_not_exist_for_the_public(world, client):
    case = services.case_hide(case=file_case(world), actor=world.regulator, reason="辱骂")
    response = client.get(reverse("cases:public", args=[case.tracking]))
    assert response.status_code == 404
    assert case.display_tracking not in html(response).replace("value=", "")


def test_a_lowercase_or_dashed_number_in_the_address_is_corrected(world, client):
    case = file_case(world)
    response = client.get(f"/cases/t/{case.display_tracking.lower()}/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/t/{case.tracking}/"


def test_guessing_numbers_runs_into_a_limit(world, client, settings):
    settings.YIMA_CASE_LIMIT_LOOKUPS_PER_IP_HOUR = 3
    for _ in range(3):
        assert client.get("/cases/t/ABCD2345/").status_code == 404
    assert client.get("/cases/t/ABCD2345/").status_code == 429
    assert client.get("/cases/follow/?number=ABCD2345").status_code == 429


# --- Following ---


def test_following_a_report_by_its_number(world, client):
    case = file_case(world)
    typed = f" {case.tracking[:4].lower()} - {case.tracking[4:].lower()} "
    response = client.get(reverse("cases:follow"), {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/t/{case.tracking}/"


def test_following_an_unknown_or_malformed_number_says_what_is_wrong(world, client):
    response = client.get(reverse("cases:follow"), {"number": "ABCD-2345"})
    assert response.status_code == 404
    assert "没有这个查询码的反映" in html(response)
    response = client.get(reverse("cases:follow"), {"number": "ABCD-O1IL"})
    assert response.status_code == 400
    assert "不会出现 0、O、1、I、L" in html(response)
    assert client.get(reverse("cases:follow")).status_code == 200


# --- Evaluating ---


def test_the_reporter_evaluates_from_the_phone_they_filed_on(world, client):
    post_report(client, world)
    case = Case.objects.get()
    case = resolved_case_from(case, world)
    page = html(client.get(reverse("cases:public", args=[case.tracking])))
    assert 'name="rating"' in page and 'name="reporter_phone"' not in page
    response = client.post(
        reverse("cases:evaluate", args=[case.tracking]), {"fixed": "yes", "rating": "5"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.fixed is True
    page = html(client.get(response["Location"]))
    assert "感谢您的评价" in page
    assert 'name="rating"' not in page


def test_on_another_phone_the_reporter_gives_the_number_they_left(world):
    case = resolved_case(world)
    other = Client()
    url = reverse("cases:evaluate", args=[case.tracking])
    assert 'name="reporter_phone"' in html(other.get(reverse("cases:public", args=[case.tracking])))
    response = other.post(url, {"fixed": "no", "rating": "1", "reporter_phone": "13800000000"})
    assert response.status_code == 400
    assert "只有提交反映的人才能评价" in html(response)
    response = other.post(url, {"fixed": "no", "rating": "1", "reporter_phone": "13812345678"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "reopened"


def test_without_a_phone_only_the_filing_browser_may_evaluate(world, client):
    case = resolved_case(world, phone="")
    page = html(client.get(reverse("cases:public", args=[case.tracking])))
    assert "只有提交反映的人才能评价" in page
    assert 'name="rating"' not in page
    response = client.post(
        reverse("cases:evaluate", args=[case.tracking]), {"fixed": "yes", "rating": "5"}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == "resolved"


def resolved_case_from(case, world):
    case = services.case_assign(case=case, actor=world.regulator)
    return services.case_resolve(case=case, actor=world.operator, public_note="已处理")
