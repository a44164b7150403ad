"""评: the reporter rates the handling; a low rating or "not fixed" reopens the case."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from yima.cases import selectors, services
from yima.cases.choices import CaseState
from yima.cases.tests.factories import assigned_case, resolved_case


def evaluate(case, **kw):
    kw.setdefault("filed_in_session", True)
    return services.case_evaluate(case=case, **kw)


@pytest.mark.parametrize("rating", [3, 4, 5])
def test_a_satisfied_reporter_closes_the_case_as_fixed(world, rating):
    case = evaluate(resolved_case(world), rating=rating, fixed=True, comment="谢谢")
    assert (case.state, case.fixed) == (CaseState.CLOSED, True)
    event = case.events.last()
    assert (event.action, event.rating, event.fixed, event.by_reporter) == (
        "evaluate",
        rating,
        True,
        True,
    )


@pytest.mark.parametrize("rating, fixed", [(1, True), (2, True), (5, False), (3, False)])
def test_a_low_rating_or_not_fixed_reopens_it_for_the_regulator(world, rating, fixed):
    case = evaluate(resolved_case(world), rating=rating, fixed=fixed)
    assert case.state == CaseState.REOPENED
    assert case.concluded_at is None
    assert "assign" in selectors.allowed_actions(world.county_regulator, case)
    assert "close" in selectors.allowed_actions(world.county_regulator, case)


def test_only_once_per_resolution(world):
    case = evaluate(resolved_case(world), rating=1, fixed=False)
    with pytest.raises(ValidationError):  # reopened: nothing to evaluate now
        evaluate(case, rating=5, fixed=True)
    case = services.case_assign(case=case, actor=world.regulator)
    case = services.case_resolve(case=case, actor=world.operator, public_note="再次清理")
    assert selectors.awaiting_evaluation(case)
    case = evaluate(case, rating=5, fixed=True)
    assert case.state == CaseState.CLOSED
    with pytest.raises(ValidationError) as exc:
        evaluate(case, rating=1, fixed=False)
    assert exc.value.messages == [_(services.NOT_EVALUABLE)]


def test_no_evaluation_before_the_case_is_handled(world):
    with pytest.raises(ValidationError):
        evaluate(assigned_case(world), rating=5, fixed=True)


def test_a_rating_must_be_one_to_five(world):
    with pytest.raises(ValidationError):
        evaluate(resolved_case(world), rating=6, fixed=True)


def test_the_reporter_proves_it_with_the_phone_number_they_left(world):
    case = resolved_case(world, phone="13812345678")
    for wrong in ("", "138****5678", "13812340000"):
        with pytest.raises(PermissionDenied) as exc:
            services.case_evaluate(case=case, rating=5, fixed=True, reporter_phone=wrong)
        assert str(exc.value) == _(services.NOT_THE_REPORTER)
    case = services.case_evaluate(case=case, rating=4, fixed=True, reporter_phone="138 1234 5678")
    assert case.state == CaseState.CLOSED


def test_a_regulator_may_close_and_the_reporter_may_still_say_it_is_not_fixed(world):
    case = services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
    assert selectors.awaiting_evaluation(case)
    case = evaluate(case, rating=2, fixed=False, comment="还是有臭味")
    assert case.state == CaseState.REOPENED
    assert selectors.public_timeline(case)[-1].note == "还是有臭味"
