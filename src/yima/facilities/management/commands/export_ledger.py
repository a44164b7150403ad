"""`yima export-ledger FILE.xlsx`: the ledger as a workbook that imports back unchanged."""

from django.core.management.base import BaseCommand, CommandError

from yima.accounts.models import Organisation, User
from yima.facilities.excel import write_ledger
from yima.facilities.filters import ledger_filter
from yima.facilities.models import Facility
from yima.regions.codes import normalize_code


class Command(BaseCommand):
    help = (
        "Export the facility ledger to an Excel workbook with the Chinese column headers. "
        "Without --user: every facility, as an administrator sees them."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the .xlsx")
        parser.add_argument("--user", help="export only what this user may see")
        parser.add_argument("--county", help="county code (e.g. 360121)")
        parser.add_argument("--town", help="town code (e.g. 360121100)")
        parser.add_argument("--status", help="status code, e.g. in_service")
        parser.add_argument("--process", help="process code, e.g. ao")
        parser.add_argument("--contractor", help="O&M contractor name")
        parser.add_argument("--search", help="text as in the ledger's search box")

    def handle(self, *args, **options):
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"])
            except User.DoesNotExist:
                raise CommandError(f"No user {options['user']!r}.") from None
            facilities = Facility.objects.visible_to(user)
        else:
            facilities = Facility.objects.alive()
        data = {}
        for name in ("county", "town"):
            if options[name]:
                code = normalize_code(options[name])
                if not code:
                    raise CommandError(f"--{name} {options[name]!r} is not a region code.")
                data[name] = code
        for name in ("status", "process"):
            if options[name]:
                data[name] = options[name]
        if options["search"]:
            data["q"] = options["search"]
        if options["contractor"]:
            pk = (
                Organisation.objects.filter(name=options["contractor"].strip())
                .values_list("pk", flat=True)
                .first()
            )
            if pk is None:
                raise CommandError(f"No contractor {options['contractor']!r}.")
            data["contractor"] = str(pk)
        facilities, form = ledger_filter(facilities, data)
        if form.errors:
            problems = "; ".join(f"--{k}: {' '.join(v)}" for k, v in form.errors.items())
            raise CommandError(problems)
        count = write_ledger(facilities, options["file"])
        self.stdout.write(self.style.SUCCESS(f"{count} facilities written to {options['file']}"))
