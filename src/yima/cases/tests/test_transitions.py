"""Every step of a case, and who may take it: regulators in scope direct, the assigned unit
resolves, everyone else is refused with a constant message."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from yima.cases import selectors, services
from yima.cases.choices import CaseAction, CaseState
from yima.cases.models import Case
from yima.cases.tests.factories import assigned_case, case_type, file_case, resolved_case

REGULATORS = ["regulator", "county_regulator"]
NOT_REGULATORS = ["operator", "other_operator", "stranger"]


def actions_logged(case) -> list[str]:
    return list(case.events.values_list("action", flat=True))


@pytest.mark.parametrize("persona", REGULATORS + ["admin"])
def test_regulator_in_scope_accepts(world, persona):
    case = file_case(world)
    case = services.case_accept(case=case, actor=getattr(world, persona), public_note="已受理")
    assert case.state == CaseState.ACCEPTED
    assert case.accepted_at is not None
    event = case.events.last()
    assert (event.action, event.actor, event.public_note) == (
        "accept",
        getattr(world, persona),
        "已受理",
    )


@pytest.mark.parametrize("persona", NOT_REGULATORS)
def test_others_cannot_accept(world, persona):
    case = file_case(world)
    with pytest.raises(PermissionDenied) as exc:
        services.case_accept(case=case, actor=getattr(world, persona))
    assert str(exc.value) == _(services.NOT_IN_SCOPE)
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_county_regulator_cannot_direct_a_case_in_another_county(world):
    case = file_case(world, facility=world.facility_b)
    with pytest.raises(PermissionDenied):
        services.case_accept(case=case, actor=world.county_regulator)
    assert services.case_accept(case=case, actor=world.regulator).state == CaseState.ACCEPTED


def test_assigning_hands_the_case_to_the_facility_contractor_and_accepts_it(world):
    case = file_case(world)
    case = services.case_assign(case=case, actor=world.county_regulator, internal_note="今天去")
    assert case.state == CaseState.ASSIGNED
    assert case.assignee == world.contractor_a
    assert case.accepted_at is not None and case.assigned_at is not None
    assert case.events.last().assignee == world.contractor_a


def test_only_the_assigned_contractor_resolves(world):
    case = assigned_case(world)
    for persona in ("other_operator", "regulator", "county_regulator", "stranger"):
        with pytest.raises(PermissionDenied) as exc:
            services.case_resolve(case=case, actor=getattr(world, persona), public_note="done")
        assert str(exc.value) == _(services.NOT_ASSIGNEE)
    case = services.case_resolve(case=case, actor=world.operator, public_note="已疏通管道")
    assert case.state == CaseState.RESOLVED
    assert case.resolved_at == case.concluded_at is not None


def test_resolving_needs_a_word_for_the_reporter(world):
    case = assigned_case(world)
    with pytest.raises(ValidationError) as exc:
        services.case_resolve(case=case, actor=world.operator, public_note="  ")
    assert exc.value.message_dict == {"public_note": [_(services.RESOLUTION_REQUIRED)]}


def test_a_case_cannot_be_resolved_before_it_is_assigned(world):
    case = services.case_accept(case=file_case(world), actor=world.regulator)
    with pytest.raises(PermissionDenied):  # nobody is assigned yet
        services.case_resolve(case=case, actor=world.operator, public_note="x")


def test_reassigning_moves_the_case_to_the_other_unit(world):
    case = assigned_case(world)
    with pytest.raises(ValidationError):
        services.case_reassign(
            case=case, actor=world.regulator, assignee=world.contractor_b, reason=""
        )
    with pytest.raises(ValidationError) as exc:
        services.case_reassign(
            case=case, actor=world.regulator, assignee=world.contractor_a, reason="again"
        )
    assert exc.value.message_dict == {"assignee": [_(services.SAME_UNIT)]}
    with pytest.raises(PermissionDenied):
        services.case_reassign(
            case=case, actor=world.operator, assignee=world.contractor_b, reason="not me"
        )
    case = services.case_reassign(
        case=case, actor=world.regulator, assignee=world.contractor_b, reason="A 队人手不足"
    )
    assert case.assignee == world.contractor_b
    with pytest.raises(PermissionDenied):
        services.case_resolve(case=case, actor=world.operator, public_note="x")
    assert services.case_resolve(
        case=case, actor=world.other_operator, public_note="修好了"
    ).state == (CaseState.RESOLVED)
    assert case.events.get(action="reassign").internal_note == "A 队人手不足"


def test_urging_counts_and_is_only_for_open_cases(world):
    case = assigned_case(world)
    with pytest.raises(PermissionDenied):
        services.case_urge(case=case, actor=world.operator)
    case = services.case_urge(case=case, actor=world.regulator, public_note="请尽快处理")
    case = services.case_urge(case=case, actor=world.county_regulator)
    assert case.urge_count == 2
    assert case.state == CaseState.ASSIGNED
    case = services.case_resolve(case=case, actor=world.operator, public_note="ok")
    with pytest.raises(ValidationError) as exc:
        services.case_urge(case=case, actor=world.regulator)
    assert exc.value.messages == [
        _(services.BAD_TRANSITION)
        % {"state": CaseState.RESOLVED.label, "action": CaseAction.URGE.label}
    ]


def test_closing_a_resolved_case_as_fixed(world):
    case = resolved_case(world)
    resolved_at = case.resolved_at
    case = services.case_close(case=case, actor=world.county_regulator, fixed=True)
    assert (case.state, case.fixed) == (CaseState.CLOSED, True)
    assert case.concluded_at == resolved_at  # concluded when it was fixed, not when filed away


def test_closing_without_a_fix_must_say_why_and_says_so_publicly(world):
    case = services.case_accept(case=file_case(world), actor=world.regulator)
    with pytest.raises(ValidationError) as exc:
        services.case_close(case=case, actor=world.regulator, fixed=False)
    assert exc.value.message_dict == {"public_note": [_(services.CLOSE_NOTE_REQUIRED)]}
    case = services.case_close(
        case=case, actor=world.regulator, fixed=False, public_note="设施已列入改造计划"
    )
    assert (case.state, case.fixed) == (CaseState.CLOSED, False)
    titles = [step.title for step in selectors.public_timeline(case)]
    assert titles[-1] == _("Closed without a fix")
    assert selectors.public_status(case)[0] == _("Closed without a fix")


def test_rejecting_needs_a_reason_and_only_before_work_starts(world):
    case = file_case(world)
    with pytest.raises(ValidationError):
        services.case_reject(case=case, actor=world.regulator, reason=" ")
    with pytest.raises(PermissionDenied):
        services.case_reject(case=case, actor=world.operator, reason="spam")
    rejected = services.case_reject(case=case, actor=world.regulator, reason="不属于污水设施问题")
    assert rejected.state == CaseState.REJECTED
    assert selectors.public_timeline(rejected)[-1].note == "不属于污水设施问题"
    with pytest.raises(ValidationError):
        services.case_reject(case=assigned_case(world), actor=world.regulator, reason="late")


def test_reopening_sends_a_concluded_case_back_to_work(world):
    case = services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
    with pytest.raises(PermissionDenied):
        services.case_reopen(case=case, actor=world.operator, reason="x")
    case = services.case_reopen(case=case, actor=world.regulator, reason="村民反映又溢流了")
    assert case.state == CaseState.REOPENED
    assert (case.concluded_at, case.closed_at, case.resolved_at, case.fixed) == (None,) * 4
    case = services.case_assign(case=case, actor=world.regulator)
    assert case.state == CaseState.ASSIGNED


def test_hiding_an_abusive_report_keeps_the_reason_and_removes_it_from_public_views(world):
    case = assigned_case(world)
    with pytest.raises(PermissionDenied):
        services.case_hide(case=case, actor=world.operator, reason="abuse")
    with pytest.raises(ValidationError):
        services.case_hide(case=case, actor=world.regulator, reason="")
    case = services.case_hide(case=case, actor=world.regulator, reason="辱骂内容")
    assert case.hidden_reason == "辱骂内容"
    assert case.events.get(action="hide").internal_note == "辱骂内容"
    with pytest.raises(Case.DoesNotExist):
        selectors.public_case_get(tracking=case.tracking)
    assert not selectors.open_cases_for_facility(world.facility_a).exists()
    assert not Case.objects.visible_to(world.operator).exists()  # the contractor loses it too
    assert Case.objects.visible_to(world.county_regulator).get() == case
    with pytest.raises(PermissionDenied):  # and cannot resolve it any more
        services.case_resolve(case=case, actor=world.operator, public_note="x")
    with pytest.raises(ValidationError):
        services.case_hide(case=case, actor=world.regulator, reason="again")
    case = services.case_unhide(case=case, actor=world.regulator, reason="误判")
    assert selectors.public_case_get(tracking=case.tracking) == case
    assert list(case.history.values_list("hidden_reason", flat=True))[:3] == ["", "辱骂内容", ""]


def test_internal_notes_by_regulator_or_assignee_only(world):
    case = assigned_case(world)
    services.case_note(case=case, actor=world.operator, note="已电话联系村委")
    services.case_note(case=case, actor=world.regulator, note="关注")
    with pytest.raises(PermissionDenied):
        services.case_note(case=case, actor=world.other_operator, note="x")
    assert [s.title for s in selectors.public_timeline(case)] == [
        CaseAction.SUBMIT.label,
        CaseAction.ASSIGN.label,
    ]


def test_a_case_about_no_facility_is_directed_by_the_city_bureau(world):
    case = services.case_submit(
        case_type=case_type("other"), description="路边沟渠发黑发臭", subject="莲塘镇东街口"
    )
    assert case.region is None
    with pytest.raises(PermissionDenied):
        services.case_accept(case=case, actor=world.county_regulator)
    assert services.case_accept(case=case, actor=world.regulator).state == CaseState.ACCEPTED
    assert list(Case.objects.visible_to(world.county_regulator)) == []


def test_a_case_about_a_place_in_a_county_goes_to_that_county(world):
    case = services.case_submit(
        case_type=case_type("odour"),
        description="沟渠发臭",
        subject="罗家村村口",
        region=world.village_a,
    )
    assert services.case_accept(case=case, actor=world.county_regulator).state == "accepted"


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("regulator", ["accept", "assign", "urge", "repair", "reject", "hide", "note"]),
        ("county_regulator", ["accept", "assign", "urge", "repair", "reject", "hide", "note"]),
        ("operator", []),
        ("other_operator", []),
        ("stranger", []),
    ],
)
def test_pages_offer_each_persona_only_its_steps_on_a_new_case(world, persona, expected):
    case = file_case(world)
    assert selectors.allowed_actions(getattr(world, persona), case) == expected


def test_the_assigned_contractor_is_offered_resolve_and_note(world):
    case = assigned_case(world)
    assert selectors.allowed_actions(world.operator, case) == ["resolve", "note"]
    assert selectors.allowed_actions(world.other_operator, case) == []


def test_every_step_is_logged_with_states_and_history(world):
    case = services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
    assert actions_logged(case) == ["submit", "assign", "resolve", "close"]
    states = list(case.events.values_list("from_state", "to_state"))
    assert states == [
        ("", "submitted"),
        ("submitted", "assigned"),
        ("assigned", "resolved"),
        ("resolved", "closed"),
    ]
    assert case.history.count() == 4
    assert case.history.first().history_user == world.regulator
