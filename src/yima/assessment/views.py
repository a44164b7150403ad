"""Assessment pages: the scorecards of a period, one contractor's card, the records behind a
score, the weights form, the Excel export and publishing. Staff only: visitors go to the login
page, users without an organisation get 403, a contractor outside the user's scope is 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from yima.accounts.decorators import staff_member_required
from yima.assessment import excel, selectors, services
from yima.assessment.choices import EvidencePart, ItemKey
from yima.assessment.forms import PublishForm, WeightsForm
from yima.assessment.models import AssessmentItem

NOT_STAFF = gettext_lazy("The assessment is for regulators and O&M contractors.")
BAD_PERIOD = gettext_lazy("“%(value)s” is not a period yima can read; showing this month.")
EVIDENCE_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


staff_view = staff_member_required(NOT_STAFF)


def _period(request, now):
    from yima.dashboard.selectors import Period

    value = (request.GET.get("period") or "").strip()
    try:
        return Period.parse(value or None, now=now)
    except ValueError:
        messages.error(request, BAD_PERIOD % {"value": value[:40]})
        return Period.parse(None, now=now)


def _region(request):
    from yima.dashboard.selectors import dashboard_scope

    code = (request.GET.get("region") or "").strip()
    if code and not code.isdigit():
        raise Http404
    return dashboard_scope(user=request.user, region_code=code or None)


def _context(request, period, region, **extra) -> dict:
    query = selectors.period_query(period, region)
    return {
        "period": period,
        "region": region,
        "query": query,
        "previous_query": selectors.period_query(period.previous(), region),
        **extra,
    }


@require_GET
@staff_view
def scorecard_list(request):
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    cards = selectors.scorecards(user=request.user, period=period, region=region, now=now)
    items = cards[0].items if cards else ()
    return render(
        request,
        "assessment/list.html",
        _context(
            request,
            period,
            region,
            cards=cards,
            items=items or selectors.active_items(),
            pass_mark=cards[0].pass_mark if cards else selectors.pass_mark(),
            published=selectors.published_for(user=request.user, period=period, region=region),
            may_publish=selectors.may_publish(request.user) and bool(cards),
            may_edit_weights=selectors.may_edit_weights(request.user),
            publish_form=PublishForm(),
        ),
    )


@require_GET
@staff_view
def scorecard_detail(request, org_id: int):
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    contractor = selectors.contractor_get(user=request.user, org_id=org_id, region=region)
    card = selectors.scorecard(
        user=request.user, contractor=contractor, period=period, region=region, now=now
    )
    published = selectors.published_for(user=request.user, period=period, region=region).filter(
        contractor=contractor
    )
    return render(
        request,
        "assessment/card.html",
        _context(request, period, region, card=card, published=published),
    )


@require_GET
@staff_view
def evidence(request, org_id: int, item: str):
    if item not in ItemKey.values:
        raise Http404
    part = request.GET.get("part") or EvidencePart.ALL
    if part not in EvidencePart.values:
        raise Http404
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    contractor = selectors.contractor_get(user=request.user, org_id=org_id, region=region)
    found = selectors.evidence(
        user=request.user,
        region=region,
        period=period,
        contractor=contractor,
        item=item,
        part=part,
        now=now,
    )
    page = Paginator(found.records, EVIDENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    configured = AssessmentItem.objects.filter(key=item).first()
    return render(
        request,
        "assessment/evidence.html",
        _context(
            request,
            period,
            region,
            contractor=contractor,
            item=item,
            item_name=configured.label if configured else ItemKey(item).label,
            explanation=configured.explanation if configured else "",
            part=part,
            parts=EvidencePart.choices,
            page=page,
            kind=found.kind,
            card_url=reverse("assessment:card", args=[contractor.pk])
            + "?"
            + selectors.period_query(period, region),
        ),
    )


@staff_view
def weights_edit(request):
    if not selectors.may_edit_weights(request.user):
        raise PermissionDenied(_(services.NOT_ALLOWED_WEIGHTS))
    items = list(AssessmentItem.objects.filter(is_active=True))
    initial = {item.key: item.weight for item in items}
    initial["pass_mark"] = selectors.pass_mark()
    form = WeightsForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_weights_update(
                actor=request.user,
                weights=form.weights(),
                pass_mark=form.cleaned_data["pass_mark"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The assessment weights were saved."))
            return redirect("assessment:weights")
    return render(
        request,
        "assessment/weights.html",
        {"form": form, "history": selectors.weight_history(), "items": items},
    )


@require_GET
@staff_view
def scorecard_export(request):
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    cards = selectors.scorecards(user=request.user, period=period, region=region, now=now)
    body = excel.scorecards_workbook(cards, period=period, region=region)
    response = HttpResponse(body, content_type=XLSX)
    filename = f"运维考核-{period.key}.xlsx"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_POST
@staff_view
def scorecard_publish(request):
    if not selectors.may_publish(request.user):
        raise PermissionDenied(_(services.NOT_ALLOWED_PUBLISH))
    now = timezone.now()
    period = _period(request, now)
    region = _region(request)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        count = services.scorecards_publish(
            actor=request.user, period=period, region=region, note=note, now=now
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Published %(count)s scorecards for %(period)s.")
            % {"count": count, "period": period.label},
        )
    return redirect(reverse("assessment:list") + "?" + selectors.period_query(period, region))
