"""Writes to API keys: create (the secret is returned once and never stored), revoke, and
note when a key was last used. Creation and revocation are recorded in the key's history with
who did it and why; the last-use time is bumped outside the history, at most once a minute.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.api import keys
from yima.api.models import ApiKey

NAME_REQUIRED = gettext_noop("Give the key a name: who will use it?")
ALREADY_REVOKED = gettext_noop("This key was already revoked.")
USER_INACTIVE = gettext_noop("This user account is disabled.")

# Writing last_used_at on every request would turn each API read into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def api_key_create(*, name: str, user=None, actor=None, reason: str = "") -> tuple[ApiKey, str]:
    """A new key for `name`, acting as `user` (None: Open311 reports only).

    Returns the key and its secret; show the secret now, it cannot be recovered later.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _(NAME_REQUIRED)})
    if user is not None and not user.is_active:
        raise ValidationError({"user": _(USER_INACTIVE)})
    secret = keys.new_secret()
    key = ApiKey(
        name=name, user=user, prefix=keys.prefix_of(secret), key_hash=keys.hash_secret(secret)
    )
    key.full_clean(exclude=["key_hash", "prefix"])
    key._history_user = actor
    key._change_reason = reason or _("API key created")
    with transaction.atomic():
        key.save()
    return key, secret


def api_key_revoke(*, key: ApiKey, actor=None, reason: str = "") -> ApiKey:
    """Stop a key from working, at once. The row stays, so its use can still be traced."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_(ALREADY_REVOKED))
        locked.revoked_at = timezone.now()
        locked._history_user = actor
        locked._change_reason = reason or _("API key revoked")
        locked.save(update_fields=["revoked_at"])
    return locked


def api_key_touch(key: ApiKey, now=None) -> None:
    """Record that the key was just used (not more often than TOUCH_INTERVAL)."""
    now = now or timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < TOUCH_INTERVAL:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
