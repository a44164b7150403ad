"""The import service: every row checked, all or nothing, history kept, codes issued."""

from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from yima.facilities import excel
from yima.facilities.codes import compose, format_code, parse_code
from yima.facilities.imports import (
    ledger_import,
    ledger_imported,
)
from yima.facilities.models import CodeSerial, Facility, StatusChange

pytestmark = pytest.mark.django_db

HEADERS = list(excel.HEADERS)
HistoricalFacility = Facility.history.model


def workbook(tmp_path, rows, headers=HEADERS, name="ledger.xlsx"):
    """An .xlsx with a header row and `rows` (lists, or dicts keyed by header)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    path = tmp_path / name
    wb.save(path)
    return path


def new_row(**overrides):
    """A valid row for a new facility in 南昌县莲塘镇罗家村 (keys are the Chinese headers)."""
    row = {
        "设施名称": "塘头村污水处理站",
        "区县": "南昌县",
        "乡镇": "莲塘镇",
        "行政村": "罗家村",
        "经度": 115.95,
        "纬度": 28.55,
        "建成年份": 2019,
        "设计规模(m³/d)": 20,
        "处理工艺": "A/O",
        "服务户数": 80,
        "服务人口": 300,
        "执行标准": "DB36/1102-2019",
        "排放等级": "一级B",
        "受纳水体": "抚河",
        "运维单位": "江西清源环保运维有限公司",
        "运行状态": "运行中",
    }
    row.update(overrides)
    return row


def export(world, tmp_path, facilities=None):
    path = tmp_path / "export.xlsx"
    qs = Facility.objects.alive().select_related("county", "town", "village", "contractor")
    excel.write_ledger(facilities if facilities is not None else qs, path)
    return path


def messages(result) -> list[str]:
    return [str(e) for e in result.errors]


# --- Round trip -----------------------------------------------------------------------------


def test_exported_workbook_imports_back_unchanged(world, tmp_path):
    path = export(world, tmp_path)
    history_before = HistoricalFacility.objects.count()

    result = ledger_import(path=path, actor=world.regulator, dry_run=False)

    assert result.ok, messages(result)
    assert (result.total, result.created, result.updated, result.unchanged) == (2, 0, 0, 2)
    assert result.changes == []
    assert HistoricalFacility.objects.count() == history_before


def test_round_trip_keeps_every_value_including_empty_ones(world, tmp_path):
    facility = world.facility_a
    facility.households, facility.population, facility.receiving_water = None, 1234, ""
    facility.capacity_m3d = Decimal("12.50")
    facility.save()
    world.facility_b.village = None
    world.facility_b.contractor = None
    world.facility_b.longitude = world.facility_b.latitude = None
    world.facility_b.save()

    result = ledger_import(path=export(world, tmp_path), actor=None, dry_run=False)

    assert result.ok, messages(result)
    assert result.unchanged == 2


# --- All or nothing -------------------------------------------------------------------------


def test_errors_in_several_rows_are_all_reported_and_nothing_is_written(world, tmp_path):
    rows = [
        new_row(),  # row 2: fine
        new_row(建成年份="去年"),  # row 3
        new_row(乡镇="不存在镇"),  # row 4
        new_row(),  # row 5: fine
        new_row(设施名称="", 处理工艺="活性炭"),  # row 6: two problems
        new_row(经度=121.47, 纬度=31.23),  # row 7: Shanghai, not 南昌县
    ]
    counts = (Facility.objects.count(), HistoricalFacility.objects.count())

    result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=False)

    assert not result.ok
    found = [(e.row, e.column) for e in result.errors]
    assert found == [(3, "建成年份"), (4, "乡镇"), (6, "设施名称"), (6, "处理工艺"), (7, "经度")]
    text = messages(result)
    assert text[0] == "第 3 行 · 建成年份：“去年”不是年份（请填写如 2019）。"
    assert "南昌县没有“不存在镇”这个乡镇" in text[1]
    assert text[2] == "第 6 行 · 设施名称：此项必填。"
    assert "“活性炭”不是可选值之一" in text[3]
    assert "不在南昌县境内" in text[4]
    assert (Facility.objects.count(), HistoricalFacility.objects.count()) == counts
    assert not CodeSerial.objects.filter(last_serial__gt=1).exists()


def test_missing_required_column_is_reported_on_the_header_row(world, tmp_path):
    headers = [h for h in HEADERS if h != "排放等级"]
    result = ledger_import(
        path=workbook(tmp_path, [new_row()], headers=headers), actor=None, dry_run=False
    )
    assert [str(e) for e in result.errors] == ["第 1 行 · 排放等级：表头中缺少这一列。"]
    assert Facility.objects.count() == 2


def test_a_file_that_is_not_a_workbook_is_reported(world, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    result = ledger_import(path=path, actor=None, dry_run=False)
    assert not result.ok
    assert "无法作为 Excel 工作簿" in str(result.errors[0])


# --- Forgiving about what people type ----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"设施名称": "  塘头村污水处理站\u3000"}, "name", "塘头村污水处理站"),
        ({"建成年份": "2019年"}, "year_built", 2019),
        ({"建成年份": 2019.0}, "year_built", 2019),
        ({"建成年份": "２０１９"}, "year_built", 2019),
        ({"设计规模(m³/d)": "２０．５"}, "capacity_m3d", Decimal("20.50")),
        ({"设计规模(m³/d)": "20 m³/d"}, "capacity_m3d", Decimal("20.00")),
        ({"设计规模(m³/d)": "20吨/天"}, "capacity_m3d", Decimal("20.00")),
        ({"区县": "360121"}, "county_id", "nanchang_county"),
        ({"区县": "360121000000"}, "county_id", "nanchang_county"),
        ({"区县": " 南昌县 "}, "county_id", "nanchang_county"),
        ({"乡镇": "360121100"}, "town_id", "liantang"),
        ({"乡镇": "360121100000"}, "town_id", "liantang"),
        ({"乡镇": 360121100.0}, "town_id", "liantang"),
        ({"行政村": "360121100201"}, "village_id", "village_a"),
        ({"行政村": ""}, "village_id", None),
        ({"处理工艺": "a2o"}, "process", "a2o"),
        ({"处理工艺": "A2/O"}, "process", "a2o"),
        ({"处理工艺": "Ａ／Ｏ"}, "process", "ao"),
        ({"处理工艺": "人工湿地"}, "process", "wetland"),
        ({"处理工艺": "Constructed wetland"}, "process", "wetland"),
        ({"排放等级": "1A"}, "grade", "1A"),
        ({"排放等级": "一级 A"}, "grade", "1A"),
        ({"排放等级": "一级A标准"}, "grade", "1A"),
        ({"执行标准": "GB 18918-2002"}, "standard", "GB18918-2002"),
        ({"执行标准": "gb18918—2002"}, "standard", "GB18918-2002"),
        ({"执行标准": None}, "standard", "DB36/1102-2019"),
        ({"运行状态": None}, "status", "in_service"),
        ({"运行状态": "暂停运行"}, "status", "suspended"),
        ({"运行状态": "停运"}, "status", "suspended"),
        ({"运行状态": "in_service"}, "status", "in_service"),
        ({"运维单位": "南昌碧水环境工程有限公司 "}, "contractor_id", "contractor_b"),
        ({"运维单位": None}, "contractor_id", None),
        ({"服务户数": "80户", "服务人口": "300人"}, "households", 80),
        ({"经度": "115.95", "纬度": "28.55"}, "longitude", Decimal("115.950000")),
        ({"经度": None, "纬度": None}, "longitude", None),
    ],
)
def test_forgiving_input_is_understood(world, tmp_path, overrides, field, expected):
    result = ledger_import(
        path=workbook(tmp_path, [new_row(**overrides)]), actor=world.regulator, dry_run=False
    )
    assert result.ok, messages(result)
    facility = Facility.objects.get(name__startswith="塘头村")
    if isinstance(expected, str) and hasattr(world, expected):
        expected = getattr(world, expected).pk
    assert getattr(facility, field) == expected


def test_columns_in_any_order_with_full_width_brackets_and_optional_ones_left_out(world, tmp_path):
    headers = ["排放等级 ", "处理工艺", "设计规模（m³/d）", "建成年份", "乡镇", "区县", "设施名称"]
    row = ["一级A", "MBR", 50, 2021, "向塘镇", "南昌县", "新塘村站"]
    path = workbook(tmp_path, [row], headers=headers)

    result = ledger_import(path=path, actor=world.county_regulator, dry_run=False)

    assert result.ok, messages(result)
    facility = Facility.objects.get(name="新塘村站")
    assert (facility.town, facility.village, facility.contractor) == (world.xiangtang, None, None)
    assert (facility.capacity_m3d, facility.grade, facility.process) == (Decimal("50"), "1A", "mbr")
    assert facility.code.startswith("3601212021")


def test_leading_empty_rows_keep_the_row_numbers_excel_shows(world, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([])
    ws.append([])
    ws.append(HEADERS)
    ws.append([new_row(建成年份="later").get(h) for h in HEADERS])
    path = tmp_path / "offset.xlsx"
    wb.save(path)

    result = ledger_import(path=path, actor=None, dry_run=True)

    assert [(e.row, e.column) for e in result.errors] == [(4, "建成年份")]


def test_missing_optional_columns_leave_an_existing_facility_as_it_is(world, tmp_path):
    facility = world.facility_a
    headers = [
        "设施编号",
        "设施名称",
        "区县",
        "乡镇",
        "建成年份",
        "设计规模",
        "处理工艺",
        "排放等级",
    ]
    row = [facility.display_code, "罗家村新站名", "南昌县", "莲塘镇", 2019, 30, "A/O", "一级B"]

    result = ledger_import(
        path=workbook(tmp_path, [row], headers=headers), actor=world.regulator, dry_run=False
    )

    assert result.ok, messages(result)
    assert result.updated == 1
    facility.refresh_from_db()
    assert facility.name == "罗家村新站名"
    assert facility.village == world.village_a
    assert facility.contractor == world.contractor_a
    assert facility.longitude == Decimal("115.944000")


# --- Codes ----------------------------------------------------------------------------------


def test_new_rows_get_valid_codes_with_consecutive_serials(world, tmp_path):
    rows = [new_row(设施名称=f"新站{i}") for i in range(3)] + [
        new_row(设施名称="进贤新站", 区县="进贤县", 乡镇="民和镇", 行政村="李渡村")
        | {"经度": 116.24, "纬度": 28.38}
    ]
    result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=False)

    assert result.ok, messages(result)
    codes = [Facility.objects.get(name=f"新站{i}").code for i in range(3)]
    # facility_a holds 南昌县 2019 serial 1.
    assert codes == [compose("360121", 2019, serial) for serial in (2, 3, 4)]
    assert all(parse_code(code).compact == code for code in codes)
    assert Facility.objects.get(name="进贤新站").code == compose("360124", 2019, 1)
    assert [c["code"] for c in result.changes[:3]] == [format_code(c) for c in codes]


def test_new_facilities_get_a_first_status_change_and_history(world, tmp_path):
    path = workbook(tmp_path, [new_row(运行状态="在建")])
    ledger_import(path=path, actor=world.regulator, dry_run=False, reason="2024 普查")

    facility = Facility.objects.get(name="塘头村污水处理站")
    (change,) = StatusChange.objects.filter(facility=facility)
    assert (change.from_status, change.to_status, change.actor) == (
        "",
        "construction",
        world.regulator,
    )
    assert change.reason == "2024 普查"
    assert facility.status_since == change.effective_on
    (record,) = facility.history.all()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        world.regulator,
        "2024 普查",
    )
    assert record.code == facility.code and record.name == facility.name


def test_a_legacy_code_not_yet_registered_is_kept_and_never_issued_again(world, tmp_path):
    legacy = compose("360121", 2019, 50)
    path = workbook(tmp_path, [new_row(设施编号=format_code(legacy)), new_row(设施名称="另一站")])

    result = ledger_import(path=path, actor=world.regulator, dry_run=False)

    assert result.ok, messages(result)
    assert Facility.objects.get(name="塘头村污水处理站").code == legacy
    assert Facility.objects.get(name="另一站").code == compose("360121", 2019, 51)
    assert [c["legacy"] for c in result.changes] == [True, False]
    assert CodeSerial.objects.get(county_code="360121", year=2019).last_serial == 51


def test_a_legacy_code_must_match_the_rows_county_and_year(world, tmp_path):
    legacy = compose("360121", 2018, 7)
    path = workbook(tmp_path, [new_row(设施编号=legacy)])
    result = ledger_import(path=path, actor=world.regulator, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "设施编号")]
    assert "只能保留给南昌县 360121 2018 年建成的设施" in str(result.errors[0])
    assert not Facility.objects.filter(code=legacy).exists()


def test_a_code_with_a_wrong_check_character_is_an_error_saying_so(world, tmp_path):
    code = world.facility_a.code
    wrong = code[:14] + ("0" if code[14] != "0" else "1")
    result = ledger_import(
        path=workbook(tmp_path, [new_row(设施编号=wrong)]), actor=world.regulator, dry_run=True
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "设施编号")]
    assert "校验" in result.errors[0].message or "check character" in result.errors[0].message


def test_a_code_given_twice_in_the_file_is_an_error(world, tmp_path):
    code = world.facility_a.display_code
    rows = [new_row(设施编号=code, 设施名称="甲"), new_row(设施编号=code, 设施名称="乙")]
    result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=False)
    assert [str(e) for e in result.errors] == [f"第 3 行 · 设施编号：编号 {code} 与第 2 行重复。"]
    world.facility_a.refresh_from_db()
    assert world.facility_a.name == "罗家村污水处理站"


def test_a_deleted_facilitys_code_cannot_be_imported(world, tmp_path):
    from yima.facilities.services import facility_delete

    facility_delete(facility=world.facility_a, actor=world.admin, reason="登记错误")
    path = workbook(tmp_path, [new_row(设施编号=world.facility_a.code)])
    result = ledger_import(path=path, actor=world.admin, dry_run=False)
    assert "已删除" in str(result.errors[0])


# --- Updates and history ----------------------------------------------------------------------


def test_update_records_history_with_the_actor_and_reason(world, tmp_path):
    facility = world.facility_a
    row = new_row(
        设施编号=facility.display_code,
        设施名称="罗家村污水处理站（扩建）",
        设计规模="45",
        运维单位="南昌碧水环境工程有限公司",
    )
    row.pop("设计规模(m³/d)")
    headers = [h if h != "设计规模(m³/d)" else "设计规模" for h in HEADERS]

    result = ledger_import(
        path=workbook(tmp_path, [row], headers=headers),
        actor=world.county_regulator,
        dry_run=False,
        reason="2024 年台账核查",
    )

    assert result.ok, messages(result)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    facility.refresh_from_db()
    assert facility.name == "罗家村污水处理站（扩建）"
    assert facility.capacity_m3d == Decimal("45")
    assert facility.contractor == world.contractor_b
    latest = facility.history.first()
    assert (latest.history_type, latest.history_user) == ("~", world.county_regulator)
    assert latest.history_change_reason == "2024 年台账核查"
    assert latest.name == "罗家村污水处理站（扩建）"
    diffs = {d["column"]: (d["old"], d["new"]) for d in result.changes[0]["diffs"]}
    assert diffs["设计规模(m³/d)"] == ("30", "45")
    assert diffs["运维单位"] == ("江西清源环保运维有限公司", "南昌碧水环境工程有限公司")


def test_status_change_by_import_is_recorded_and_checked(world, tmp_path):
    a, b = world.facility_a, world.facility_b
    rows = [
        new_row(设施编号=a.code, 设施名称=a.name, 运行状态="暂停运行"),
        new_row(
            设施编号=b.code,
            设施名称=b.name,
            区县="进贤县",
            乡镇="民和镇",
            行政村="李渡村",
            经度=116.24,
            纬度=28.38,
            建成年份=2020,
            运行状态="规划中",
        ),
    ]
    result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=False)
    assert [(e.row, e.column) for e in result.errors] == [(3, "运行状态")]
    assert "不能从" in result.errors[0].message

    result = ledger_import(
        path=workbook(tmp_path, rows[:1], name="one.xlsx"),
        actor=world.regulator,
        dry_run=False,
        reason="设备检修",
    )
    assert result.ok, messages(result)
    a.refresh_from_db()
    assert a.status == "suspended"
    change = a.status_changes.first()
    assert (change.from_status, change.to_status, change.reason) == (
        "in_service",
        "suspended",
        "设备检修",
    )


def test_only_changed_rows_are_written(world, tmp_path):
    rows = [
        new_row(设施编号=world.facility_a.code, 设施名称="改名站"),
        excel.facility_row(world.facility_b),
    ]
    rows[1] = dict(zip(HEADERS, rows[1], strict=True))
    rows[1]["经度"], rows[1]["纬度"] = float(rows[1]["经度"]), float(rows[1]["纬度"])
    rows[1]["设计规模(m³/d)"] = float(rows[1]["设计规模(m³/d)"])
    b_history = world.facility_b.history.count()

    result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=False)

    assert (result.updated, result.unchanged) == (1, 1), messages(result)
    assert world.facility_b.history.count() == b_history


def test_import_costs_the_same_few_queries_for_3_rows_or_30(
    world, tmp_path, django_assert_max_num_queries
):
    rows = [new_row(设施名称=f"站{i}") for i in range(30)]
    rows += [new_row(设施编号=world.facility_a.code, 设施名称=f"甲{i}") for i in range(1)]
    with django_assert_max_num_queries(30):
        result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=False)
    assert result.ok, messages(result)
    assert result.created == 30


def test_written_codes_are_announced_after_commit(
    world, tmp_path, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, codes, **kwargs):
        received.extend(codes)

    ledger_imported.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ledger_import(
                path=workbook(tmp_path, [new_row(设施编号=world.facility_a.code, 设施名称="甲")]),
                actor=world.regulator,
                dry_run=False,
            )
    finally:
        ledger_imported.disconnect(listener)
    assert received == [world.facility_a.code]


# --- Scope ----------------------------------------------------------------------------------


def test_county_regulator_cannot_import_a_row_of_another_county(world, tmp_path):
    rows = [
        new_row(),
        new_row(区县="进贤县", 乡镇="民和镇", 行政村="李渡村", 经度=116.24, 纬度=28.38),
    ]
    result = ledger_import(
        path=workbook(tmp_path, rows), actor=world.county_regulator, dry_run=False
    )
    assert [str(e) for e in result.errors] == ["第 3 行 · 区县：进贤县民和镇不在您的管辖范围内。"]
    assert Facility.objects.count() == 2


def test_county_regulator_cannot_update_a_facility_of_another_county(world, tmp_path):
    b = world.facility_b
    row = new_row(设施编号=b.code, 设施名称="改名")  # and moved into 南昌县, which they cover
    result = ledger_import(
        path=workbook(tmp_path, [row]), actor=world.county_regulator, dry_run=False
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "设施编号")]
    assert "您无权修改设施" in result.errors[0].message
    b.refresh_from_db()
    assert b.name != "改名"


def test_a_contractor_may_not_import_anything(world, tmp_path):
    result = ledger_import(
        path=workbook(tmp_path, [new_row()]), actor=world.operator, dry_run=False
    )
    assert [e.column for e in result.errors] == ["区县"]


# --- Dry run --------------------------------------------------------------------------------


def test_dry_run_reports_what_would_change_and_writes_nothing(world, tmp_path):
    rows = [new_row(设施编号=world.facility_a.code, 设施名称="新名字", 建成年份=2019), new_row()]
    before = (
        Facility.objects.count(),
        HistoricalFacility.objects.count(),
        StatusChange.objects.count(),
        list(CodeSerial.objects.values_list("last_serial", flat=True)),
    )

    result = ledger_import(path=workbook(tmp_path, rows), actor=world.regulator, dry_run=True)

    assert result.ok and not result.written
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    update, create = result.changes
    assert update["action"] == "updated" and create["action"] == "created"
    assert {"column": "设施名称", "old": "罗家村污水处理站", "new": "新名字"} in update["diffs"]
    after = (
        Facility.objects.count(),
        HistoricalFacility.objects.count(),
        StatusChange.objects.count(),
        list(CodeSerial.objects.values_list("last_serial", flat=True)),
    )
    assert after == before
    world.facility_a.refresh_from_db()
    assert world.facility_a.name == "罗家村污水处理站"


# --- Command --------------------------------------------------------------------------------


def test_import_command_checks_then_imports_as_a_user(world, tmp_path, capsys):
    path = workbook(tmp_path, [new_row()])
    call_command("import_ledger", str(path), "--dry-run", "--user", "regulator")
    assert "仅检查，未写入：新增 1，更新 0，未变 0。" in capsys.readouterr().out
    assert Facility.objects.count() == 2

    call_command("import_ledger", str(path), "--user", "regulator", "--reason", "命令行导入")
    assert "新增 1，更新 0，未变 0" in capsys.readouterr().out
    record = Facility.objects.get(name="塘头村污水处理站").history.get()
    assert (record.history_user, record.history_change_reason) == (world.regulator, "命令行导入")


def test_import_command_lists_row_errors_and_fails(world, tmp_path, capsys):
    from django.core.management import CommandError

    path = workbook(tmp_path, [new_row(), new_row(排放等级="特级")])
    with pytest.raises(CommandError, match="未写入任何内容"):
        call_command("import_ledger", str(path))
    assert "第 3 行 · 排放等级：“特级”不是可选值之一" in capsys.readouterr().err
    assert Facility.objects.count() == 2


def test_a_village_name_used_twice_in_a_town_round_trips_as_name_and_code(world, tmp_path):
    from yima.core.testing import region
    from yima.regions.choices import Level

    twin = region("360121100202", "罗家村", Level.VILLAGE, world.liantang, is_demo=True)
    world.facility_a.village = twin
    world.facility_a.save()

    path = export(world, tmp_path)
    cells = [c.value for c in openpyxl.load_workbook(path).active[2]]
    assert cells[4] == "罗家村（360121100202）"
    result = ledger_import(path=path, actor=world.regulator, dry_run=False)
    assert result.ok, messages(result)
    assert result.unchanged == 2

    result = ledger_import(
        path=workbook(tmp_path, [new_row(行政村="罗家村")], name="plain.xlsx"),
        actor=world.regulator,
        dry_run=True,
    )
    assert [str(e) for e in result.errors] == [
        "第 2 行 · 行政村：莲塘镇有多个行政村名为“罗家村”，请填写行政村代码。"
    ]
    result = ledger_import(
        path=workbook(tmp_path, [new_row(行政村="新塘村(360121100202)")], name="wrong.xlsx"),
        actor=world.regulator,
        dry_run=True,
    )
    assert "“新塘村”与代码 360121100202 不符" in str(result.errors[0])


def test_moving_a_facility_shows_the_old_and_new_places_and_keeps_its_code(world, tmp_path):
    b = world.facility_b
    row = new_row(设施编号=b.display_code, 设施名称=b.name, 建成年份=2020)  # now in 南昌县莲塘镇
    result = ledger_import(path=workbook(tmp_path, [row]), actor=world.regulator, dry_run=False)

    assert result.ok, messages(result)
    diffs = {d["column"]: (d["old"], d["new"]) for d in result.changes[0]["diffs"]}
    assert diffs["区县"] == ("进贤县", "南昌县")
    assert diffs["乡镇"] == ("民和镇", "莲塘镇")
    assert diffs["行政村"] == ("李渡村", "罗家村")
    b.refresh_from_db()
    assert (b.county, b.town, b.code) == (
        world.nanchang_county,
        world.liantang,
        compose("360124", 2020, 1),
    )


def test_rows_changing_different_columns_each_get_exactly_their_changes(world, tmp_path):
    """One import in which each row changes other columns (the writer groups rows by the
    columns they change): exported again, the ledger is the edited file, and a row that
    changed nothing keeps its facility untouched."""
    from django.utils import timezone

    from yima.core.testing import facility_fields
    from yima.facilities.services import facility_register

    for name in ("丙站", "丁站"):
        facility_register(
            actor=world.admin,
            **facility_fields(world.nanchang_county, world.liantang, None, name=name),
            contractor=world.contractor_a,
        )
    a, b = world.facility_a, world.facility_b
    Facility.objects.filter(pk=b.pk).update(status_since="2020-05-01")  # in service since then
    path = export(world, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    column = {cell.value: i for i, cell in enumerate(sheet[1])}
    row_of = {row[column["设施名称"]].value: row for row in sheet.iter_rows(min_row=2)}
    row_of[a.name][column["设施名称"]].value = "甲站（改名）"
    row_of[b.name][column["设计规模(m³/d)"]].value = 55
    row_of[b.name][column["运行状态"]].value = "暂停运行"
    row_of["丙站"][column["服务户数"]].value = 321
    row_of["丙站"][column["受纳水体"]].value = "赣江"
    edited = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    book.save(path)
    untouched = Facility.objects.get(name="丁站")

    result = ledger_import(path=path, actor=world.admin, dry_run=False, reason="核查")

    assert result.ok, messages(result)
    assert (result.updated, result.unchanged) == (3, 1)
    (tmp_path / "again").mkdir()
    again = openpyxl.load_workbook(export(world, tmp_path / "again")).active
    assert sorted(map(str, ([c.value for c in r] for r in again.iter_rows(min_row=2)))) == sorted(
        map(str, edited)
    )
    b.refresh_from_db()
    assert (b.status, b.status_since) == ("suspended", timezone.localdate())
    assert StatusChange.objects.filter(facility=b, to_status="suspended").count() == 1
    assert Facility.objects.get(pk=untouched.pk).updated_at == untouched.updated_at
    assert HistoricalFacility.objects.filter(history_type="~").count() == 3
