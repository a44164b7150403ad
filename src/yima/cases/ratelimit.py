"""Abuse limits on public submissions, counted in the cache in fixed windows.

Client addresses are hashed before they become cache keys, so no IP address is stored. The
check happens before a submission is processed and the count after it succeeded; two requests
racing past the last free slot can both get through, which is acceptable for abuse control.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

TOO_MANY_REPORTS = gettext_noop(
    "Too many reports have been sent from here or about this facility. Please try again later, "
    "or call the hotline."
)
TOO_MANY_LOOKUPS = gettext_noop("Too many attempts. Please wait a while and try again.")

HOUR = 3600
DAY = 24 * HOUR


class RateLimited(Exception):
    """Raised when a limit is reached; `message` is a constant msgid, `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str
    key: str
    limit: int
    window: int

    def _cache_key(self) -> str:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{self.key}".encode()).hexdigest()[:24]
        return f"cases:rl:{self.name}:{digest}:{int(time.time()) // self.window}"

    def retry_after(self) -> int:
        return self.window - int(time.time()) % self.window

    def used(self) -> int:
        return cache.get(self._cache_key(), 0)

    def hit(self) -> None:
        key = self._cache_key()
        if cache.add(key, 1, self.window):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, self.window)


def submission_limits(*, client_ip: str | None, facility_id: int | None) -> list[Limit]:
    limits = []
    if client_ip:
        limits.append(Limit("ip", client_ip, settings.YIMA_CASE_LIMIT_PER_IP_HOUR, HOUR))
    if facility_id:
        limits.append(
            Limit("facility", str(facility_id), settings.YIMA_CASE_LIMIT_PER_FACILITY_DAY, DAY)
        )
    return limits


def lookup_limit(client_ip: str) -> Limit:
    return Limit("lookup", client_ip, settings.YIMA_CASE_LIMIT_LOOKUPS_PER_IP_HOUR, HOUR)


def check(limits: list[Limit], message: str) -> None:
    for limit in limits:
        if limit.used() >= limit.limit:
            raise RateLimited(message, limit.retry_after())


def hit(limits: list[Limit]) -> None:
    for limit in limits:
        limit.hit()
