"""Background tasks (Django's Tasks API): notices, overdue escalation, and the PIPL purge.

The services enqueue `notify_case_event` after commit. `flag_overdue_cases` and
`purge_reporter_contacts` are meant to run regularly: cron `yima case-overdue --notify` and
`yima case-purge-contacts` (the commands call the same services), or enqueue these tasks.
"""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def notify_case_event(event_id: int) -> int:
    """Deliver the notices one step of a case causes; returns how many recipients were reached."""
    from yima.cases.models import CaseEvent
    from yima.cases.notifications import deliver, notices_for_event

    related = ("case", "case__case_type", "case__facility", "case__region")
    event = CaseEvent.objects.select_related(*related).filter(pk=event_id).first()
    if event is None:  # the case was deleted meanwhile
        return 0
    return deliver(notices_for_event(event))


@task()
def flag_overdue_cases() -> int:
    from yima.cases.services import case_flag_overdue

    return case_flag_overdue()


@task()
def purge_reporter_contacts() -> int:
    from yima.cases.services import case_purge_reporter_contacts

    count = case_purge_reporter_contacts()
    logger.info("deleted %s reporters' phone numbers after the retention period", count)
    return count
