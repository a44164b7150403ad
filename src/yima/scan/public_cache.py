"""The rendered public face of each facility, cached per language.

The public face is the page that takes the traffic (every scan of every sign), and rendering it
costs more than serving it from the cache. One entry per (facility, language) holds the current
label serial and the page as rendered for each label state (plain, valid, replaced, forged), so a
cached scan needs one cache read and no query.

Invalidation: whatever changes what the public face shows must call `public_face_invalidate`:
the label services here do; a post_save receiver on Facility (see receivers.py) covers every
ledger write, since the ledger's services save through Facility.save(); the contractor's name
and phone are covered by a receiver on Organisation; inspections, samples and repair orders by
the `facility_ops_changed` event of yima.operations (receivers.py); reports about the facility
by yima.cases' services, which call it after each step commits. A render that races with an
invalidation can store a page that is out of date; YIMA_SCAN_CACHE_SECONDS bounds how long that
(and a renamed village) can show.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def _key(code: str, language: str) -> str:
    return f"scan:face:{code}:{language}"


def _timeout() -> int:
    return getattr(settings, "YIMA_SCAN_CACHE_SECONDS", 600)


def public_face_get(code: str, language: str) -> dict | None:
    """{"serial": current label serial or 0, "pages": {label state: html}} or None."""
    if not _timeout():
        return None
    return cache.get(_key(code, language))


def public_face_put(
    code: str, language: str, *, serial: int | None, state: str, html: str, entry: dict | None
) -> None:
    if not _timeout():
        return
    if entry is None or entry.get("serial") != (serial or 0):
        entry = {"serial": serial or 0, "pages": {}}
    entry["pages"][state] = html
    cache.set(_key(code, language), entry, _timeout())


def public_face_invalidate(codes: Iterable[str]) -> None:
    """Forget the cached public faces of these facilities, in every language."""
    keys = [_key(code, language) for code in codes for language, _ in settings.LANGUAGES]
    if keys:
        cache.delete_many(keys)


def invalidate_now_and_after_commit(codes: list[str]) -> None:
    """Invalidate at once (this process reads fresh data from now on) and again after commit
    (another process may have cached the old page while the transaction was open)."""
    public_face_invalidate(codes)
    transaction.on_commit(lambda: public_face_invalidate(codes))
