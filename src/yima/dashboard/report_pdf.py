"""The monthly report as an A4 PDF: key figures, the breakdown, three charts of the last 12
months, the action lists in short, and the indicator definitions.

Drawn with reportlab's platypus and graphics; Chinese text uses the CJK TrueType font the sign
PDFs embed (`yima.scan.pdf.cjk_font`). Empty figures print "无数据", never a division by zero.
"""

from xml.sax.saxutils import escape

from django.utils import translation
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from yima.dashboard.exports import (
    ACTION_LISTS,
    ACTION_TITLES,
    DEFINITIONS,
    LEVEL_TITLES,
    NO_DATA,
    REPORT_LANGUAGE,
    MonthlyReport,
    columns_for,
    key_figure_rows,
    local,
    with_relations,
)
from yima.scan.pdf import cjk_font

GREEN = colors.HexColor("#1f7a4d")
LIGHT = colors.HexColor("#e8f3ec")
INK = colors.HexColor("#1d2939")
MUTE = colors.HexColor("#667085")
LINE = colors.HexColor("#c0c6cf")
BLUE = colors.HexColor("#2e6fb7")
ORANGE = colors.HexColor("#d9822b")
FIRST_ROWS = 10  # rows of each action list shown in the PDF; the workbook has them all
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN

# Columns of each action list printed in the PDF (headers of exports.columns_for).
SHORT_COLUMNS = {
    "overdue_inspections": ("设施编号", "设施名称", "乡镇", "运维单位", "应巡检时间", "逾期天数"),
    "overdue_reports": ("受理编号", "问题类型", "设施/地点", "承办单位", "办结期限", "超期天数"),
    "abnormal": ("设施编号", "设施名称", "乡镇", "运维单位", "异常起始", "异常天数"),
    "samples_over_limit": ("设施编号", "设施名称", "乡镇", "采样时间", "超标项目"),
}


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, textColor=INK)
    base.wordWrap = "CJK"
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=17, leading=23, alignment=TA_CENTER, textColor=GREEN
        ),
        "meta": ParagraphStyle("meta", parent=base, alignment=TA_CENTER, textColor=MUTE),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12.5, leading=17, spaceBefore=9, spaceAfter=5
        ),
        "h3": ParagraphStyle("h3", parent=base, fontSize=10, leading=14, spaceBefore=5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "note": ParagraphStyle("note", parent=base, fontSize=7.5, leading=10, textColor=MUTE),
        "empty": ParagraphStyle("empty", parent=base, textColor=MUTE),
    }


def percent(ratio: float | None) -> str:
    return NO_DATA if ratio is None else f"{ratio * 100:.1f}%"


