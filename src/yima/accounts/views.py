"""Account pages: a staff member's own login history (logins, logouts, failed attempts)."""

from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

HISTORY_LENGTH = 50


@login_required
@require_GET
def login_history(request):
    """The signed-in user's recent logins and failed attempts, newest first; nobody else's.

    axes records them by the username that was typed, so failures against this account from
    anywhere are shown too: that is what the owner needs to notice someone guessing.
    """
    username = request.user.get_username()
    logins = AccessLog.objects.filter(username=username).order_by("-attempt_time")[:HISTORY_LENGTH]
    failures = AccessFailureLog.objects.filter(username=username).order_by("-attempt_time")[
        :HISTORY_LENGTH
    ]
    return render(
        request,
        "accounts/history.html",
        {"logins": logins, "failures": failures, "history_length": HISTORY_LENGTH},
    )
