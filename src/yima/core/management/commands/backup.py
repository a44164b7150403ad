"""`yima backup FILE`: a consistent copy of the whole database, taken while the site runs."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yima.core.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the database to FILE: SQLite's online backup (safe while the site runs) or "
        "pg_dump's custom format for PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup")

    def handle(self, *args, **options):
        try:
            path = database_backup(path=options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                _("Backed up the database to %(path)s (%(size)s bytes).")
                % {"path": path, "size": size}
            )
        )
