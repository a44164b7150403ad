"""Values every template may use: the site's hotline and the user's scope."""

from django.conf import settings

from yima.accounts.scope import scope_for


def site(request):
    return {
        "regulator_hotline": settings.YIMA_REGULATOR_HOTLINE,
        "scope": scope_for(getattr(request, "user", None)),
    }
