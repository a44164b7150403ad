"""Excel exports of the dashboard: the breakdown table, the action lists, the evidence behind a
figure, and the monthly report workbook a bureau sends upward.

Every workbook is written in openpyxl's write-only mode (memory stays flat for long lists) with
Chinese headers, numbers as numbers, rates as fractions shown as '0.0%', and a frozen header row.
The documents are official Chinese reports, so they are written in Chinese whatever the UI
language (`translation.override`). The figures come only from `yima.dashboard.selectors`, so an
export always holds the same numbers as the dashboard.
"""

import heapq
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone, translation

REPORT_LANGUAGE = "zh-hans"
PERCENT = "0.0%"
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
HEADER_FILL = "1F7A4D"
CHUNK = 2000
NO_DATA = "无数据"

ACTION_LISTS = ("overdue_inspections", "overdue_reports", "abnormal", "samples_over_limit")
ACTION_TITLES = {
    "overdue_inspections": "逾期未巡检设施",
    "overdue_reports": "超期未办结报告",
    "abnormal": "持续异常设施",
    "samples_over_limit": "最近水样超标设施",
}
# The figures of selectors.evidence, as the file and sheet names call them.
FIGURE_TITLES = {
    "facilities": "设施数",
    "in_service": "在运设施",
    "operating": "正常运行率",
    "compliance": "出水达标率",
    "inspections_on_time": "巡检及时率",
    "load": "负荷率",
    "resolution_on_time": "按时办结率",
    "satisfaction": "满意率",
}
PART_TITLES = {"all": "全部（分母）", "met": "达到（分子）", "unmet": "未达到"}

# The indicator definitions printed on the cover sheet and under the PDF (DOMAIN.md §5 as made
# precise in docs/brief DASHBOARD_API.md). Keep them in step with the dashboard's help page.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "统计范围",
        "本单位可查看的未删除设施（可限定到一个县区、乡镇或村）；群众报告按设施或报告所在区域"
        "归属。统计期按北京时间计，截至统计期末与生成时间中较早者（统计时点）。",
    ),
    (
        "设施数、覆盖乡镇、覆盖村",
        "范围内状态不是“已报废”的设施数，以及这些设施所在的不同乡镇、村的数量。",
    ),
    ("在运设施", "状态为“运行中”的设施数。"),
    (
        "正常运行率",
        "最近一次巡检（统计时点前）距统计时点不超过该设施巡检周期且结果为“运行正常”的在运设施数"
        " ÷ 在运设施数。",
    ),
    (
        "出水达标率",
        "统计期内采样、各项指标均符合设施执行标准与等级限值的水样数 ÷ 可评定的水样数"
        "（达标 + 超标）；无法评定的水样（该等级未配置限值）单独列示，不计入比率。",
    ),
    (
        "巡检及时率",
        "按时完成的应巡检次数 ÷ 统计期内（至统计时点）到期的应巡检次数。首次应巡检时间为设施登记"
        "时间加巡检周期，巡检后下次应巡检时间为巡检时间加周期；到期未巡检记一次逾期，下次应巡检"
        "时间顺延一个周期。",
    ),
    (
        "负荷率",
        "统计期内有日处理水量记录的设施，其平均日处理水量之和 ÷ 其设计规模之和；"
        "无水量记录时不计算。",
    ),
    (
        "按时办结率",
        "在办结期限前办结的群众报告数 ÷ 办结期限在统计期内（或已提前办结）的报告数；已隐藏和"
        "不予受理的报告不计。",
    ),
    ("满意率", "统计期内群众评价为 4 星或 5 星的次数 ÷ 评价次数。"),
    ("新增报告、办结报告", "统计期内提交、办结的群众报告数。"),
)


# --- Cells and sheets ---


