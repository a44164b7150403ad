"""The home page: a code search box for everyone, the way into the ledger for staff."""

from django.shortcuts import render


def home(request):
    return render(request, "core/home.html")
