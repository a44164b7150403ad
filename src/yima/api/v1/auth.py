"""Who is calling the REST API: a key (`Authorization: Bearer yima_…`, acting as the key's
user) or a signed-in browser session (CSRF-checked on unsafe methods). Either way the request
then carries `request.user`, so every endpoint uses the same visibility gates as the pages.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja.security import APIKeyCookie, HttpBearer

from yima.accounts.scope import scope_for
from yima.api import selectors, services
from yima.api.v1.errors import NOT_STAFF, ApiError, KeyRejected

BAD_HEADER = gettext_noop("Send the key as “Authorization: Bearer <key>”.")
BAD_KEY = gettext_noop("This API key is not valid or has been revoked.")
KEY_WITHOUT_USER = gettext_noop(
    "This key is not tied to a user, so it may only file Open311 reports."
)


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; a header that is present but wrong is a 401 at once."""

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _sep, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise KeyRejected(_(BAD_HEADER))
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        key = selectors.api_key_for_secret(token)
        if key is None:
            raise KeyRejected(_(BAD_KEY))
        services.api_key_touch(key)
        request.api_key = key
        if key.user is None:
            raise ApiError(403, _(KEY_WITHOUT_USER))
        request.user = key.user
        return key.user


class SessionAuth(APIKeyCookie):
    """The browser's Django session (the interactive docs use it); CSRF on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        # No session, nothing to forge: let the caller get a 401 rather than a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


AUTH = [ApiKeyAuth(), SessionAuth()]


def staff_user(request):
    """The calling user if they belong to a bureau or contractor (else 403)."""
    user = request.user
    if not scope_for(user).is_staff_member:
        raise ApiError(403, _(NOT_STAFF))
    return user
