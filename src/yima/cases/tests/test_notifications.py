"""Notices leave only after the transaction commits, through the configured backend."""

import logging

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from yima.cases import services
from yima.cases.notifications import ConsoleBackend, EmailBackend, Notice
from yima.cases.tests.factories import assigned_case, file_case, resolved_case


def kinds(outbox) -> list[str]:
    return [notice.kind for notice in outbox]


def test_nothing_is_sent_before_commit_and_everything_after(
    world, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = file_case(world)
    assert outbox == []  # the transaction has not committed yet
    assert callbacks
    for callback in callbacks:
        callback()
    assert kinds(outbox) == ["case.submit.reporter", "case.submit.regulator"]
    to_reporter = outbox[0]
    assert to_reporter.phones == ("13812345678",)
    assert case.display_tracking in to_reporter.body
    assert f"/cases/t/{case.tracking}/" in to_reporter.body
    regulators = {user.username for user in outbox[1].users}
    assert regulators == {"regulator", "county_regulator"}


def test_a_failed_step_sends_nothing(world, outbox, django_capture_on_commit_callbacks):
    case = file_case(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.case_accept(case=case, actor=world.operator)
    assert outbox == []


def test_the_contractor_hears_of_an_assignment_and_the_reporter_of_each_public_step(
    world, outbox, django_capture_on_commit_callbacks
):
    case = file_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_assign(
            case=case, actor=world.regulator, public_note="已交运维单位", internal_note="今天去"
        )
    assert kinds(outbox) == ["case.assign.reporter", "case.assign.assignee"]
    to_unit = outbox[1]
    assert [u.username for u in to_unit.users] == ["operator"]
    assert "13812345678" not in to_unit.body  # staff notices never carry the reporter's phone
    assert "已交运维单位" in outbox[0].body
    assert "今天去" not in outbox[0].body  # internal notes never reach the reporter
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_note(case=case, actor=world.regulator, note="内部")
        services.case_urge(case=case, actor=world.regulator)
    assert kinds(outbox) == ["case.urge.reporter", "case.urge.assignee"]


def test_no_reporter_notice_without_a_phone_number(
    world, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = assigned_case(world, phone="")
        services.case_resolve(case=case, actor=world.operator, public_note="ok")
    assert not any(kind.endswith(".reporter") for kind in kinds(outbox))


def test_a_dissatisfied_reporter_alerts_the_regulator(
    world, outbox, django_capture_on_commit_callbacks
):
    case = resolved_case(world)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_evaluate(case=case, rating=1, fixed=False, filed_in_session=True)
    assert kinds(outbox) == ["case.evaluate.regulator"]


def test_console_backend_logs_with_the_phone_masked(world, caplog):
    notice = Notice(kind="case.x", subject="Report", body="body", phones=("13812345678",))
    with caplog.at_level(logging.INFO, logger="yima.notify"):
        assert ConsoleBackend().send(notice) == 1
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text


def test_email_backend_mails_staff_with_an_address_and_skips_phones(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.operator.email = "op@example.org"
    notice = Notice(
        kind="case.x",
        subject="New report",
        body="body",
        users=(world.operator, world.other_operator),
        phones=("13812345678",),
    )
    assert EmailBackend().send(notice) == 1
    assert [m.to for m in mail.outbox] == [["op@example.org"]]


def test_a_gateway_is_chosen_by_class_path(world, settings, django_capture_on_commit_callbacks):
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.tests.test_notifications.RecordingGateway"
    RecordingGateway.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        file_case(world)
    assert RecordingGateway.sent == ["13812345678"]


class RecordingGateway(EmailBackend):
    """What an SMS gateway looks like: it sends to the phone numbers."""

    sent: list[str] = []

    def send(self, notice):
        RecordingGateway.sent.extend(notice.phones)
        return len(notice.phones)
