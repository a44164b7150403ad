"""`yima list-api-keys [--active]`: every key with its prefix, user, and when it was used."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from yima.api.selectors import api_key_list


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "List API keys (never the keys themselves: only their first characters)."

    def add_arguments(self, parser):
        parser.add_argument("--active", action="store_true", help="Leave out revoked keys.")

    def handle(self, *args, active: bool, **options):
        keys = api_key_list(include_revoked=not active)
        rows = [("ID", "PREFIX", "NAME", "USER", "CREATED", "LAST USED", "REVOKED")]
        for key in keys:
            rows.append(
                (
                    str(key.pk),
                    key.prefix + "…",
                    key.name,
                    key.user.username if key.user else "(Open311 only)",
                    _when(key.created_at),
                    _when(key.last_used_at),
                    _when(key.revoked_at),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = zip(row, widths, strict=True)
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in cells).rstrip())
        self.stdout.write(f"{len(rows) - 1} key(s)")
