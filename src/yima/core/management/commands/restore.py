"""`yima restore FILE`: replace the database with a backup made by `yima backup`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yima.core.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Replace the database with the backup in FILE. Stop the server and the task worker "
        "first. The backup is checked before anything is replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup written by `yima backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds facilities or users",
        )

    def handle(self, *args, **options):
        self.stdout.write(
            _(
                "Restoring replaces the whole database: "
                "the server and the task worker should be stopped."
            )
        )
        try:
            database_restore(path=options["file"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored the database from %(path)s. Start the server again.")
                % {"path": options["file"]}
            )
        )
