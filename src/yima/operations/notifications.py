"""A minimal notification channel: e-mail (django.core.mail) to users who have an address,
and a log line for each message so cron output shows what was sent.

The public-supervision issue generalises this (SMS, WeChat); callers only use `notify`.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail

logger = logging.getLogger("yima.notify")


def notify(*, recipients: Iterable, subject: str, body: str) -> int:
    """Send `subject`/`body` to each user with an e-mail address; returns how many got it."""
    addresses = sorted({u.email for u in recipients if getattr(u, "email", "")})
    logger.info("notify %s: %s", ", ".join(addresses) or "(nobody with an e-mail address)", subject)
    if not addresses:
        return 0
    try:
        # One message per address: recipients do not see each other's addresses.
        sender = settings.DEFAULT_FROM_EMAIL
        return send_mass_mail([(subject, body, sender, [a]) for a in addresses])
    except OSError:
        logger.exception("notify: e-mail could not be sent (check EMAIL_* settings)")
        return 0