def _shown(value, number_format: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if number_format and "%" in number_format:
        return percent(value)
    if hasattr(value, "strftime"):
        return local(value).strftime("%Y-%m-%d") if hasattr(value, "hour") else str(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _table(data, widths, *, header_rows: int = 1, bold_last: bool = False, align_from: int = 1):
    table = Table(data, colWidths=widths, repeatRows=header_rows)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), cjk_font()),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), GREEN),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), colors.white),
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (align_from, header_rows), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
        ("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, colors.HexColor("#f6f8f7")]),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if bold_last:
        style += [("BACKGROUND", (0, -1), (-1, -1), LIGHT)]
    table.setStyle(TableStyle(style))
    return table


def _key_figures(report: MonthlyReport, s) -> list:
    previous = {row[0]: row for row in key_figure_rows(report.previous)}
    data = [["指标", str(report.period.label), "分子 / 分母", "上期"]]
    for name, value, numerator, denominator, fmt in key_figure_rows(report.figures):
        fraction = ""
        if numerator is not None or denominator is not None:
            fraction = f"{_shown(numerator)} / {_shown(denominator)}"
        before = previous.get(name)
        shown = percent(value) if fmt else _shown(value)
        data.append([name, shown, fraction, percent(before[1]) if fmt else _shown(before[1])])
    return [_table(data, [WIDTH * 0.3, WIDTH * 0.22, WIDTH * 0.28, WIDTH * 0.2])]


BREAKDOWN_HEADERS = (
    "设施",
    "在运",
    "正常运行率",
    "出水达标率",
    "巡检及时率",
    "负荷率",
    "按时办结率",
    "满意率",
    "新增报告",
)


def _breakdown_cells(figures) -> list[str]:
    load = figures.load
    return [
        str(figures.facilities),
        str(figures.in_service),
        percent(figures.operating.ratio),
        percent(figures.compliance.ratio),
        percent(figures.inspections_on_time.ratio),
        percent(None if load is None else load.ratio),
        percent(figures.resolution_on_time.ratio),
        percent(figures.satisfaction.ratio),
        str(figures.reports_opened),
    ]


def _breakdown(report: MonthlyReport, s) -> list:
    level = LEVEL_TITLES.get(report.level, "区域")
    if not report.breakdown:
        return [Paragraph(NO_DATA, s["empty"])]
    data = [[level, *BREAKDOWN_HEADERS]]
    for row in report.breakdown:
        if row.facility is not None:
            name = row.facility.name
        else:
            name = row.region.name if row.region is not None else ""
        data.append([Paragraph(escape(name), s["cell"]), *_breakdown_cells(row.figures)])
    data.append(["合计", *_breakdown_cells(report.figures)])
    first = WIDTH * 0.19
    rest = (WIDTH - first) / len(BREAKDOWN_HEADERS)
    return [_table(data, [first] + [rest] * len(BREAKDOWN_HEADERS), bold_last=True)]


def _month_labels(report: MonthlyReport) -> list[str]:
    labels = []
    for point in report.trend:
        start = point.period.start
        labels.append(f"{start.year % 100:02d}.{start.month:02d}")
    return labels


def _empty_drawing(title: str, font: str, height: float = 40 * mm) -> Drawing:
    drawing = Drawing(WIDTH, height)
    drawing.add(String(0, height - 12, title, fontName=font, fontSize=10, fillColor=INK))
    drawing.add(
        String(
            WIDTH / 2,
            height / 2,
            NO_DATA,
            fontName=font,
            fontSize=11,
            fillColor=MUTE,
            textAnchor="middle",
        )
    )
    return drawing


def _legend(drawing: Drawing, font: str, pairs, x: float, y: float) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.deltax = 70
    legend.colorNamePairs = pairs
    drawing.add(legend)


def _bar_chart(report, title: str, series, names, palette, font: str) -> Drawing:
    """Grouped monthly bars (two series) with a legend."""
    if not report.trend or not any(any(values) for values in series):
        return _empty_drawing(title, font)
    height = 62 * mm
    drawing = Drawing(WIDTH, height)
    drawing.add(String(0, height - 12, title, fontName=font, fontSize=10, fillColor=INK))
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 22
    chart.width, chart.height = WIDTH - 40, height - 58
    chart.data = [list(values) for values in series]
    chart.categoryAxis.categoryNames = _month_labels(report)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(max(values) for values in series)
    chart.valueAxis.valueMax = max(4, top + max(1, top // 8))
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.forceZero = True
    chart.groupSpacing = 6
    chart.barSpacing = 1
    for index, color in enumerate(palette):
        chart.bars[index].fillColor = color
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    _legend(drawing, font, list(zip(palette, names, strict=True)), WIDTH - 150, height - 8)
    return drawing


def _rates(report, numerator: str, denominator: str) -> list[float | None]:
    out = []
    for point in report.trend:
        d = getattr(point, denominator)
        out.append(round(getattr(point, numerator) / d * 100, 1) if d else None)
    return out


def _line_chart(report, font: str) -> Drawing:
    title = "出水达标率与巡检及时率（%）"
    compliance = _rates(report, "samples_compliant", "samples_assessed")
    on_time = _rates(report, "inspections_on_time", "inspections_due")
    if all(value is None for value in compliance + on_time):
        return _empty_drawing(title, font)
    height = 62 * mm
    drawing = Drawing(WIDTH, height)
    drawing.add(String(0, height - 12, title, fontName=font, fontSize=10, fillColor=INK))
    chart = HorizontalLineChart()
    chart.x, chart.y = 30, 22
    chart.width, chart.height = WIDTH - 40, height - 58
    chart.data = [compliance, on_time]
    chart.categoryAxis.categoryNames = _month_labels(report)
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontSize = 7
    # reportlab cannot draw a line through fewer than two points: such a series (one month of
    # data) shows its marker only.
    chart.joinedLines = 0
    for index, (color, values) in enumerate(((GREEN, compliance), (BLUE, on_time))):
        line = chart.lines[index]
        line.strokeColor, line.strokeWidth = color, 1.6
        if sum(value is not None for value in values) >= 2:
            line.lineStyle = "joinedLine"
        marker = makeMarker("FilledCircle")
        marker.size, marker.fillColor = 4, color
        line.symbol = marker
    drawing.add(chart)
    _legend(drawing, font, [(GREEN, "出水达标率"), (BLUE, "巡检及时率")], WIDTH - 150, height - 8)
    return drawing


def _charts(report: MonthlyReport, font: str) -> list:
    trend = report.trend
    due = [p.inspections_due for p in trend]
    done = [p.inspections_done for p in trend]
    opened = [p.reports_opened for p in trend]
    resolved = [p.reports_resolved for p in trend]
    return [
        _bar_chart(
            report, "应巡检与已巡检次数", [due, done], ["应巡检", "已巡检"], [LINE, GREEN], font
        ),
        Spacer(1, 3 * mm),
        _line_chart(report, font),
        Spacer(1, 3 * mm),
        _bar_chart(
            report,
            "群众报告：新增与办结",
            [opened, resolved],
            ["新增", "办结"],
            [ORANGE, BLUE],
            font,
        ),
    ]


def _action_list(report: MonthlyReport, name: str, s) -> list:
    queryset = report.actions.get(name)
    if queryset is None:
        return []
    count = queryset.count()
    flow = [Paragraph(f"{ACTION_TITLES[name]}（{count} 条）", s["h3"])]
    if not count:
        flow.append(Paragraph("无", s["empty"]))
        return flow
    now = report.now or report.generated_at
    columns = {c.header: c for c in columns_for(queryset.model, now, name=name)}
    wanted = [columns[h] for h in SHORT_COLUMNS[name] if h in columns]
    data = [[c.header for c in wanted]]
    for item in with_relations(queryset)[:FIRST_ROWS]:
        data.append(
            [Paragraph(escape(_shown(c.value(item), c.number_format)), s["cell"]) for c in wanted]
        )
    weight = sum(c.width for c in wanted)
    widths = [WIDTH * c.width / weight for c in wanted]
    flow.append(_table(data, widths, align_from=len(wanted)))
    if count > FIRST_ROWS:
        flow.append(
            Paragraph(
                f"仅列前 {FIRST_ROWS} 条，另有 {count - FIRST_ROWS} 条见 Excel 月报。", s["note"]
            )
        )
    return flow


def _definitions(s) -> list:
    flow = [Paragraph("指标口径", s["h3"])]
    for name, text in DEFINITIONS:
        flow.append(Paragraph(f"<b>{name}</b>：{text}", s["note"]))
    return flow


def _numbered_canvas(footer: str, font: str):
    """A canvas that prints "第 N 页 / 共 M 页" once it knows M (pages are held until save)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.setFillColor(MUTE)
                self.drawString(MARGIN, 9 * mm, footer)
                self.drawRightString(
                    A4[0] - MARGIN, 9 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def render_monthly_report_pdf(report: MonthlyReport, out) -> None:
    """Write the monthly report of `report` as a PDF to the binary stream `out`."""
    font = cjk_font()
    s = _styles(font)
    with translation.override(REPORT_LANGUAGE):
        period = str(report.period.label)
        generated = local(report.generated_at).strftime("%Y-%m-%d %H:%M")
        level = LEVEL_TITLES.get(report.level, "区域")
        story = [
            Paragraph(escape(f"{report.title} {period}"), s["title"]),
            Spacer(1, 2 * mm),
            Paragraph(
                escape(
                    f"统计范围：{report.scope_name}　统计期：{period}　"
                    f"生成时间：{generated}　生成人：{report.generated_by}"
                ),
                s["meta"],
            ),
            Spacer(1, 4 * mm),
            Paragraph("一、主要指标", s["h2"]),
            *_key_figures(report, s),
            Paragraph(f"二、按{level}统计", s["h2"]),
            *_breakdown(report, s),
            CondPageBreak(70 * mm),
            Paragraph("三、近12个月趋势", s["h2"]),
            *_charts(report, font),
            CondPageBreak(50 * mm),
            Paragraph("四、待办事项", s["h2"]),
        ]
        for name in ACTION_LISTS:
            story.extend(_action_list(report, name, s))
        story += [Spacer(1, 4 * mm), KeepTogether(_definitions(s))]
        document = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            title=f"{report.title} {period}",
            author="yima",
            creator="yima",
        )
        footer = f"{report.title} · {period}"
        document.build(story, canvasmaker=_numbered_canvas(footer, font))
