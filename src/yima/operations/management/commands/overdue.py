"""`yima overdue [--notify]`: overdue inspections per contractor, for cron.

Prints one block per contractor (code, name, last inspection, due date, days late). With
--notify, also sends each contractor's staff their list through yima.operations.notifications.
Exit status is 0 either way, so cron mails only what is printed.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from yima.facilities.models import Facility
from yima.operations.selectors import overdue_by_contractor
from yima.operations.services import overdue_notify


class Command(BaseCommand):
    help = "List overdue inspections per O&M contractor; --notify also tells the contractors."

    def add_arguments(self, parser):
        parser.add_argument(
            "--notify", action="store_true", help="send each contractor its list as well"
        )
        parser.add_argument("--county", help="only this county (6-digit code)")

    def handle(self, *args, notify=False, county=None, **options):
        now = timezone.now()
        facilities = Facility.objects.alive()
        if county:
            facilities = facilities.filter(county__code__startswith=county[:6])
        groups = overdue_by_contractor(facilities=facilities, now=now)
        if not groups:
            self.stdout.write(_("No overdue inspections."))
            return
        total = 0
        for group in groups:
            name = group.contractor.name if group.contractor else _("No contractor")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name}: {len(group.facilities)}"))
            for f in group.facilities:
                last = (
                    timezone.localtime(f.last_inspected_at).date().isoformat()
                    if f.last_inspected_at
                    else _("never")
                )
                late = (now - f.due_at).days
                self.stdout.write(
                    f"  {f.display_code}  {f.name}  "
                    + _("last inspected %(last)s, due %(due)s, %(days)s days late")
                    % {
                        "last": last,
                        "due": timezone.localtime(f.due_at).date().isoformat(),
                        "days": late,
                    }
                )
            total += len(group.facilities)
        self.stdout.write(_("%(count)s overdue inspections in total.") % {"count": total})
        if notify:
            sent = overdue_notify(groups=groups)
            self.stdout.write(_("Notified %(count)s recipients.") % {"count": sent})
