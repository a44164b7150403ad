"""`yima dashboard-rebuild [--facility CODE]`: recompute the dashboard's summary tables."""

import time

from django.core.management.base import BaseCommand, CommandError

from yima.dashboard.summary import summary_rebuild, summary_refresh_facility
from yima.facilities.models import Facility


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's summary tables (facility states and inspection dues) from "
        "the ledger and the inspections, for every facility or one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--facility", metavar="CODE", help="only this facility (its code, dashes allowed)"
        )

    def handle(self, *args, facility=None, **options):
        started = time.monotonic()
        if facility:
            code = facility.replace("-", "").replace(" ", "").upper()
            pk = Facility.objects.filter(code=code).values_list("pk", flat=True).first()
            if pk is None:
                raise CommandError(f"No facility with code {facility}.")
            summary_refresh_facility(pk)
            count = 1
        else:

            def progress(done: int, total: int) -> None:
                if options["verbosity"] > 1:
                    self.stdout.write(f"{done}/{total}")

            count = summary_rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the summary of {count} facilities in {time.monotonic() - started:.1f} s."
            )
        )
