"""`yima demo`: a working yima on this machine in one command.

Creates YIMA_HOME, migrates the database, loads the Nanchang demo when the ledger is empty (and
keeps whatever is there otherwise), creates the demo logins, then serves the site with gunicorn
and runs the background task worker until Ctrl-C.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from yima.accounts.models import User
from yima.core import demo_activity
from yima.facilities import demo
from yima.facilities.models import Facility


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: list[list[str]]) -> list[str]:
    """Rows as aligned text columns; Chinese characters count as two columns wide."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


class Command(BaseCommand):
    help = (
        "Set up and run a local demo: migrate, load the Nanchang demo data into an empty "
        "database, create the demo logins and serve the site (Ctrl-C stops it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not serve")
        parser.add_argument(
            "--facilities",
            type=int,
            default=demo.DEFAULT_FACILITIES,
            help="facilities to generate into an empty database (default 514, the Nanchang case)",
        )
        parser.add_argument(
            "--years",
            type=float,
            default=demo_activity.DEFAULT_YEARS,
            help="years of inspections, samples, repairs and public reports to generate up to "
            "today (default 1; 0 for none)",
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed")
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    def handle(self, *args, **options):
        home = Path(settings.YIMA_HOME)
        home.mkdir(parents=True, exist_ok=True)
        database = settings.DATABASES["default"]
        where = database["NAME"] if "sqlite" in database["ENGINE"] else database.get("HOST", "")
        self.stdout.write(_("Database: %(where)s") % {"where": where})
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)

        demo.demo_users_ensure()  # first, so that the administrator is the actor of the data
        existing = Facility.objects.count()
        if existing:
            self.stdout.write(
                _("The ledger already has %(count)s facilities: keeping the existing data.")
                % {"count": existing}
            )
        else:
            self.stdout.write(
                _("Loading the demo data (%(count)s facilities)...")
                % {"count": options["facilities"]}
            )
            try:
                result = demo.generate(
                    facilities=options["facilities"],
                    seed=options["seed"],
                    actor=User.objects.get(username="admin"),
                )
            except demo.DemoError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                _(
                    "Loaded %(facilities)s facilities in %(towns)s towns and %(villages)s "
                    "villages of %(counties)s counties (%(seconds).1f s). Village names are "
                    "generated demo data."
                )
                % {
                    "facilities": result.facilities,
                    "towns": result.towns,
                    "villages": result.villages,
                    "counties": result.counties,
                    "seconds": result.seconds,
                }
            )
            demo.demo_users_ensure()  # the contractors' logins do some of the field work
            if options["years"] > 0:
                self._activity(options["years"], options["seed"])
            _analyze()
        self._print_logins(demo.demo_users_ensure())  # now the organisations exist to join

        if options["no_serve"]:
            return
        self._serve(options["host"], options["port"], options["workers"])

    def _activity(self, years: float, seed: int) -> None:
        self.stdout.write(
            _("Generating %(years)s year(s) of inspections, samples, repairs and reports...")
            % {"years": f"{years:g}"}
        )
        result = demo_activity.generate_activity(years=years, seed=seed)
        self.stdout.write(
            _(
                "Generated %(inspections)s inspections, %(samples)s water samples, "
                "%(work_orders)s work orders and %(cases)s public reports (%(seconds).1f s)."
            )
            % {
                "inspections": result.inspections,
                "samples": result.samples,
                "work_orders": result.work_orders,
                "cases": result.cases,
                "seconds": result.seconds,
            }
        )

    def _print_logins(self, users) -> None:
        rows = [[_("Username"), _("Password"), _("Organisation"), _("Can see"), _("Role")]]
        for login, user, _created in users:
            user = User.objects.get(pk=user.pk)  # fresh scope now that memberships exist
            visible = Facility.objects.visible_to(user).count()
            rows.append(
                [
                    login.username,
                    demo.DEMO_PASSWORD,
                    login.organisation or "—",
                    _("%(count)s facilities") % {"count": visible},
                    str(login.description),
                ]
            )
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        for line in _table(rows):
            self.stdout.write("  " + line)
        self.stdout.write(_("(The password stays as shown unless someone changed it.)"))
        self.stdout.write("")

    def _serve(self, host: str, port: int, workers: int) -> None:
        if not _port_free(host, port):
            raise CommandError(
                _("Port %(port)s on %(host)s is in use; choose another with --port.")
                % {"port": port, "host": host}
            )
        env = os.environ.copy()
        env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        env["YIMA_HOME"] = str(settings.YIMA_HOME)
        env.setdefault("YIMA_DEBUG", "1" if settings.DEBUG else "0")
        url = f"http://{host}:{port}"
        env.setdefault("YIMA_BASE_URL", url)
        children: list[tuple[str, subprocess.Popen]] = []
        if settings.TASK_BACKEND == "db":
            worker = [
                sys.executable,
                "-m",
                "yima.cli",
                "db_worker",
                "--no-startup-delay",
                "--no-reload",
            ]
            children.append(("db_worker", subprocess.Popen(worker, env=env)))
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "yima.wsgi",
            "-b",
            f"{host}:{port}",
            "-w",
            str(workers),
        ]
        if _gunicorn_has_control_socket():
            # Several demos (or a demo beside a real server) must not share one control socket.
            web.append("--no-control-socket")
        children.append(("gunicorn", subprocess.Popen(web, env=env)))
        self.stdout.write(
            self.style.SUCCESS(_("Serving yima at %(url)s (press Ctrl-C to stop)") % {"url": url})
        )

        def on_term(signum, frame):
            raise KeyboardInterrupt

        # Ctrl-C reaches the children too (same process group); whoever notices first, both
        # children are stopped and waited for. SIGINT is set explicitly because a shell that
        # starts us in the background would have it ignored.
        previous = (
            signal.signal(signal.SIGTERM, on_term),
            signal.signal(signal.SIGINT, signal.default_int_handler),
        )
        try:
            while True:
                for name, child in children:
                    if child.poll() is not None:
                        raise CommandError(
                            _("%(name)s stopped unexpectedly (exit code %(code)s).")
                            % {"name": name, "code": child.returncode}
                        )
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write(_("Stopping..."))
        finally:
            self._stop(children)
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])

    def _stop(self, children: list[tuple[str, subprocess.Popen]]) -> None:
        for _name, child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for _name, child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _analyze() -> None:
    """Planner statistics for the freshly loaded tables. PostgreSQL's autovacuum gathers them
    sooner or later (never where it is switched off); until then the dashboard's queries over a
    100,000-facility demo were planned as if the ledger held 500 rows: seconds became minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