def local(value: datetime | None) -> datetime | None:
    """A naive local datetime for Excel, which knows no time zones."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[Any], Any]
    number_format: str | None = None


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return {
        "header_font": Font(bold=True, color="FFFFFF"),
        "header_fill": PatternFill("solid", fgColor=HEADER_FILL),
        "header_align": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "bold": Font(bold=True),
        "title": Font(bold=True, size=16),
        "wrap": Alignment(wrap_text=True, vertical="top"),
    }


def _cell(sheet, value, number_format: str | None = None, font=None, alignment=None):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _cell_value(value, number_format: str | None):
    if isinstance(value, datetime):
        return local(value), number_format or DATETIME
    if isinstance(value, date):
        return value, number_format or DATE
    return _number(value), number_format


def write_table(
    workbook,
    title: str,
    columns: list[Column],
    items: Iterable,
    *,
    bold_last: Any = None,
) -> int:
    """One sheet: a styled, frozen header row and a row per item; returns the row count.

    `bold_last` is an item written after the others in bold (a total row)."""
    from openpyxl.utils import get_column_letter

    from yima.core.xlsx import as_text

    styles = _styles()
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.append(
        [
            _cell(
                sheet,
                column.header,
                font=styles["header_font"],
                alignment=styles["header_align"],
            )
            for column in columns
        ]
    )
    if any(len(column.header) > column.width / 2 for column in columns):
        sheet.row_dimensions[1].height = 32

    def row(item, font=None) -> list:
        cells = []
        for column in columns:
            value, number_format = _cell_value(column.value(item), column.number_format)
            if number_format or font is not None:
                cells.append(_cell(sheet, value, number_format, font=font))
            else:
                cells.append(value)
        return cells

    count = 0
    for item in items:
        sheet.append(as_text(sheet, row(item)))  # names starting with "=" stay text
        count += 1
    if bold_last is not None:
        sheet.append(as_text(sheet, row(bold_last, font=styles["bold"])))
    return count


def _iterate(queryset) -> Iterator:
    if isinstance(queryset, QuerySet):
        return queryset.iterator(chunk_size=CHUNK)
    return iter(queryset)


def _new_workbook():
    from openpyxl import Workbook

    return Workbook(write_only=True)


# --- Figures: one row of the breakdown, the key-figure list ---


def _ratio(rate) -> float | None:
    return None if rate is None else rate.ratio


def _load_attr(name: str):
    def get(figures):
        load = figures.load
        if load is None:
            return None
        return getattr(load, name)

    return get


def figure_columns() -> list[Column]:
    """Every figure of a `Figures` with its numerator and denominator."""
    f = lambda getter, header, width=10, fmt=None: Column(header, width, getter, fmt)  # noqa: E731
    return [
        f(lambda x: x.facilities, "设施数"),
        f(lambda x: x.towns, "覆盖乡镇"),
        f(lambda x: x.villages, "覆盖村"),
        f(lambda x: x.in_service, "在运设施"),
        f(lambda x: x.operating.ratio, "正常运行率", 11, PERCENT),
        f(lambda x: x.operating.numerator, "正常运行设施"),
        f(lambda x: x.operating.denominator, "在运设施（分母）"),
        f(lambda x: x.compliance.ratio, "出水达标率", 11, PERCENT),
        f(lambda x: x.compliance.numerator, "达标水样"),
        f(lambda x: x.compliance.denominator, "可评定水样"),
        f(lambda x: x.samples_unassessed, "无法评定水样"),
        f(lambda x: x.inspections_on_time.ratio, "巡检及时率", 11, PERCENT),
        f(lambda x: x.inspections_on_time.numerator, "按时巡检次数"),
        f(lambda x: x.inspections_on_time.denominator, "应巡检次数"),
        f(_load_attr("ratio"), "负荷率", 10, PERCENT),
        f(_load_attr("flow_m3d"), "日处理水量合计（m³/d）", 13, "#,##0.0"),
        f(_load_attr("capacity_m3d"), "设计规模合计（m³/d）", 13, "#,##0.0"),
        f(_load_attr("facilities"), "有水量记录设施"),
        f(lambda x: x.resolution_on_time.ratio, "按时办结率", 11, PERCENT),
        f(lambda x: x.resolution_on_time.numerator, "按时办结报告"),
        f(lambda x: x.resolution_on_time.denominator, "到期报告"),
        f(lambda x: x.satisfaction.ratio, "满意率", 10, PERCENT),
        f(lambda x: x.satisfaction.numerator, "满意评价"),
        f(lambda x: x.satisfaction.denominator, "评价次数"),
        f(lambda x: x.reports_opened, "新增报告"),
        f(lambda x: x.reports_resolved, "办结报告"),
    ]


def key_figure_rows(figures) -> list[tuple[str, Any, Any, Any, str | None]]:
    """(name, value, numerator, denominator, number format) for the key-figure sheet/table."""
    load = figures.load
    return [
        ("设施数", figures.facilities, None, None, None),
        ("覆盖乡镇", figures.towns, None, None, None),
        ("覆盖村", figures.villages, None, None, None),
        ("在运设施", figures.in_service, None, None, None),
        ("正常运行率", *_rate_triple(figures.operating), PERCENT),
        ("出水达标率", *_rate_triple(figures.compliance), PERCENT),
        ("无法评定水样", figures.samples_unassessed, None, None, None),
        ("巡检及时率", *_rate_triple(figures.inspections_on_time), PERCENT),
        (
            "负荷率",
            None if load is None else load.ratio,
            None if load is None else _number(load.flow_m3d),
            None if load is None else _number(load.capacity_m3d),
            PERCENT,
        ),
        ("按时办结率", *_rate_triple(figures.resolution_on_time), PERCENT),
        ("满意率", *_rate_triple(figures.satisfaction), PERCENT),
        ("新增报告", figures.reports_opened, None, None, None),
        ("办结报告", figures.reports_resolved, None, None, None),
    ]


def _rate_triple(rate) -> tuple:
    return rate.ratio, rate.numerator, rate.denominator


LEVEL_TITLES = {"county": "县区", "town": "乡镇", "village": "村", "facility": "设施"}


def breakdown_level(rows) -> str:
    """'county' | 'town' | 'village' | 'facility': what the rows of a breakdown are."""
    for row in rows:
        if row.facility is not None:
            return "facility"
        if row.region is not None:
            return str(row.region.level)
    return "county"


def child_level(region) -> str:
    """The level a breakdown of `region` lists (for headings when there are no rows)."""
    if region is None:
        return "county"
    return {"province": "county", "city": "county", "county": "town", "town": "village"}.get(
        str(region.level), "facility"
    )


def _row_code(row) -> str:
    if row.facility is not None:
        return row.facility.code
    return row.region.code if row.region is not None else ""


def _row_name(row) -> str:
    if row.facility is not None:
        return row.facility.name
    return row.region.name if row.region is not None else ""


@dataclass(frozen=True)
class TotalRow:
    """The whole scope, written under the breakdown rows."""

    figures: Any
    label: str = "合计"
    region: Any = None
    facility: Any = None


def write_breakdown_sheet(workbook, rows, total, *, level: str, title: str = "分区统计") -> int:
    heading = LEVEL_TITLES.get(level, "区域")
    first = [
        Column(
            "设施编号" if level == "facility" else "区域编码",
            15,
            lambda r: "" if isinstance(r, TotalRow) else _row_code(r),
        ),
        Column(heading, 18, lambda r: r.label if isinstance(r, TotalRow) else _row_name(r)),
    ]
    figure_cols = [
        Column(c.header, c.width, (lambda g: lambda r: g(r.figures))(c.value), c.number_format)
        for c in figure_columns()
    ]
    return write_table(workbook, title, first + figure_cols, rows, bold_last=total)


def write_breakdown(*, rows, total, level: str, stream) -> int:
    with translation.override(REPORT_LANGUAGE):
        workbook = _new_workbook()
        count = write_breakdown_sheet(workbook, rows, TotalRow(total), level=level)
        workbook.save(stream)
    return count


# --- Lists: action lists and evidence, by the model of their rows ---


def _name(obj) -> str:
    return "" if obj is None else str(getattr(obj, "name", obj))


def _days_since(value: datetime | None, now: datetime) -> int | None:
    """Whole days from `value` to `now` (0 when `now` is not later)."""
    if value is None:
        return None
    return max(0, (now - value).days)


def _days_late(deadline: datetime | None, now: datetime) -> int | None:
    """Days past a deadline, a started day counting as one (an hour late is 1, not 0)."""
    if deadline is None:
        return None
    return max(0, math.ceil((now - deadline).total_seconds() / 86400))


def facility_columns(now: datetime, *, extra: tuple = ()) -> list[Column]:
    return [
        Column("设施编号", 17, lambda f: f.display_code),
        Column("设施名称", 26, lambda f: f.name),
        Column("县区", 10, lambda f: _name(f.county)),
        Column("乡镇", 12, lambda f: _name(f.town)),
        Column("村", 12, lambda f: _name(f.village)),
        Column("运维单位", 26, lambda f: _name(f.contractor)),
        *extra,
        Column("设计规模（m³/d）", 12, lambda f: f.capacity_m3d, "#,##0.0"),
        Column("状态", 9, lambda f: str(f.get_status_display())),
    ]


def overdue_inspection_columns(now: datetime) -> list[Column]:
    extra = (
        Column("应巡检时间", 17, lambda f: getattr(f, "due_at", None)),
        Column("上次巡检", 17, lambda f: getattr(f, "last_inspected_at", None)),
        Column("逾期天数", 9, lambda f: _days_late(getattr(f, "due_at", None), now)),
    )
    return facility_columns(now, extra=extra)


def abnormal_columns(now: datetime) -> list[Column]:
    extra = (
        Column("异常起始", 17, lambda f: getattr(f, "abnormal_since", None)),
        Column("异常天数", 9, lambda f: _days_since(getattr(f, "abnormal_since", None), now)),
    )
    return facility_columns(now, extra=extra)


def case_columns(now: datetime) -> list[Column]:
    return [
        Column("受理编号", 11, lambda c: c.tracking),
        Column("问题类型", 16, lambda c: _name(c.case_type)),
        Column("设施编号", 17, lambda c: c.facility.display_code if c.facility_id else ""),
        Column(
            "设施/地点",
            26,
            lambda c: c.facility.name if c.facility_id else (c.subject or _name(c.region)),
        ),
        Column("区域", 12, lambda c: _name(c.region)),
        Column("状态", 16, lambda c: str(c.get_state_display())),
        Column("承办单位", 24, lambda c: _name(c.assignee)),
        Column("提交时间", 17, lambda c: c.submitted_at),
        Column("办结期限", 17, lambda c: c.resolve_due_at),
        Column("办结时间", 17, lambda c: c.concluded_at),
        Column("超期天数", 9, lambda c: _days_late(c.resolve_due_at, c.concluded_at or now)),
    ]


def _failed_items(sample) -> str:
    from yima.operations.choices import ItemResult, Pollutant

    labels = dict(Pollutant.choices)
    failed = []
    for item in sample.results or []:
        if item.get("result") == ItemResult.FAIL:
            name = str(labels.get(item.get("pollutant"), item.get("pollutant")))
            limit = item.get("max") or item.get("min") or ""
            failed.append(f"{name} {item.get('value')}（限值 {limit}）")
    return "；".join(failed)


def sample_columns(now: datetime) -> list[Column]:
    def value(field_name: str):
        return lambda s: getattr(s, field_name)

    return [
        Column("设施编号", 17, lambda s: s.facility.display_code),
        Column("设施名称", 26, lambda s: s.facility.name),
        Column("县区", 10, lambda s: _name(s.facility.county)),
        Column("乡镇", 12, lambda s: _name(s.facility.town)),
        Column("采样时间", 17, lambda s: s.sampled_at),
        Column("检测单位", 20, lambda s: s.lab),
        Column("执行标准", 14, lambda s: s.standard),
        Column("等级", 7, lambda s: str(s.get_grade_display())),
        Column("评定", 10, lambda s: str(s.get_compliance_display())),
        Column("超标项目", 36, _failed_items),
        Column("pH", 7, value("ph")),
        Column("COD", 8, value("cod")),
        Column("SS", 8, value("ss")),
        Column("NH₃-N", 8, value("nh3n")),
        Column("TN", 8, value("tn")),
        Column("TP", 8, value("tp")),
        Column("动植物油", 9, value("oils")),
    ]


def due_columns(now: datetime) -> list[Column]:
    """InspectionDue rows and selectors.OutstandingDue (a missed due no table holds yet)."""

    def inspected(d):
        inspection = getattr(d, "inspection", None)
        return None if inspection is None else inspection.finished_at

    def contractor(d):
        return _name(getattr(d, "contractor", None) or d.facility.contractor)

    return [
        Column("设施编号", 17, lambda d: d.facility.display_code),
        Column("设施名称", 26, lambda d: d.facility.name),
        Column("县区", 10, lambda d: _name(d.facility.county)),
        Column("乡镇", 12, lambda d: _name(d.facility.town)),
        Column("运维单位", 26, contractor),
        Column("应巡检时间", 17, lambda d: d.due_at),
        Column("实际巡检时间", 17, inspected),
        Column("是否按时", 9, lambda d: "按时" if getattr(d, "on_time", False) else "未按时"),
    ]


def inspection_columns(now: datetime) -> list[Column]:
    return [
        Column("设施编号", 17, lambda i: i.facility.display_code),
        Column("设施名称", 26, lambda i: i.facility.name),
        Column("乡镇", 12, lambda i: _name(i.facility.town)),
        Column("运维单位", 26, lambda i: _name(i.contractor)),
        Column("巡检时间", 17, lambda i: i.finished_at),
        Column("结果", 10, lambda i: str(i.get_outcome_display())),
        Column("日处理水量（m³/d）", 13, lambda i: getattr(i, "flow_m3d", None), "#,##0.0"),
        Column("设计规模（m³/d）", 12, lambda i: i.facility.capacity_m3d, "#,##0.0"),
    ]


def case_event_columns(now: datetime) -> list[Column]:
    return [
        Column("受理编号", 11, lambda e: e.case.tracking),
        Column("问题类型", 16, lambda e: _name(e.case.case_type)),
        Column(
            "设施编号", 17, lambda e: e.case.facility.display_code if e.case.facility_id else ""
        ),
        Column("区域", 12, lambda e: _name(e.case.region)),
        Column("事项", 14, lambda e: str(e.get_action_display())),
        Column("评价（星）", 10, lambda e: e.rating),
        Column("问题是否解决", 12, lambda e: {True: "是", False: "否"}.get(e.fixed, "")),
        Column("时间", 17, lambda e: e.at),
    ]


def columns_for(model: type[Model], now: datetime, *, name: str = "") -> list[Column]:
    """The columns of a list whose rows are `model` instances."""
    from yima.cases.models import Case, CaseEvent
    from yima.facilities.models import Facility
    from yima.operations.models import Inspection, WaterSample

    if name == "overdue_inspections":
        return overdue_inspection_columns(now)
    if name == "abnormal":
        return abnormal_columns(now)
    if issubclass(model, Facility):
        return facility_columns(now)
    if issubclass(model, Case):
        return case_columns(now)
    if issubclass(model, WaterSample):
        return sample_columns(now)
    if issubclass(model, CaseEvent):
        return case_event_columns(now)
    if issubclass(model, Inspection):
        return inspection_columns(now)
    if model.__name__ in ("InspectionDue", "OutstandingDue"):
        return due_columns(now)
    return [Column("记录", 60, str)]


def with_relations(queryset: QuerySet) -> QuerySet:
    """The rows of a list with what their columns show loaded in the same query."""
    from yima.cases.models import Case, CaseEvent
    from yima.facilities.models import Facility
    from yima.operations.models import Inspection, WaterSample

    model = queryset.model
    if issubclass(model, Facility):
        return queryset.select_related("county", "town", "village", "contractor")
    if issubclass(model, Case):
        return queryset.select_related("case_type", "facility", "region", "assignee")
    if issubclass(model, WaterSample):
        return queryset.select_related("facility__county", "facility__town")
    if issubclass(model, CaseEvent):
        return queryset.select_related("case__case_type", "case__facility", "case__region")
    if issubclass(model, Inspection):
        return queryset.select_related("facility__town", "contractor")
    if model.__name__ == "InspectionDue":
        return queryset.select_related(
            "facility__county", "facility__town", "facility__contractor", "contractor", "inspection"
        )
    return queryset


def write_list_sheet(
    workbook, title: str, queryset, *, now: datetime, name: str = "", items=None
) -> int:
    """A sheet of the rows of `queryset` (or of `items`, rows of the same kind)."""
    columns = columns_for(queryset.model, now, name=name)
    rows = _iterate(with_relations(queryset)) if items is None else items
    return write_table(workbook, title, columns, rows)


def write_list(
    *, title: str, queryset, stream, now: datetime | None = None, name: str = "", items=None
) -> int:
    """A workbook of one list (an action list or the evidence of a figure)."""
    now = now or timezone.now()
    with translation.override(REPORT_LANGUAGE):
        workbook = _new_workbook()
        count = write_list_sheet(workbook, title, queryset, now=now, name=name, items=items)
        workbook.save(stream)
    return count


def evidence_rows(*, user, region, period, figure: str, part: str, now: datetime):
    """(queryset, rows) behind a figure. The missed dues after a facility's latest inspection
    live in no table (selectors.outstanding_inspection_dues); they are merged in by due time so
    the rows of 巡检及时率 add up to its denominator."""
    from yima.dashboard import selectors

    queryset = selectors.evidence(
        user=user, region=region, period=period, figure=figure, part=part, now=now
    )
    if figure != "inspections_on_time" or part == "met":
        return queryset, _iterate(with_relations(queryset))
    outstanding = selectors.outstanding_inspection_dues(
        user=user, region=region, period=period, now=now
    )
    rows = heapq.merge(
        _iterate(with_relations(queryset)),
        outstanding,
        key=lambda due: (due.due_at, due.facility.code),
    )
    return queryset, rows


# --- The monthly report ---


@dataclass
class MonthlyReport:
    """Everything the monthly report shows, read once and written as .xlsx or .pdf."""

    scope_name: str
    region: Any  # Region | None
    period: Any  # selectors.Period
    generated_at: datetime
    generated_by: str
    figures: Any  # selectors.Figures
    previous: Any  # selectors.Figures of the period before
    breakdown: list
    level: str
    trend: list
    actions: dict[str, QuerySet] = field(default_factory=dict)
    now: datetime | None = None

    @property
    def title(self) -> str:
        return f"{self.scope_name}农村生活污水处理设施运行月报"

    @property
    def code(self) -> str:
        return self.region.prefix if self.region is not None else "all"

    def filename(self, extension: str) -> str:
        return f"yima-月报-{self.code}-{self.period.key}.{extension}"


def scope_name(user, region) -> str:
    """What the report is about: the region, else the user's bureau region or contractor."""
    from yima.accounts.scope import scope_for
    from yima.facilities.models import Facility
    from yima.regions.models import Region

    if region is not None:
        return region.name
    scope = scope_for(user)
    if scope.region_prefixes:
        codes = [prefix.ljust(12, "0") for prefix in scope.region_prefixes]
        names = list(Region.objects.filter(code__in=codes).values_list("name", flat=True))
        if names:
            return "、".join(names)
    if scope.is_admin:
        cities = list(
            Facility.objects.alive()
            .order_by()
            .values_list("county__parent__name", flat=True)
            .distinct()[:2]
        )
        return cities[0] if len(cities) == 1 and cities[0] else "全域"
    if scope.contractor_ids:
        from yima.accounts.models import Organisation

        names = Organisation.objects.filter(pk__in=scope.contractor_ids).values_list(
            "name", flat=True
        )
        return "、".join(names)
    return ""


