"""Overdue escalation and the PIPL purge of reporters' phone numbers (services and commands)."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from yima.cases import selectors, services
from yima.cases.choices import CaseAction
from yima.cases.models import Case
from yima.cases.tests.factories import assigned_case, file_case, resolved_case


def test_overdue_reports_are_escalated_once_per_deadline(
    world, outbox, django_capture_on_commit_callbacks
):
    with freeze_time("2026-03-01 02:00:00"):
        late_to_accept = file_case(world)
        late_to_resolve = assigned_case(world)
        on_time = resolved_case(world)
    with freeze_time("2026-03-04 02:00:00"), django_capture_on_commit_callbacks(execute=True):
        assert services.case_flag_overdue() == 1
        assert services.case_flag_overdue() == 0
    assert late_to_accept.events.filter(action=CaseAction.OVERDUE).count() == 1
    assert [n.kind for n in outbox] == ["case.overdue.regulator"]
    with freeze_time("2026-03-17 02:00:00"):
        assert services.case_flag_overdue() == 2  # both open ones missed the 15-day deadline
        overdue = set(selectors.overdue_cases(user=world.county_regulator))
    assert overdue == {late_to_accept, late_to_resolve}
    assert on_time not in overdue
    assert not selectors.overdue_cases(user=world.operator).exists()


def test_overdue_command_lists_and_escalates(world):
    with freeze_time("2026-03-01 02:00:00"):
        case = file_case(world)
    out = StringIO()
    with freeze_time("2026-03-05 02:00:00"):
        call_command("case_overdue", "--notify", stdout=out)
    assert case.display_tracking in out.getvalue()
    assert "1 overdue" in out.getvalue() and "1 newly escalated" in out.getvalue()


def test_phone_numbers_are_deleted_after_the_retention_period(world, settings):
    settings.YIMA_CASE_PHONE_RETENTION_DAYS = 180
    with freeze_time("2026-01-01 02:00:00"):
        old = services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
        still_open = file_case(world)
    with freeze_time("2026-06-01 02:00:00"):
        recent = services.case_close(case=resolved_case(world), actor=world.regulator, fixed=True)
    with freeze_time("2026-07-01 02:00:00"):  # 181 days after the old case was closed
        assert services.case_purge_reporter_contacts(dry_run=True) == 1
        assert services.case_purge_reporter_contacts() == 1
    old.refresh_from_db()
    assert old.reporter_phone == "" and old.contact_purged_at is not None
    assert old.events.filter(action=CaseAction.PURGE_CONTACT, actor=None).exists()
    # The number is nowhere in the history either.
    assert "reporter_phone" not in {f.name for f in old.history.model._meta.get_fields()}
    for case in (recent, still_open):
        case.refresh_from_db()
        assert case.reporter_phone == "13812345678"


def test_phone_numbers_of_long_hidden_reports_are_deleted_too(world):
    with freeze_time(timezone.now() - timedelta(days=200)):
        hidden = services.case_hide(case=file_case(world), actor=world.regulator, reason="辱骂")
    assert services.case_purge_reporter_contacts() == 1
    hidden.refresh_from_db()
    assert hidden.reporter_phone == ""


def test_purge_command(world):
    with freeze_time(timezone.now() - timedelta(days=400)):
        services.case_reject(case=file_case(world), actor=world.regulator, reason="重复")
    out = StringIO()
    call_command("case_purge_contacts", stdout=out)
    assert "deleted 1 phone numbers" in out.getvalue()
    assert not Case.objects.exclude(reporter_phone="").exists()
