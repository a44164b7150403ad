"""Ledger pages for staff."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from yima.facilities import selectors


@login_required
def facility_list(request):
    facilities = selectors.facility_list(user=request.user)[:50]
    return render(request, "facilities/list.html", {"facilities": facilities})
