"""Downloads of the dashboard: the breakdown table, an action list and the records behind a figure
as Excel, and the monthly report as Excel or PDF.

Same gate as the dashboard pages (`views.dashboard_view`): visitors go to the login page, users
without an organisation get 403, a region outside the user's scope is 404.
"""

import tempfile

from django.http import FileResponse, Http404
from django.utils import timezone

from yima.dashboard import exports, selectors
from yima.dashboard.report_pdf import render_monthly_report_pdf
from yima.dashboard.selectors import Period
from yima.dashboard.views import FIGURES, dashboard_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
SPOOL_BYTES = 8 * 1024 * 1024


def _region(request):
    code = (request.GET.get("region") or "").strip()
    if code and not code.isdigit():
        raise Http404
    return selectors.dashboard_scope(user=request.user, region_code=code or None)


def _parse_period(value: str | None, now) -> Period:
    try:
        return Period.parse((value or "").strip() or None, now=now)
    except ValueError:
        raise Http404 from None


def _stream():
    # Small files stay in memory, large ones spill to disk; FileResponse closes it when done.
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115


def _download(stream, filename: str, content_type: str) -> FileResponse:
    """An attachment; Django writes filename*=UTF-8''… (RFC 5987) for non-ASCII names."""
    stream.seek(0)
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _code(region) -> str:
    return region.prefix if region is not None else "all"


@dashboard_view
def breakdown_xlsx(request):
    now = timezone.now()
    period = _parse_period(request.GET.get("period"), now)
    region = _region(request)
    user = request.user
    rows = selectors.dashboard_breakdown(user=user, region=region, period=period, now=now)
    total = selectors.dashboard_figures(user=user, region=region, period=period, now=now)
    level = exports.breakdown_level(rows) if rows else exports.child_level(region)
    stream = _stream()
    exports.write_breakdown(rows=rows, total=total, level=level, stream=stream)
    name = f"yima-分区统计-{_code(region)}-{period.key}.xlsx"
    return _download(stream, name, XLSX)


@dashboard_view
def actions_xlsx(request, name: str):
    if name not in exports.ACTION_LISTS:
        raise Http404
    now = timezone.now()
    region = _region(request)
    lists = selectors.action_lists(user=request.user, region=region, now=now)
    stream = _stream()
    title = exports.ACTION_TITLES[name]
    exports.write_list(
        title=title, queryset=getattr(lists, name), stream=stream, now=now, name=name
    )
    filename = f"yima-{title}-{_code(region)}-{timezone.localtime(now):%Y%m%d}.xlsx"
    return _download(stream, filename, XLSX)


@dashboard_view
def evidence_xlsx(request, figure: str, part: str):
    spec = FIGURES.get(figure)
    if spec is None or part not in spec.parts or figure not in exports.FIGURE_TITLES:
        raise Http404
    now = timezone.now()
    period = _parse_period(request.GET.get("period"), now)
    region = _region(request)
    queryset, rows = exports.evidence_rows(
        user=request.user, region=region, period=period, figure=figure, part=part, now=now
    )
    stream = _stream()
    title = f"{exports.FIGURE_TITLES[figure]}-{exports.PART_TITLES[part]}"
    exports.write_list(title=title, queryset=queryset, stream=stream, now=now, items=rows)
    filename = f"yima-{exports.FIGURE_TITLES[figure]}-{part}-{_code(region)}-{period.key}.xlsx"
    return _download(stream, filename, XLSX)


def _report(request, period: str):
    now = timezone.now()
    parsed = _parse_period(period, now)
    region = _region(request)
    return exports.monthly_report(user=request.user, region=region, period=parsed, now=now)


@dashboard_view
def report_xlsx(request, period: str):
    report = _report(request, period)
    stream = _stream()
    exports.write_monthly_report(report, stream)
    return _download(stream, report.filename("xlsx"), XLSX)


@dashboard_view
def report_pdf(request, period: str):
    report = _report(request, period)
    stream = _stream()
    render_monthly_report_pdf(report, stream)
    return _download(stream, report.filename("pdf"), PDF)
