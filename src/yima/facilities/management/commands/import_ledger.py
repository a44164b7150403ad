"""`yima import-ledger FILE.xlsx`: check every row, then write all of them or nothing."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yima.accounts.models import User
from yima.facilities.imports import ledger_import


class Command(BaseCommand):
    help = (
        "Import a ledger workbook (Chinese column headers, as export-ledger writes them). "
        "Rows with a code update that facility, rows without one register a new facility. "
        "If any row is invalid, every error is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx to import")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and show what would change"
        )
        parser.add_argument(
            "--user",
            help="import as this user (their scope applies and history names them); "
            "default: the system, unrestricted",
        )
        parser.add_argument("--reason", default="", help="kept in each facility's history")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            try:
                actor = User.objects.get(username=options["user"])
            except User.DoesNotExist:
                raise CommandError(f"No user {options['user']!r}.") from None
        show_progress = options["verbosity"] >= 1 and sys.stderr.isatty()
        started = time.monotonic()

        def progress(phase: str, done: int, total: int) -> None:
            if show_progress:
                sys.stderr.write(f"\r{phase} {done}/{total}   ")
                sys.stderr.flush()

        result = ledger_import(
            path=options["file"],
            actor=actor,
            dry_run=options["dry_run"],
            reason=options["reason"],
            progress=progress,
        )
        if show_progress:
            sys.stderr.write("\n")
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(
                _("%(count)s problems found in %(rows)s rows; nothing was written.")
                % {"count": len(result.errors), "rows": result.total}
            )
        if options["verbosity"] >= 2:
            for change in result.changes:
                self.stdout.write(_format_change(change))
        summary = _("%(created)s new, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        elapsed = time.monotonic() - started
        if result.dry_run:
            self.stdout.write(_("Dry run, nothing written: %(summary)s.") % {"summary": summary})
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary} ({elapsed:.1f} s)"))


def _format_change(change: dict) -> str:
    head = _("Row %(row)s") % {"row": change["row"]}
    label = change["code"] or "-"
    if change["action"] == "created":
        return f"{head}  + {label} {change['name']}"
    diffs = "; ".join(
        f"{d['column']}: {d['old'] or '—'} → {d['new'] or '—'}" for d in change["diffs"]
    )
    return f"{head}  ~ {label} {change['name']}: {diffs}"
