"""Excel exports of the dashboard: the breakdown table, the action lists and the evidence behind a
figure hold the same numbers as the dashboard, checked by hand on a small month of data, and
follow the dashboard's gate (login, organisation, region scope)."""

import io
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver, reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from yima.core.testing import facility_fields, make_world

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=TZ)
PERIOD = "2026-11"


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


def build_month():
    """The world (facilities registered 1 September) and a November of records, all through the
    services:

    - facility_a (南昌县, GB 18918 1B): samples 5 Nov COD 45 (meets) and 18 Nov COD 80 (over the
      60 limit, its latest); inspected normal on 20 Nov; a public report on 12 Nov, resolved on
      14 Nov and rated 5.
    - facility_b (进贤县, GB 18918 1B): samples 15 Oct COD 90 (over) and 10 Nov COD 50 (meets);
      never inspected; a public report on 13 Nov still open past its 28 Nov deadline.
    - facility_c (南昌县 向塘镇, DB36/1102 with no limits loaded): a sample on 8 Nov that cannot be
      assessed; inspected abnormal on 21 Nov.
    """
    from yima.cases.models import CaseType
    from yima.cases.services import case_assign, case_evaluate, case_resolve, case_submit
    from yima.dashboard.summary import summary_rebuild
    from yima.facilities.services import facility_register, facility_update
    from yima.operations.services import inspection_record, sample_record

    cache.clear()  # the public-report rate limits count per facility and day in the cache
    # Load every URL module before time is frozen: pydantic (the API's schemas) cannot build
    # models while datetime is freezegun's.
    get_resolver().url_patterns  # noqa: B018
    with freeze_time(at(9, 1)):
        world = make_world()
        for name in ("facility_a", "facility_b"):
            setattr(
                world,
                name,
                facility_update(
                    facility=getattr(world, name),
                    actor=world.admin,
                    reason="test",
                    standard="GB18918-2002",
                ),
            )
        facility_c = facility_register(
            actor=world.admin,
            **facility_fields(
                world.nanchang_county,
                world.xiangtang,
                world.village_b,
                contractor=world.contractor_a,
            ),
        )
    world.facility_c = facility_c

    def sample(facility, when, cod):
        with freeze_time(when + timedelta(hours=2)):
            sample_record(
                facility=facility,
                actor=world.regulator,
                client_id=uuid.uuid4(),
                lab="南昌市环境监测站",
                sampled_at=when,
                values={"cod": Decimal(cod), "ph": Decimal("7.2")},
            )

    def inspect(facility, when, outcome):
        with freeze_time(when):
            inspection_record(
                facility=facility,
                actor=world.operator,
                client_id=uuid.uuid4(),
                answers={},
                outcome=outcome,
                started_at=when - timedelta(minutes=30),
                finished_at=when,
            )

    sample(world.facility_b, at(10, 15), "90")
    sample(world.facility_a, at(11, 5), "45")
    sample(facility_c, at(11, 8), "45")
    sample(world.facility_b, at(11, 10), "50")
    sample(world.facility_a, at(11, 18), "80")
    inspect(world.facility_a, at(11, 20), "normal")
    inspect(facility_c, at(11, 21), "abnormal")
    overflow = CaseType.objects.get(code="overflow")
    with freeze_time(at(11, 12)):
        case_a = case_submit(
            case_type=overflow, facility=world.facility_a, description="井盖旁边有污水冒出来。"
        )
        case_a = case_assign(case=case_a, actor=world.county_regulator)
    with freeze_time(at(11, 13)):
        world.case_b = case_submit(
            case_type=overflow, facility=world.facility_b, description="出水口有臭味，很明显。"
        )
    with freeze_time(at(11, 14)):
        case_a = case_resolve(case=case_a, actor=world.operator, public_note="已清理疏通。")
    with freeze_time(at(11, 15)):
        case_evaluate(case=case_a, rating=5, fixed=True, filed_in_session=True)
    world.case_a = case_a
    with freeze_time(NOW):
        summary_rebuild()
    return world


@pytest.fixture
def month():
    return build_month()


@pytest.fixture
def frozen():
    with freeze_time(NOW):
        yield


