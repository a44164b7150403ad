"""Promised deadlines: "within N days" means by the end of the N-th calendar day after the
report arrived, counted in the site's time zone (Asia/Shanghai), so the reporter is promised a
plain date. Public holidays and weekends are not skipped (no official calendar is loaded).
"""

from datetime import datetime, time, timedelta

from django.utils import timezone


def deadline_after(moment: datetime, days: int) -> datetime:
    """The last instant of the local calendar day `days` days after `moment`'s local day."""
    local_day = timezone.localtime(moment).date() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(local_day, time.max))


def local_day(moment: datetime):
    return timezone.localtime(moment).date()
