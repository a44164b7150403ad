"""`yima monthly-report --period 2026-11 [--region CODE] -o FILE.pdf|.xlsx`: the monthly report.

Runs as the system: it sees every facility (or those of --region), the way an administrator
would, so cron can write the bureau's report without anyone's login.
"""

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone

from yima.accounts.models import User
from yima.dashboard import exports, selectors
from yima.dashboard.report_pdf import render_monthly_report_pdf
from yima.regions.codes import normalize_code

SYSTEM = "系统（命令行）"


def system_user() -> User:
    """An unsaved administrator: the visibility gates let it see everything, nothing is stored."""
    return User(username="yima-system", is_superuser=True, is_staff=True, is_active=True)


class Command(BaseCommand):
    help = "Write the monthly report (figures, breakdown, trends, action lists) as PDF or Excel."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="a month such as 2026-11 (default: this month)")
        parser.add_argument("--region", help="county, town or village code, e.g. 360121")
        parser.add_argument("-o", "--output", required=True, help="FILE.pdf or FILE.xlsx")

    def handle(self, *args, **options):
        output = options["output"]
        kind = output.rsplit(".", 1)[-1].lower() if "." in output else ""
        if kind not in ("pdf", "xlsx"):
            raise CommandError("The output file must end in .pdf or .xlsx.")
        now = timezone.now()
        try:
            period = selectors.Period.parse(options["period"] or None, now=now)
        except ValueError:
            raise CommandError(
                f"{options['period']!r} is not a period: use e.g. 2026-11, 2026-Q4 or 2026."
            ) from None
        user = system_user()
        region = None
        if options["region"]:
            code = normalize_code(options["region"])
            if not code:
                raise CommandError(f"{options['region']!r} is not a region code.")
            try:
                region = selectors.dashboard_scope(user=user, region_code=code)
            except Http404:
                raise CommandError(f"No facilities in region {options['region']}.") from None
        report = exports.monthly_report(
            user=user, region=region, period=period, now=now, generated_by=SYSTEM
        )
        with open(output, "wb") as out:
            if kind == "pdf":
                render_monthly_report_pdf(report, out)
            else:
                exports.write_monthly_report(report, out)
        self.stdout.write(f"Wrote the report of {report.scope_name}, {period.key}, to {output}")
