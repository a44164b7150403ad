"""View decorators shared by the staff pages of every app."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from yima.accounts.scope import scope_for


def staff_member_required(message):
    """Pages for members of a bureau or contractor: visitors go to the login page, a logged-in
    user with no organisation gets 403 with `message` (a lazy translated string)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not scope_for(request.user).is_staff_member:
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