def client(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def workbook(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def by_header(sheet) -> list[dict]:
    rows = rows_of(sheet)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def cell_format(sheet, header: str, row: int) -> str:
    column = [c.value for c in sheet[1]].index(header) + 1
    return sheet.cell(row=row, column=column).number_format


# --- The breakdown table ---


def test_city_breakdown_holds_hand_checked_figures_per_county(month, frozen):
    book = workbook(
        client(month.regulator).get(reverse("dashboard:export_breakdown"), {"period": PERIOD})
    )
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    rows = {row["县区"]: row for row in by_header(sheet)}
    # 南昌县: a's samples 45 (meets) and 80 (over), c's cannot be assessed -> 1 of 2, 1 aside.
    ncx = rows["南昌县"]
    assert (ncx["设施数"], ncx["在运设施"]) == (2, 2)
    assert (ncx["达标水样"], ncx["可评定水样"], ncx["无法评定水样"]) == (1, 2, 1)
    assert ncx["出水达标率"] == pytest.approx(0.5)
    # a was inspected normal 9 days ago (interval 14 days), c abnormal: 1 of 2 running normally.
    assert (ncx["正常运行设施"], ncx["在运设施（分母）"]) == (1, 2)
    # a's report: due 27 Nov, resolved 14 Nov and rated 5.
    assert (ncx["按时办结报告"], ncx["到期报告"], ncx["满意评价"], ncx["评价次数"]) == (1, 1, 1, 1)
    jx = rows["进贤县"]
    assert (jx["达标水样"], jx["可评定水样"]) == (1, 1)  # October's sample is not in November
    assert (jx["按时办结报告"], jx["到期报告"], jx["新增报告"]) == (0, 1, 1)
    total = rows["合计"]
    assert (total["设施数"], total["达标水样"], total["可评定水样"]) == (3, 2, 3)
    assert total["出水达标率"] == pytest.approx(2 / 3)
    assert (total["正常运行设施"], total["在运设施（分母）"]) == (1, 3)
    assert (total["新增报告"], total["办结报告"]) == (2, 1)
    # Dues every 14 days from 1 Sep: 10 Nov (missed by all three) and 24 Nov (answered on time
    # by a on 20 Nov and c on 21 Nov, missed by b).
    assert (total["按时巡检次数"], total["应巡检次数"]) == (2, 6)
    row = [r[1] for r in rows_of(sheet)].index("合计") + 1
    assert cell_format(sheet, "出水达标率", row) == "0.0%"
    assert cell_format(sheet, "正常运行率", row) == "0.0%"


def test_breakdown_holds_the_same_numbers_as_the_selectors(month, frozen):
    from yima.dashboard import selectors

    period = selectors.Period.parse(PERIOD, now=NOW)
    region = month.nanchang_county
    expected = selectors.dashboard_breakdown(
        user=month.regulator, region=region, period=period, now=NOW
    )
    total = selectors.dashboard_figures(user=month.regulator, region=region, period=period, now=NOW)
    book = workbook(
        client(month.regulator).get(
            reverse("dashboard:export_breakdown"), {"period": PERIOD, "region": region.code}
        )
    )
    rows = by_header(book.active)
    assert [r["乡镇"] for r in rows] == [row.region.name for row in expected] + ["合计"]
    for got, want in zip(rows, [row.figures for row in expected] + [total], strict=True):
        assert got["设施数"] == want.facilities
        assert got["在运设施"] == want.in_service
        for header, rate in (
            ("正常运行", want.operating),
            ("出水达标", want.compliance),
            ("巡检及时", want.inspections_on_time),
            ("按时办结", want.resolution_on_time),
            ("满意", want.satisfaction),
        ):
            assert got[header + "率"] == (
                pytest.approx(rate.ratio) if rate.ratio is not None else None
            )
        assert got["应巡检次数"] == want.inspections_on_time.denominator
        assert got["按时巡检次数"] == want.inspections_on_time.numerator


def test_county_regulator_exports_only_their_county(month, frozen):
    book = workbook(
        client(month.county_regulator).get(
            reverse("dashboard:export_breakdown"), {"period": PERIOD}
        )
    )
    names = [row[1] for row in rows_of(book.active)[1:]]
    assert "进贤县" not in names and "民和镇" not in names
    total = by_header(book.active)[-1]
    assert total["设施数"] == 2


@pytest.mark.parametrize(
    ("persona", "region_attr"),
    [("county_regulator", "jinxian"), ("other_operator", "nanchang_county")],
)
def test_a_region_outside_the_scope_is_not_found(month, frozen, persona, region_attr):
    code = getattr(month, region_attr).code
    c = client(getattr(month, persona))
    for url in (
        reverse("dashboard:export_breakdown"),
        reverse("dashboard:export_actions", args=["overdue_inspections"]),
        reverse("dashboard:export_evidence", args=["compliance", "all"]),
        reverse("dashboard:report_xlsx", args=[PERIOD]),
        reverse("dashboard:report_pdf", args=[PERIOD]),
    ):
        assert c.get(url, {"region": code}).status_code == 404, url


EXPORT_URLS = [
    ("dashboard:export_breakdown", []),
    ("dashboard:export_actions", ["overdue_reports"]),
    ("dashboard:export_evidence", ["operating", "unmet"]),
    ("dashboard:report_xlsx", [PERIOD]),
    ("dashboard:report_pdf", [PERIOD]),
]


@pytest.mark.parametrize(("name", "args"), EXPORT_URLS)
def test_visitors_log_in_and_users_without_an_organisation_are_refused(month, frozen, name, args):
    url = reverse(name, args=args)
    anonymous = client(None).get(url)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert client(month.stranger).get(url).status_code == 403
    assert client(month.operator).get(url).status_code == 200


def test_unknown_lists_figures_and_periods_are_not_found(month, frozen):
    c = client(month.regulator)
    assert c.get(reverse("dashboard:export_actions", args=["everything"])).status_code == 404
    assert c.get(reverse("dashboard:export_evidence", args=["beauty", "all"])).status_code == 404
    assert c.get(reverse("dashboard:export_evidence", args=["compliance", "x"])).status_code == 404
    assert c.get(reverse("dashboard:export_breakdown"), {"period": "2026-13"}).status_code == 404
    assert c.get(reverse("dashboard:report_pdf", args=["last-month"])).status_code == 404


def test_file_names_are_given_for_non_ascii_clients_too(month, frozen):
    response = client(month.regulator).get(
        reverse("dashboard:report_pdf", args=[PERIOD]), {"region": month.nanchang_county.code}
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" + quote("yima-月报-360121-2026-11.pdf") in disposition


# --- Action lists ---


def test_overdue_inspection_list_names_the_facility_never_inspected(month, frozen):
    book = workbook(
        client(month.regulator).get(
            reverse("dashboard:export_actions", args=["overdue_inspections"])
        )
    )
    sheet = book.active
    assert sheet.title == "逾期未巡检设施"
    rows = by_header(sheet)
    codes = {row["设施编号"] for row in rows}
    # b has had a due every 14 days since 15 Sep and no inspection; a was inspected on 20 Nov
    # (next due 4 Dec).
    assert month.facility_b.display_code in codes
    assert month.facility_a.display_code not in codes
    b = next(row for row in rows if row["设施编号"] == month.facility_b.display_code)
    assert b["运维单位"] == "南昌碧水环境工程有限公司"
    assert isinstance(b["逾期天数"], int) and b["逾期天数"] > 0


def test_action_lists_hold_what_the_selectors_list(month, frozen):
    from yima.dashboard import selectors

    lists = selectors.action_lists(user=month.regulator, region=None, now=NOW)
    c = client(month.regulator)
    for name in ("overdue_inspections", "overdue_reports", "abnormal", "samples_over_limit"):
        rows = by_header(workbook(c.get(reverse("dashboard:export_actions", args=[name]))).active)
        assert len(rows) == getattr(lists, name).count(), name
    reports = by_header(
        workbook(c.get(reverse("dashboard:export_actions", args=["overdue_reports"]))).active
    )
    assert [r["受理编号"] for r in reports] == [month.case_b.tracking]
    assert reports[0]["超期天数"] == 1  # due 28 Nov, not handled by the 29th
    samples = by_header(
        workbook(c.get(reverse("dashboard:export_actions", args=["samples_over_limit"]))).active
    )
    assert [r["设施编号"] for r in samples] == [month.facility_a.display_code]
    assert samples[0]["COD"] == 80
    assert "COD 80" in samples[0]["超标项目"]


def test_county_regulator_action_lists_leave_out_other_counties(month, frozen):
    c = client(month.county_regulator)
    reports = by_header(
        workbook(c.get(reverse("dashboard:export_actions", args=["overdue_reports"]))).active
    )
    assert reports == []
    book = workbook(c.get(reverse("dashboard:export_actions", args=["overdue_inspections"])))
    assert month.facility_b.display_code not in {r["设施编号"] for r in by_header(book.active)}


# --- Evidence ---


def test_evidence_of_compliance_lists_the_samples_behind_the_rate(month, frozen):
    c = client(month.regulator)
    url = reverse("dashboard:export_evidence", args=["compliance", "unmet"])
    rows = by_header(workbook(c.get(url, {"period": PERIOD})).active)
    assert [(r["设施编号"], r["COD"]) for r in rows] == [(month.facility_a.display_code, 80)]
    url = reverse("dashboard:export_evidence", args=["compliance", "met"])
    book = workbook(c.get(url, {"period": PERIOD}))
    met = by_header(book.active)
    assert sorted(r["COD"] for r in met) == [45, 50]
    assert isinstance(met[0]["采样时间"], datetime)
    assert book.active.freeze_panes == "A2"


def test_evidence_of_operating_lists_facilities(month, frozen):
    c = client(month.county_regulator)
    url = reverse("dashboard:export_evidence", args=["operating", "met"])
    rows = by_header(workbook(c.get(url, {"period": PERIOD})).active)
    assert [r["设施编号"] for r in rows] == [month.facility_a.display_code]


def test_evidence_of_inspection_timeliness_adds_up_to_the_figure(month, frozen):
    c = client(month.regulator)
    url = reverse("dashboard:export_evidence", args=["inspections_on_time", "all"])
    rows = by_header(workbook(c.get(url, {"period": PERIOD})).active)
    # Stored dues and the missed dues after each facility's latest inspection, by due time.
    assert len(rows) == 6
    assert [r["应巡检时间"].day for r in rows] == [10, 10, 10, 24, 24, 24]
    on_time = {r["设施编号"] for r in rows if r["是否按时"] == "按时"}
    assert on_time == {month.facility_a.display_code, month.facility_c.display_code}
    url = reverse("dashboard:export_evidence", args=["inspections_on_time", "unmet"])
    assert len(by_header(workbook(c.get(url, {"period": PERIOD})).active)) == 4
