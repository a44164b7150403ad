"""Due and overdue inspections, per contractor and per region, for regulators and contractors."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from yima.accounts.scope import scope_for
from yima.operations import selectors
from yima.operations.choices import ScheduleState
from yima.operations.views.common import require_organisation, staff_view

STATES = [ScheduleState.OVERDUE, ScheduleState.DUE_SOON]


@staff_view
def overdue(request):
    require_organisation(request)
    scope = scope_for(request.user)
    state = request.GET.get("state") or ScheduleState.OVERDUE
    if state not in STATES:
        state = ScheduleState.OVERDUE
    contractor = request.GET.get("contractor") or ""
    county = request.GET.get("county") or ""
    now = timezone.now()
    base = selectors.inspection_schedule(user=request.user, now=now)
    rows = selectors.inspection_schedule(
        user=request.user,
        state=state,
        contractor_id=int(contractor) if contractor.isdigit() else None,
        county_code=county if county.isdigit() else None,
        now=now,
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for facility in page:
        facility.late_days = (now - facility.due_at).days if facility.due_at else None
    return render(
        request,
        "operations/overdue.html",
        {
            "page": page,
            "state": state,
            "states": [(s.value, s.label) for s in STATES],
            "by_contractor": selectors.schedule_counts(base, by="contractor", now=now),
            "by_county": selectors.schedule_counts(base, by="county", now=now)
            if scope.is_regulator
            else [],
            "contractor": contractor,
            "county": county,
            "title": _("Inspection schedule"),
        },
    )
