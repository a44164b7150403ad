"""/api/v1/cases: the cases gate for every persona, the reporter's privacy, and steps taken
through the API with the case page's rules."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from yima.cases.photos import clean_photo
from yima.cases.services import case_hide
from yima.cases.tests.factories import photo_upload

from . import factories

LIST = "/api/v1/cases"

# A report about each facility, handed to that facility's contractor.
SEES = {
    "regulator": {"a", "b"},
    "county_regulator": {"a"},
    "operator": {"a"},
    "other_operator": {"b"},
}


@pytest.fixture
def reports(world):
    return {
        "a": factories.assigned_report(world),
        "b": factories.assigned_report(world, facility=world.facility_b, phone="13900001111"),
    }


def trackings(response) -> set[str]:
    return {item["tracking"] for item in response.json()["items"]}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_lists_the_reports_it_directs_or_handles(world, api_as, reports, persona):
    response = api_as(persona).get(LIST)

    assert response.status_code == 200
    assert trackings(response) == {reports[x].tracking for x in SEES[persona]}


@pytest.mark.parametrize("persona", sorted(SEES))
@pytest.mark.parametrize("which", ["a", "b"])
def test_each_persona_opens_reports_in_scope_and_gets_404_outside(
    world, api_as, reports, persona, which
):
    case = reports[which]

    response = api_as(persona).get(f"{LIST}/{case.display_tracking}")

    assert response.status_code == (200 if which in SEES[persona] else 404)


def test_the_public_gets_401_and_a_stranger_403(world, api_as, reports):
    path = f"{LIST}/{reports['a'].tracking}"
    assert api_as("public").get(LIST).status_code == 401
    assert api_as("public").get(path).status_code == 401
    assert api_as("stranger").get(LIST).status_code == 403
    assert api_as("stranger").get(path).status_code == 403


def test_a_contractor_does_not_see_reports_not_handed_to_it(world, api_as):
    waiting = factories.report(world)

    assert trackings(api_as("operator").get(LIST)) == set()
    assert api_as("operator").get(f"{LIST}/{waiting.tracking}").status_code == 404
    assert trackings(api_as("county_regulator").get(LIST)) == {waiting.tracking}


def test_the_phone_is_full_for_the_regulator_and_masked_for_the_contractor(world, api_as):
    case = factories.assigned_report(
        world, description="联系我 139 8765 4321，井盖冒水。", phone="13812345678"
    )
    path = f"{LIST}/{case.tracking}"

    regulator = api_as("county_regulator").get(path).json()
    contractor = api_as("operator").get(path).json()
    listed = api_as("operator").get(LIST).json()["items"][0]

    assert regulator["reporter_phone"] == "13812345678"
    assert "139 8765 4321" in regulator["description"]
    assert contractor["reporter_phone"] == "138****5678"
    assert listed["reporter_phone"] == "138****5678"
    assert "13812345678" not in str(contractor) and "87654321" not in contractor["description"]
    assert "139****4321" in contractor["description"]


def test_a_report_without_a_phone_shows_none(world, api_as):
    case = factories.report(world, phone="")

    assert api_as("regulator").get(f"{LIST}/{case.tracking}").json()["reporter_phone"] is None


def test_the_detail_carries_deadlines_log_and_allowed_steps(world, api_as, reports):
    case = reports["a"]

    regulator = api_as("county_regulator").get(f"{LIST}/{case.tracking}").json()
    contractor = api_as("operator").get(f"{LIST}/{case.tracking}").json()

    assert regulator["state"] == "assigned"
    assert regulator["assignee"]["name"] == "江西清源环保运维有限公司"
    assert regulator["resolve_due_at"] > regulator["accept_due_at"] > regulator["submitted_at"]
    # Deadlines read in local time: the end of the promised day in Asia/Shanghai.
    assert regulator["resolve_due_at"][11:19] == "23:59:59"
    assert regulator["resolve_due_at"].endswith("+08:00")
    assert [e["action"] for e in regulator["events"]] == ["submit", "assign"]
    assert regulator["events"][1]["actor"]["username"] == "county_regulator"
    assert "resolve" not in regulator["allowed_actions"] and "urge" in regulator["allowed_actions"]
    assert contractor["allowed_actions"] == ["resolve", "note"]
    assert regulator["public_url"].endswith(f"/cases/t/{case.tracking}/")


def test_a_hidden_report_stays_with_the_regulator_and_leaves_the_contractor(world, api_as, reports):
    case = case_hide(case=reports["a"], actor=world.county_regulator, reason="辱骂内容")

    regulator = api_as("county_regulator").get(f"{LIST}/{case.tracking}").json()

    assert regulator["hidden"] is True and regulator["hidden_reason"] == "辱骂内容"
    assert api_as("operator").get(f"{LIST}/{case.tracking}").status_code == 404
    assert trackings(api_as("county_regulator").get(LIST)) == set()
    assert trackings(api_as("county_regulator").get(LIST, hidden="only")) == {case.tracking}


def test_reports_filter_by_state_type_and_search(world, api_as, reports):
    odour = factories.report(world, code="odour")
    api = api_as("regulator")

    assert trackings(api.get(LIST, state="submitted")) == {odour.tracking}
    assert trackings(api.get(LIST, state="open")) == {odour.tracking} | {
        c.tracking for c in reports.values()
    }
    assert trackings(api.get(LIST, type="odour")) == {odour.tracking}
    assert trackings(api.get(LIST, type="nonsense")) == set()
    assert trackings(api.get(LIST, q=odour.display_tracking.lower())) == {odour.tracking}
    assert api.get(LIST, state="lost").status_code == 422


def test_overdue_filter_finds_reports_past_their_promise(world, api_as):
    with freeze_time(timezone.now() - timedelta(days=20)):
        late = factories.report(world)
    fresh = factories.report(world, code="odour")

    found = trackings(api_as("county_regulator").get(LIST, overdue=True))

    assert found == {late.tracking}
    assert fresh.tracking not in found


def test_a_regulator_accepts_a_report_through_the_api(world, api_as):
    case = factories.report(world)

    response = api_as("county_regulator").post(
        f"{LIST}/{case.tracking}/actions/accept", {"public_note": "已受理，三天内派人查看。"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "accepted"
    assert body["events"][-1]["public_note"] == "已受理，三天内派人查看。"
    assert body["events"][-1]["actor"]["username"] == "county_regulator"


def test_a_contractor_may_not_take_a_regulators_step(world, api_as, reports):
    response = api_as("operator").post(f"{LIST}/{reports['a'].tracking}/actions/close", {})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_contractor_resolves_with_a_note_and_without_one_gets_422(world, api_as, reports):
    path = f"{LIST}/{reports['a'].tracking}/actions/resolve"
    api = api_as("operator")

    missing = api.post(path, {})
    done = api.post(path, {"public_note": "已疏通管道。"})

    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "public_note"
    assert done.status_code == 200 and done.json()["state"] == "resolved"


def test_a_step_the_state_does_not_allow_is_422(world, api_as, reports):
    response = api_as("county_regulator").post(f"{LIST}/{reports['a'].tracking}/actions/accept")

    assert response.status_code == 422


def test_a_step_on_an_invisible_report_is_404_and_an_unknown_step_404(world, api_as, reports):
    assert (
        api_as("other_operator")
        .post(f"{LIST}/{reports['a'].tracking}/actions/resolve", {"public_note": "x"})
        .status_code
        == 404
    )
    assert (
        api_as("regulator").post(f"{LIST}/{reports['a'].tracking}/actions/teleport").status_code
        == 404
    )


def test_the_public_cannot_take_steps(world, api_as, reports):
    assert api_as("public").post(f"{LIST}/{reports['a'].tracking}/actions/close").status_code == 401


def test_a_reporters_photo_downloads_for_staff_who_see_the_report(world, api_as):
    case = factories.report(world, photos=[clean_photo(photo_upload())])
    detail = api_as("county_regulator").get(f"{LIST}/{case.tracking}").json()
    url = detail["photos"][0]["url"]

    photo = api_as("county_regulator").get(url)

    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert api_as("other_operator").get(url).status_code == 404
    assert api_as("public").get(url).status_code == 401


def test_the_list_costs_a_fixed_number_of_queries(world, api_as, django_assert_num_queries):
    for _ in range(4):
        factories.assigned_report(world)
    api = api_as("county_regulator")
    api.get(LIST)

    with django_assert_num_queries(4):  # key, scope, count, page
        response = api.get(LIST)
    assert response.json()["count"] == 4


def test_control_characters_in_a_search_are_422(world, api_as):
    assert api_as("regulator").get(LIST, q="井\x00").status_code == 422
    assert api_as("regulator").get(LIST, type="\x00").status_code == 422


def test_a_step_needs_no_body_when_it_has_no_required_field(world, key_for):
    from django.test import Client

    case = factories.report(world)
    secret = key_for("county_regulator")

    # As `curl -X POST -H "Authorization: Bearer …" …/actions/accept` sends it.
    response = Client().generic(
        "POST",
        f"{LIST}/{case.tracking}/actions/accept",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "accepted"
