"""Reads for the API app: keys, and the one gate operations has no `*_get` for (samples)."""

from django.db.models import QuerySet

from yima.api import keys
from yima.api.models import ApiKey
from yima.operations import selectors as ops_selectors
from yima.operations.models import WaterSample


def api_key_list(*, include_revoked: bool = True) -> QuerySet[ApiKey]:
    qs = ApiKey.objects.select_related("user")
    return qs if include_revoked else qs.active()


def api_key_for_secret(secret: str) -> ApiKey | None:
    """The active key with this secret whose user (if any) may still sign in, else None."""
    if not secret or not secret.startswith(keys.SCHEME) or len(secret) > 200:
        return None
    key = (
        ApiKey.objects.active()
        .select_related("user")
        .filter(key_hash=keys.hash_secret(secret))
        .first()
    )
    if key is None or (key.user is not None and not key.user.is_active):
        return None
    return key


def api_key_find(reference: str) -> ApiKey | None:
    """A key by what an administrator types: its id, its prefix, or the whole secret."""
    reference = (reference or "").strip()
    if reference.isdigit():
        return ApiKey.objects.filter(pk=int(reference)).first()
    if len(reference) > keys.PREFIX_LENGTH:
        return ApiKey.objects.filter(key_hash=keys.hash_secret(reference)).first()
    matches = list(ApiKey.objects.filter(prefix=reference)[:2])
    return matches[0] if len(matches) == 1 else None


def sample_get(*, user, pk: int) -> WaterSample:
    """A water sample through operations' gate (operations has sample_list but no sample_get)."""
    return ops_selectors.sample_list(user=user).select_related("organisation").get(pk=pk)
