"""`yima case-purge-contacts [--dry-run]`: delete reporters' phone numbers of cases closed or
rejected longer than YIMA_CASE_PHONE_RETENTION_DAYS ago (PIPL). Suitable for a daily cron."""

from django.conf import settings
from django.core.management.base import BaseCommand

from yima.cases.services import case_purge_reporter_contacts


class Command(BaseCommand):
    help = "Delete reporters' phone numbers after the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, dry_run: bool, **options):
        count = case_purge_reporter_contacts(dry_run=dry_run)
        days = settings.YIMA_CASE_PHONE_RETENTION_DAYS
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {count} phone numbers (retention {days} days after closing)")
