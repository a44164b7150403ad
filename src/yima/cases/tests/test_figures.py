"""Selectors the scan page and the dashboard use: open reports, 按时办结率, 满意率."""

from freezegun import freeze_time

from yima.cases import selectors, services
from yima.cases.tests.factories import assigned_case, file_case, resolved_case


def test_open_cases_for_facility_leave_out_hidden_and_concluded(world):
    open_one = file_case(world)
    hidden = services.case_hide(case=file_case(world), actor=world.regulator, reason="辱骂")
    services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
    file_case(world, facility=world.facility_b)
    assert list(selectors.open_cases_for_facility(world.facility_a)) == [open_one]
    assert hidden not in selectors.open_cases_for_facility(world.facility_a)


def test_on_time_rate_counts_reports_due_and_those_concluded_by_their_deadline(world):
    with freeze_time("2026-05-01 02:00:00"):
        on_time = assigned_case(world)
        late = assigned_case(world)
        never = assigned_case(world)
        rejected = file_case(world)
        services.case_reject(case=rejected, actor=world.regulator, reason="不属实")
        hidden = assigned_case(world)
        services.case_hide(case=hidden, actor=world.regulator, reason="辱骂")
    with freeze_time("2026-05-15 02:00:00"):
        not_due_yet = assigned_case(world)  # due on 30 May
    with freeze_time("2026-05-10 02:00:00"):
        services.case_resolve(case=on_time, actor=world.operator, public_note="ok")
        assert selectors.on_time_rate() == selectors.Rate(1, 1)  # concluded early counts
    with freeze_time("2026-05-20 02:00:00"):
        services.case_resolve(case=late, actor=world.operator, public_note="late")
        rate = selectors.on_time_rate()
    assert (rate.numerator, rate.denominator) == (1, 3)  # on_time / on_time, late, never
    assert rate.percent == 33.3
    with freeze_time("2026-06-01 02:00:00"):
        assert selectors.on_time_rate() == selectors.Rate(1, 4)  # not_due_yet is due now
        services.case_resolve(case=never, actor=world.operator, public_note="very late")
        assert selectors.on_time_rate() == selectors.Rate(1, 4)
    assert not_due_yet.pk


def test_satisfaction_counts_ratings_of_4_and_5(world):
    for rating in (5, 4, 2):
        case = resolved_case(world)
        services.case_evaluate(case=case, rating=rating, fixed=True, filed_in_session=True)
    hidden = resolved_case(world)
    services.case_evaluate(case=hidden, rating=1, fixed=False, filed_in_session=True)
    services.case_hide(case=hidden, actor=world.regulator, reason="恶意")
    rate = selectors.satisfaction_rate()
    assert (rate.numerator, rate.denominator) == (2, 3)
    assert selectors.satisfaction_rate(
        cases=selectors.Case.objects.filter(facility=world.facility_b)
    ) == selectors.Rate(0, 0)
    assert selectors.Rate(0, 0).percent is None


def test_public_cases_lists_what_anyone_may_see(world):
    open_one = file_case(world, code="odour")
    closed = services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
    services.case_hide(case=file_case(world), actor=world.regulator, reason="辱骂")
    assert set(selectors.public_cases()) == {open_one, closed}
    assert list(selectors.public_cases(is_open=True)) == [open_one]
    assert list(selectors.public_cases(is_open=False)) == [closed]
    odour = selectors.CaseType.objects.get(code="odour")
    assert list(selectors.public_cases(case_type=odour)) == [open_one]


def test_the_scan_page_links_to_filing_and_following(world, client):
    url = selectors.new_case_url(world.facility_a)
    assert url == f"/cases/new/?facility={world.facility_a.code}"
    assert world.facility_a.name in client.get(url).content.decode()
    assert client.get(selectors.follow_url()).status_code == 200
