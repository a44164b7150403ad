"""What every field-operation view needs: staff-only access, the facility by code, the gate
answers (404 invisible, 403 not yours), and JSON answers for the phone's offline queue."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yima.accounts.scope import scope_for
from yima.facilities import selectors as facility_selectors
from yima.facilities.codes import CodeError, parse_code
from yima.facilities.models import Facility


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def staff_view(view):
    """Logged-in users only: anonymous browsers go to the login page, the offline queue (which
    asks for JSON) gets 401 so it keeps the submission and asks the user to log in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if wants_json(request):
                return JsonResponse({"ok": False, "error": "login"}, status=401)
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            if wants_json(request):
                return JsonResponse({"ok": False, "error": str(exc)}, status=403)
            return render(request, "operations/forbidden.html", {"message": str(exc)}, status=403)

    return wrapper


NOT_STAFF = "These pages are for regulators and O&M contractors."


def require_organisation(request) -> None:
    """Lists of everyone's work are for members of a bureau or contractor: a logged-in user
    without one gets 403, like the ledger and the case list, not an empty page."""
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied(_(NOT_STAFF))


def facility_or_404(request, code: str) -> Facility:
    """The facility with this code if the user can see it; 404 otherwise (never a 403, which
    would reveal that the code exists)."""
    try:
        compact = parse_code(code).compact
        return facility_selectors.facility_get(user=request.user, code=compact)
    except (CodeError, Facility.DoesNotExist):
        raise Http404 from None


def errors_json(exc_or_form) -> dict:
    if isinstance(exc_or_form, ValidationError):
        if hasattr(exc_or_form, "error_dict"):
            return {k: [str(m) for m in v] for k, v in exc_or_form.message_dict.items()}
        return {"__all__": [str(m) for m in exc_or_form.messages]}
    return {
        k: [str(e["message"]) for e in v] for k, v in exc_or_form.errors.get_json_data().items()
    }


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form (by field where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
