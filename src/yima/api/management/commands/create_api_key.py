"""`yima create-api-key NAME [--user USERNAME]`: print a new API key, once.

With --user the key acts as that user on the REST API (what they may see, it may see); without,
it may only file Open311 reports.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yima.api.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key and print it (it is stored hashed and cannot be shown again)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who will use the key, e.g. '12345 hotline'.")
        parser.add_argument("--user", help="Username the key acts as on the REST API.")
        parser.add_argument("--reason", default="", help="Why the key is made (kept in history).")

    def handle(self, *args, name: str, user: str | None, reason: str, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            key, secret = api_key_create(
                name=name, user=account, reason=reason or "Created with create_api_key"
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        acts_as = f"acts as {account.username}" if account else "Open311 reports only"
        self.stderr.write(f"API key #{key.pk} “{key.name}” ({acts_as}). Store it now:")
        self.stdout.write(secret)
