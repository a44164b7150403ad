"""Staff pages: who sees which cases, who may take which step, what each sees of the phone."""

import pytest
from django.urls import reverse

from yima.cases import services
from yima.cases.models import Case
from yima.cases.photos import clean_photos
from yima.cases.tests.factories import assigned_case, file_case, photo_upload

LIST = reverse("cases:list")


def detail(case) -> str:
    return reverse("cases:detail", args=[case.tracking])


def act(case, action: str) -> str:
    return reverse("cases:act", args=[case.tracking, action])


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def cases(world):
    """A: facility_a, assigned to contractor A; B: facility_b, not yet handed over."""
    return assigned_case(world), file_case(world, facility=world.facility_b)


# --- The list ---


@pytest.mark.parametrize(
    "persona, sees_a, sees_b",
    [
        ("regulator", True, True),
        ("county_regulator", True, False),
        ("operator", True, False),  # handed to contractor A
        ("other_operator", False, False),  # B is not handed to contractor B yet
    ],
)
def test_each_persona_lists_only_its_cases(world, client_for, cases, persona, sees_a, sees_b):
    a, b = cases
    page = html(client_for(persona).get(LIST))
    assert (a.display_tracking in page, b.display_tracking in page) == (sees_a, sees_b)


def test_outsiders_are_kept_out_of_the_list(world, client_for):
    assert client_for("stranger").get(LIST).status_code == 403
    response = client_for("public").get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_filters_by_state_type_and_overdue(world, client_for, cases):
    a, b = cases
    client = client_for("regulator")
    page = html(client.get(LIST, {"state": "submitted"}))
    assert b.display_tracking in page and a.display_tracking not in page
    page = html(client.get(LIST, {"case_type": "noise"}))
    assert a.display_tracking not in page and "没有符合筛选条件的反映" in page
    page = html(client.get(LIST, {"q": a.display_tracking.lower()}))
    assert a.display_tracking in page and b.display_tracking not in page
    Case.objects.filter(pk=b.pk).update(accept_due_at=b.submitted_at, resolve_due_at=b.submitted_at)
    page = html(client.get(reverse("cases:overdue")))
    assert b.display_tracking in page and a.display_tracking not in page
    assert html(client.get(LIST)).count("cs-overdue") == 1


def test_the_list_costs_the_same_few_queries_for_many_cases(
    world, client_for, django_assert_max_num_queries
):
    for _ in range(12):
        assigned_case(world)
    client = client_for("regulator")
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(7):
        response = client.get(LIST)
    assert html(response).count("cases/") > 12


# --- A case's page ---


@pytest.mark.parametrize(
    "persona, status, phone_shown",
    [
        ("regulator", 200, "13812345678"),
        ("county_regulator", 200, "13812345678"),
        ("operator", 200, "138****5678"),
        ("other_operator", 404, None),
        ("stranger", 404, None),
    ],
)
def test_the_phone_is_full_for_the_regulator_and_masked_for_the_contractor(
    world, client_for, cases, persona, status, phone_shown
):
    a, _ = cases
    response = client_for(persona).get(detail(a))
    assert response.status_code == status
    if phone_shown:
        page = html(response)
        assert phone_shown in page
        if persona == "operator":
            assert "13812345678" not in page


def test_the_contractor_cannot_see_a_case_before_it_is_handed_over(world, client_for, cases):
    _, b = cases
    assert client_for("other_operator").get(detail(b)).status_code == 404
    services.case_assign(case=b, actor=world.regulator)
    assert client_for("other_operator").get(detail(b)).status_code == 200


def test_the_public_is_sent_to_log_in(world, client_for, cases):
    response = client_for("public").get(detail(cases[0]))
    assert response.status_code == 302


def test_the_page_shows_only_the_steps_this_user_may_take(world, client_for, cases):
    a, b = cases
    regulator_page = html(client_for("county_regulator").get(detail(a)))
    assert act(a, "urge") in regulator_page and act(a, "resolve") not in regulator_page
    operator_page = html(client_for("operator").get(detail(a)))
    assert act(a, "resolve") in operator_page and act(a, "urge") not in operator_page


def test_a_regulator_accepts_through_the_page(world, client_for, cases):
    _, b = cases
    response = client_for("regulator").post(act(b, "accept"), {"public_note": "已受理"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.state == "accepted"
    assert b.events.last().actor == world.regulator


def test_the_contractor_resolves_through_the_page(world, client_for, cases):
    a, _ = cases
    response = client_for("operator").post(act(a, "resolve"), {"public_note": "已疏通"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == "resolved"


@pytest.mark.parametrize(
    "persona, action, status",
    [
        ("operator", "accept", 403),  # visible, not theirs to direct
        ("operator", "hide", 403),
        ("county_regulator", "resolve", 403),  # only the assigned unit resolves
        ("other_operator", "resolve", 404),  # cannot even see it
        ("stranger", "urge", 404),
    ],
)
def test_steps_are_refused_to_those_who_may_not_take_them(
    world, client_for, cases, persona, action, status
):
    a, _ = cases
    data = {"public_note": "x", "reason": "x", "note": "x"}
    assert client_for(persona).post(act(a, action), data).status_code == status
    a.refresh_from_db()
    assert a.state == "assigned" and a.hidden_at is None


def test_a_step_with_missing_input_shows_the_form_again(world, client_for, cases):
    _, b = cases
    response = client_for("regulator").post(act(b, "reject"), {"reason": ""})
    assert response.status_code == 400
    assert "errorlist" in html(response)
    b.refresh_from_db()
    assert b.state == "submitted"


def test_a_step_the_state_does_not_allow_says_why(world, client_for, cases):
    a, _ = cases
    response = client_for("regulator").post(act(a, "accept"), {})
    assert response.status_code == 400
    assert "不能进行" in html(response)


def test_an_unknown_step_is_not_found(world, client_for, cases):
    assert client_for("regulator").post(act(cases[0], "explode"), {}).status_code == 404


def test_hiding_through_the_page_keeps_the_reason_for_the_regulator(world, client_for, cases):
    a, _ = cases
    client = client_for("county_regulator")
    assert client.post(act(a, "hide"), {"reason": "辱骂他人"}).status_code == 302
    page = html(client.get(detail(a)))
    assert "辱骂他人" in page and "已对公众屏蔽" in page
    assert a.display_tracking not in html(client.get(LIST))
    assert a.display_tracking in html(client.get(LIST, {"hidden": "all"}))
    assert client_for("operator").get(detail(a)).status_code == 404


def test_photos_are_served_to_staff_who_see_the_case_only(world, client_for):
    case = assigned_case(world, photos=clean_photos([photo_upload()]))
    photo = case.photos.get()
    url = reverse("cases:photo", args=[case.tracking, photo.pk])
    response = client_for("operator").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client_for("other_operator").get(url).status_code == 404
    assert client_for("public").get(url).status_code == 302
