"""`yima import-regions FILE.csv`: load an official list of divisions (code, name, parent_code)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yima.regions.services import RegionImportError, regions_import


class Command(BaseCommand):
    help = (
        "Load administrative divisions from a CSV file with columns code,name,parent_code "
        "(UTF-8). Every row is checked first; with any bad row nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: code,name,parent_code")
        parser.add_argument("--reason", default="", help="reason recorded in the history")
        parser.add_argument("--user", default="", help="username recorded as the actor")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and count, write nothing"
        )

    def handle(self, *args, file, reason, user, dry_run, **options):
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(name)s.") % {"name": user}) from None
        try:
            result = regions_import(
                path_or_rows=file,
                actor=actor,
                reason=reason or _("Imported from %(file)s") % {"file": file},
                dry_run=dry_run,
            )
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except RegionImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)s bad rows; nothing was written.") % {"count": len(exc.errors)}
            ) from None
        counts = _("created %(created)s, updated %(updated)s, unchanged %(unchanged)s") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if dry_run:
            self.stdout.write(_("Dry run, nothing written: %(counts)s") % {"counts": counts})
        else:
            self.stdout.write(self.style.SUCCESS(_("Regions: %(counts)s") % {"counts": counts}))
