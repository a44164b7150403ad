"""`yima revoke-api-key KEY [--reason TEXT]`: stop a key at once. KEY is its id, its prefix
(as `list-api-keys` shows it) or the whole key."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yima.api.selectors import api_key_find
from yima.api.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke an API key, given its id, prefix or the key itself."

    def add_arguments(self, parser):
        parser.add_argument("key", help="Id, prefix (e.g. yima_AbCdEfGh) or the whole key.")
        parser.add_argument("--reason", default="", help="Why (kept in the key's history).")

    def handle(self, *args, key: str, reason: str, **options):
        found = api_key_find(key.rstrip("…"))
        if found is None:
            raise CommandError(f"No single API key matches {key!r} (see list-api-keys).")
        try:
            api_key_revoke(key=found, reason=reason or "Revoked with revoke_api_key")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Revoked API key #{found.pk} “{found.name}” ({found.prefix}…).")