def user_label(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return "系统（命令行）"
    full = user.get_full_name().strip()
    return f"{full}（{user.username}）" if full else user.username


def monthly_report(*, user, region, period, now=None, generated_by: str | None = None):
    """Read everything for the monthly report of `region` (None: the user's whole scope)."""
    from yima.dashboard import selectors

    now = now or timezone.now()
    with translation.override(REPORT_LANGUAGE):
        period = selectors.Period.parse(period.key, now=now)  # its label in Chinese
        figures = selectors.dashboard_figures(user=user, region=region, period=period, now=now)
        previous = selectors.dashboard_figures(
            user=user, region=region, period=period.previous(), now=now
        )
        breakdown = selectors.dashboard_breakdown(user=user, region=region, period=period, now=now)
        trend = selectors.dashboard_trend(user=user, region=region, period=period, now=now)
        lists = selectors.action_lists(user=user, region=region, now=now)
        return MonthlyReport(
            scope_name=scope_name(user, region),
            region=region,
            period=period,
            generated_at=now,
            generated_by=generated_by or user_label(user),
            figures=figures,
            previous=previous,
            breakdown=list(breakdown),
            level=breakdown_level(breakdown) if breakdown else child_level(region),
            trend=list(trend),
            actions={name: getattr(lists, name) for name in ACTION_LISTS},
            now=now,
        )


def trend_columns() -> list[Column]:
    def rate(numerator: str, denominator: str):
        def get(point):
            d = getattr(point, denominator)
            return getattr(point, numerator) / d if d else None

        return get

    return [
        Column("月份", 12, lambda p: str(p.period.label)),
        Column("应巡检次数", 11, lambda p: p.inspections_due),
        Column("按时巡检次数", 12, lambda p: p.inspections_on_time),
        Column("巡检及时率", 11, rate("inspections_on_time", "inspections_due"), PERCENT),
        Column("完成巡检次数", 12, lambda p: p.inspections_done),
        Column("水样数", 9, lambda p: p.samples),
        Column("可判定水样", 11, lambda p: p.samples_assessed),
        Column("达标水样", 9, lambda p: p.samples_compliant),
        Column("出水达标率", 11, rate("samples_compliant", "samples_assessed"), PERCENT),
        Column("新增报告", 9, lambda p: p.reports_opened),
        Column("办结报告", 9, lambda p: p.reports_resolved),
    ]


def _write_cover(workbook, report: MonthlyReport) -> None:
    from yima.core.xlsx import as_text

    styles = _styles()
    sheet = workbook.create_sheet("封面")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    sheet.append([_cell(sheet, report.title, font=styles["title"])])
    sheet.append([])
    for label, value in (
        ("统计范围", report.scope_name),
        ("统计期", str(report.period.label)),
        ("生成时间", local(report.generated_at).strftime("%Y-%m-%d %H:%M")),
        ("生成人", report.generated_by),
        ("数据来源", "一码（yima）农村生活污水处理设施监管平台"),
    ):
        sheet.append(as_text(sheet, [_cell(sheet, label, font=styles["bold"]), value]))
    sheet.append([])
    sheet.append([_cell(sheet, "指标口径", font=styles["bold"])])
    for name, text in DEFINITIONS:
        sheet.append(
            [_cell(sheet, name, font=styles["bold"]), _cell(sheet, text, alignment=styles["wrap"])]
        )


def _write_key_figures(workbook, report: MonthlyReport) -> None:
    styles = _styles()
    sheet = workbook.create_sheet("主要指标")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (16, 12, 14, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    headers = ("指标", str(report.period.label), "分子", "分母", "上期")
    sheet.append(
        [
            _cell(sheet, h, font=styles["header_font"], alignment=styles["header_align"])
            for h in headers
        ]
    )
    previous = {name: value for name, value, *_ in key_figure_rows(report.previous)}
    for name, value, numerator, denominator, fmt in key_figure_rows(report.figures):
        sheet.append(
            [
                name,
                _cell(sheet, _number(value), fmt),
                _number(numerator),
                _number(denominator),
                _cell(sheet, _number(previous.get(name)), fmt),
            ]
        )


def write_monthly_report(report: MonthlyReport, stream) -> None:
    """The monthly report workbook: cover, key figures, breakdown, trend, action lists."""
    now = report.now or report.generated_at
    with translation.override(REPORT_LANGUAGE):
        workbook = _new_workbook()
        _write_cover(workbook, report)
        _write_key_figures(workbook, report)
        write_breakdown_sheet(
            workbook,
            report.breakdown,
            TotalRow(report.figures),
            level=report.level,
            title=f"按{LEVEL_TITLES.get(report.level, '区域')}统计",
        )
        write_table(workbook, "近12个月趋势", trend_columns(), report.trend)
        for name in ACTION_LISTS:
            queryset = report.actions.get(name)
            if queryset is not None:
                write_list_sheet(workbook, ACTION_TITLES[name], queryset, now=now, name=name)
        workbook.save(stream)
