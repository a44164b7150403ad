"""The monthly report (月报), as Excel and as PDF, from the page and from `yima monthly-report`:
same figures as the dashboard, readable Chinese text, and no crash on an empty scope."""

import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.core.testing import make_user
from yima.dashboard.tests.test_exports import NOW, PERIOD, build_month, by_header, client, rows_of

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


@pytest.fixture
def month():
    return build_month()


@pytest.fixture
def frozen():
    with freeze_time(NOW):
        yield


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def save_page_one(data: bytes, name: str, tmp_path: Path) -> Path:
    """Page 1 as a PNG under test-artifacts/, for a person to look at."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def test_city_report_workbook_has_cover_figures_breakdown_trend_and_lists(month, frozen):
    response = client(month.regulator).get(reverse("dashboard:report_xlsx", args=[PERIOD]))
    assert "yima-%E6%9C%88%E6%8A%A5-all-2026-11.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == [
        "封面",
        "主要指标",
        "按县区统计",
        "近12个月趋势",
        "逾期未巡检设施",
        "超期未办结报告",
        "持续异常设施",
        "最近水样超标设施",
    ]
    cover = {row[0]: row[1] for row in rows_of(book["封面"]) if row[0]}
    assert "南昌市农村生活污水处理设施运行月报" in cover
    assert cover["统计期"] == "2026年11月"
    assert cover["生成人"] == "regulator"
    assert cover["生成时间"] == "2026-11-29 12:00"
    assert "出水达标率" in cover and "不计入比率" in cover["出水达标率"]
    figures = {row["指标"]: row for row in by_header(book["主要指标"])}
    # November: samples 45, 50 meet, 80 is over; the DB36 sample cannot be assessed.
    assert figures["出水达标率"]["2026年11月"] == pytest.approx(2 / 3)
    assert (figures["出水达标率"]["分子"], figures["出水达标率"]["分母"]) == (2, 3)
    assert figures["无法评定水样"]["2026年11月"] == 1
    # October: only b's 90 (over).
    assert figures["出水达标率"]["上期"] == pytest.approx(0)
    assert figures["设施数"]["2026年11月"] == 3
    assert book["主要指标"]["B7"].number_format == "0.0%"
    counties = [row["县区"] for row in by_header(book["按县区统计"])]
    assert {"南昌县", "进贤县", "合计"} <= set(counties)
    trend = by_header(book["近12个月趋势"])
    assert len(trend) == 12
    assert (trend[0]["月份"], trend[-1]["月份"]) == ("2025年12月", "2026年11月")
    assert (trend[-2]["水样数"], trend[-2]["达标水样"]) == (1, 0)  # October
    assert (trend[-1]["新增报告"], trend[-1]["办结报告"]) == (2, 1)
    overdue = by_header(book["超期未办结报告"])
    assert [row["受理编号"] for row in overdue] == [month.case_b.tracking]


def test_report_workbook_matches_the_selectors(month, frozen):
    from yima.dashboard import selectors

    period = selectors.Period.parse(PERIOD, now=NOW)
    want = selectors.dashboard_figures(user=month.operator, region=None, period=period, now=NOW)
    trend = selectors.dashboard_trend(user=month.operator, region=None, period=period, now=NOW)
    response = client(month.operator).get(reverse("dashboard:report_xlsx", args=[PERIOD]))
    book = load_workbook(io.BytesIO(body(response)))
    figures = {row["指标"]: row for row in by_header(book["主要指标"])}
    assert figures["设施数"]["2026年11月"] == want.facilities
    assert figures["巡检及时率"]["分子"] == want.inspections_on_time.numerator
    assert figures["巡检及时率"]["分母"] == want.inspections_on_time.denominator
    assert figures["正常运行率"]["分子"] == want.operating.numerator
    rows = by_header(book["近12个月趋势"])
    assert [r["应巡检次数"] for r in rows] == [p.inspections_due for p in trend]
    assert [r["完成巡检次数"] for r in rows] == [p.inspections_done for p in trend]


def test_county_report_pdf_shows_title_period_and_figures(month, frozen, tmp_path):
    response = client(month.county_regulator).get(
        reverse("dashboard:report_pdf", args=[PERIOD]), {"region": month.nanchang_county.code}
    )
    assert response["Content-Type"] == "application/pdf"
    data = body(response)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert "南昌县农村生活污水处理设施运行月报" in text
    assert "2026年11月" in text
    # 南昌县 in November: compliance 1 of 2 (c's sample aside), operating 1 of 2 (c abnormal).
    compact = "".join(text.split())  # pdftotext spaces glyphs as it likes
    assert "出水达标率50.0%1/2" in compact
    assert "正常运行率50.0%1/2" in compact
    assert "按乡镇统计" in text and "莲塘镇" in text and "向塘镇" in text
    assert "进贤县" not in text
    assert "第1页/共" in compact
    assert "指标口径" in text
    png = save_page_one(data, "dashboard-report-county", tmp_path)
    assert png.stat().st_size > 10_000


def test_trend_chart_copes_with_a_rate_that_has_no_month(month, frozen, tmp_path):
    """Up to October 南昌县 had dues but no sample: one line of the chart has no point."""
    response = client(month.county_regulator).get(reverse("dashboard:report_pdf", args=["2026-10"]))
    text = pdf_text(body(response), tmp_path)
    assert "2026年10月" in text and "出水达标率与巡检及时率" in text


def test_report_of_an_empty_scope_says_no_data(db, tmp_path):
    with freeze_time(NOW):
        contractor = Organisation.objects.create(
            name="新签运维公司", kind=OrganisationKind.CONTRACTOR
        )
        user = make_user("newcomer", contractor)
        c = client(user)
        data = body(c.get(reverse("dashboard:report_pdf", args=[PERIOD])))
        book = load_workbook(
            io.BytesIO(body(c.get(reverse("dashboard:report_xlsx", args=[PERIOD]))))
        )
        breakdown = load_workbook(
            io.BytesIO(body(c.get(reverse("dashboard:export_breakdown"), {"period": PERIOD})))
        )
    text = pdf_text(data, tmp_path)
    assert "新签运维公司农村生活污水处理设施运行月报" in text
    assert "无数据" in text
    save_page_one(data, "dashboard-report-empty", tmp_path)
    figures = {row["指标"]: row for row in by_header(book["主要指标"])}
    assert figures["设施数"]["2026年11月"] == 0
    assert figures["出水达标率"]["2026年11月"] is None
    assert by_header(breakdown.active)[-1]["设施数"] == 0


def test_command_writes_the_report_of_a_county_as_pdf_and_excel(month, frozen, tmp_path):
    pdf = tmp_path / "report.pdf"
    xlsx = tmp_path / "report.xlsx"
    out = io.StringIO()
    call_command("monthly_report", period=PERIOD, region="360121", output=str(pdf), stdout=out)
    assert "南昌县" in out.getvalue()
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert "南昌县农村生活污水处理设施运行月报" in text and "系统" in text
    call_command("monthly_report", period=PERIOD, output=str(xlsx), stdout=io.StringIO())
    book = load_workbook(xlsx)
    figures = {row["指标"]: row for row in by_header(book["主要指标"])}
    assert figures["设施数"]["2026年11月"] == 3  # the whole database
    assert figures["出水达标率"]["2026年11月"] == pytest.approx(2 / 3)


def test_command_refuses_bad_arguments(month, frozen, tmp_path):
    with pytest.raises(CommandError, match=".pdf or .xlsx"):
        call_command("monthly_report", period=PERIOD, output=str(tmp_path / "x.doc"))
    with pytest.raises(CommandError, match="not a period"):
        call_command("monthly_report", period="November", output=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command("monthly_report", region="360199", output=str(tmp_path / "x.pdf"))
