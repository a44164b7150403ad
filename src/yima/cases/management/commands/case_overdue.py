"""`yima case-overdue [--notify]`: list open reports past a deadline; with --notify, escalate
the newly overdue ones (logged on each case, notice to the regulator and the handling unit).
Suitable for cron, e.g. hourly."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from yima.cases.models import Case
from yima.cases.services import case_flag_overdue


class Command(BaseCommand):
    help = "List overdue public reports; with --notify, escalate the newly overdue ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--notify", action="store_true", help="Escalate newly overdue reports (once each)."
        )

    def handle(self, *args, notify: bool, **options):
        now = timezone.now()
        cases = (
            Case.objects.public()
            .overdue(now)
            .select_related("case_type", "facility", "region", "assignee")
            .order_by("resolve_due_at")
        )
        count = 0
        for case in cases:
            count += 1
            due = case.accept_due_at if case.state == "submitted" else case.resolve_due_at
            self.stdout.write(
                f"{case.display_tracking}  {case.get_state_display()}  "
                f"{timezone.localtime(due):%Y-%m-%d}  {case.case_type.name}  {case.where}  "
                f"{case.assignee or '-'}"
            )
        self.stdout.write(f"{count} overdue")
        if notify:
            flagged = case_flag_overdue(now=now)
            self.stdout.write(f"{flagged} newly escalated")
