"""Background tasks (Django's Tasks API): notifications that must not hold up a request."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yima.operations.selectors import organisation_members


@task()
def notify_work_order_opened(work_order_id: int) -> int:
    """Tell the contractor's staff that a repair order was opened for one of its facilities."""
    from yima.operations.models import WorkOrder
    from yima.operations.notifications import notify

    work_order = WorkOrder.objects.select_related("facility").get(pk=work_order_id)
    facility = work_order.facility
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Repair order #%(number)s: %(facility)s") % {
            "number": work_order.pk,
            "facility": facility.name,
        }
        body = _(
            "A repair order was opened for %(facility)s (%(code)s).\n"
            "Priority: %(priority)s. Due: %(due)s.\n\n%(description)s\n\n%(url)s"
        ) % {
            "facility": facility.name,
            "code": facility.display_code,
            "priority": work_order.get_priority_display(),
            "due": work_order.due_on.isoformat(),
            "description": work_order.description,
            "url": f"{settings.BASE_URL}/ops/workorders/{work_order.pk}/",
        }
    return notify(
        recipients=organisation_members(work_order.contractor_id), subject=subject, body=body
    )


@task()
def notify_overdue() -> int:
    """Send each contractor the list of its overdue inspections (see `yima overdue`)."""
    from yima.facilities.models import Facility
    from yima.operations.selectors import overdue_by_contractor
    from yima.operations.services import overdue_notify

    return overdue_notify(groups=overdue_by_contractor(facilities=Facility.objects.alive()))
