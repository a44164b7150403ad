"""`yima labels [filters] [--layout sign|sheet] -o FILE.pdf`: print signs or label sheets.

Facilities that never had a label get label 1, recorded with --user (or no user) and a reason
naming this command. With --user the batch is limited to what that user may see.
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from yima.accounts.models import Organisation, User
from yima.facilities.choices import Status
from yima.facilities.models import Facility
from yima.scan.choices import Layout
from yima.scan.selectors import parse_code_list
from yima.scan.services import labels_render


class Command(BaseCommand):
    help = "Write print-ready signs (A4, one per facility) or 3 x 8 label sheets as a PDF."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="the PDF file to write")
        parser.add_argument("--layout", choices=Layout.values, default=Layout.SIGN)
        parser.add_argument("--county", help="county code, 6 or 12 digits (e.g. 360121)")
        parser.add_argument("--town", help="town code, 9 or 12 digits (e.g. 360121100)")
        parser.add_argument("--contractor", help="O&M contractor, by exact name")
        parser.add_argument("--status", choices=Status.values)
        parser.add_argument("--codes", help="facility codes, separated by commas")
        parser.add_argument("--user", help="print as this user: their scope, recorded as issuer")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"])
            except User.DoesNotExist:
                raise CommandError(f"No user named {options['user']!r}.") from None
        facilities = self.select(options, user)
        count = facilities.count()
        if not count:
            raise CommandError("No facilities match these filters.")
        self.stderr.write(f"{count} facilities, layout {options['layout']}")
        step = max(1, count // 20)

        def progress(done: int) -> None:
            if done % step == 0 or done == count:
                self.stderr.write(f"\r{done}/{count}", ending="")
                self.stderr.flush()

        with translation.override(settings.LANGUAGE_CODE):
            reason = _("First label, printed with the labels command")
        with open(options["output"], "wb") as out:
            printed = labels_render(
                facilities=facilities,
                layout=options["layout"],
                out=out,
                actor=user,
                reason=reason,
                progress=progress if sys.stderr.isatty() else None,
            )
        self.stdout.write(f"Wrote {printed} facilities to {options['output']}")

    def select(self, options, user):
        facilities = (
            Facility.objects.visible_to(user) if user is not None else Facility.objects.alive()
        )
        if options["county"]:
            facilities = facilities.filter(county__code__startswith=self.prefix(options, "county"))
        if options["town"]:
            facilities = facilities.filter(town__code__startswith=self.prefix(options, "town"))
        if options["contractor"]:
            name = options["contractor"].strip()
            contractor = Organisation.objects.filter(Q(name=name), kind="contractor").first()
            if contractor is None:
                raise CommandError(f"No O&M contractor named {name!r}.")
            facilities = facilities.filter(contractor=contractor)
        if options["status"]:
            facilities = facilities.filter(status=options["status"])
        if options["codes"]:
            codes, bad = parse_code_list([options["codes"]])
            if bad:
                raise CommandError(f"Not valid facility codes: {', '.join(bad)}")
            unknown = set(codes) - set(
                Facility.objects.alive().filter(code__in=codes).values_list("code", flat=True)
            )
            if unknown:
                raise CommandError(f"No facility with code: {', '.join(sorted(unknown))}")
            facilities = facilities.filter(code__in=codes)
        return facilities.order_by("code")

    def prefix(self, options, level: str) -> str:
        value = options[level].strip()
        digits = {"county": 6, "town": 9}[level]
        if not value.isdigit() or len(value) not in (digits, 12):
            raise CommandError(f"--{level} takes a {digits}- or 12-digit code, not {value!r}.")
        return value[:digits]
