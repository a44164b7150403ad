"""The ledger workbook itself: headers, cell parsing, and what write_ledger puts in the file."""

from decimal import Decimal

import openpyxl
import pytest

from yima.facilities import excel


def test_headers_are_found_in_any_order_with_spaces_full_width_brackets_and_units_left_out():
    cells = [
        "排放等级",
        " 设施名称 ",
        "设计规模（m³/d）",
        "备注",
        "",
        "区县",
        "乡镇",
        "建成年份",
        "工艺",
    ]
    mapping, errors = excel.match_headers(cells)
    assert errors == []
    assert mapping == {
        0: "grade",
        1: "name",
        2: "capacity_m3d",
        5: "county",
        6: "town",
        7: "year_built",
        8: "process",
    }


def test_missing_and_doubled_columns_are_reported_by_their_header():
    mapping, errors = excel.match_headers(["设施名称", "名称", "区县", "乡镇", "建成年份"])
    assert [(e.column, e.message) for e in errors] == [
        ("设施名称", "有两列都被识别为这一列：设施名称、名称。"),
        ("设计规模(m³/d)", "表头中缺少这一列。"),
        ("处理工艺", "表头中缺少这一列。"),
        ("排放等级", "表头中缺少这一列。"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2019, 2019), (2019.0, 2019), ("2019", 2019), ("2019年", 2019), ("２０１９年", 2019)],
)
def test_year_written_in_several_ways(value, expected):
    assert excel.parse_year(value) == expected


@pytest.mark.parametrize("value", ["去年", "2019.5", "19年度", "1850"])
def test_impossible_years_are_refused(value):
    with pytest.raises(excel.CellInvalid):
        excel.parse_year(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30, Decimal("30.00")),
        (12.345, Decimal("12.35")),
        ("1,200", Decimal("1200.00")),
        ("50 m3/d", Decimal("50.00")),
        ("50吨/日", Decimal("50.00")),
        ("５０", Decimal("50.00")),
    ],
)
def test_capacity_accepts_units_and_full_width_digits(value, expected):
    assert excel.parse_capacity(value) == expected


@pytest.mark.parametrize("value", [0, -5, "五十", "50 L/s"])
def test_capacity_must_be_a_positive_number_of_cubic_metres_a_day(value):
    with pytest.raises(excel.CellInvalid):
        excel.parse_capacity(value)


def test_choices_accept_code_label_english_label_and_aliases():
    read = excel.make_parsers()
    assert {read["process"](v) for v in ("A²/O", "A2O", "aao", "a2o", "A2/O工艺")} == {"a2o"}
    assert {read["grade"](v) for v in ("一级B", "1B", "Grade 1B", "一级B标准")} == {"1B"}
    assert {read["status"](v) for v in ("运行中", "正常运行", "In service")} == {"in_service"}
    with pytest.raises(excel.CellInvalid, match="不是可选值之一"):
        read["grade"]("特级")


def test_empty_required_cell_is_an_error_and_empty_optional_cell_is_none():
    mapping, _errors = excel.match_headers(list(excel.HEADERS))
    values, errors = excel.parse_row(["", "  ", "南昌县", "", "", "", ""], mapping)
    assert values["code"] is None and values["village"] == "" and values["longitude"] is None
    assert [e.column for e in errors] == [
        "设施名称",
        "乡镇",
        "建成年份",
        "设计规模(m³/d)",
        "处理工艺",
        "排放等级",
    ]


def test_written_workbook_has_the_chinese_headers_display_values_and_a_frozen_header(
    world, tmp_path
):
    facility = world.facility_a
    path = tmp_path / "out.xlsx"

    count = excel.write_ledger([facility], path)

    assert count == 1
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(excel.HEADERS)
    assert dict(zip(excel.HEADERS, rows[1], strict=True)) == {
        "设施编号": facility.display_code,
        "设施名称": "罗家村污水处理站",
        "区县": "南昌县",
        "乡镇": "莲塘镇",
        "行政村": "罗家村",
        "经度": 115.944,
        "纬度": 28.546,
        "建成年份": 2019,
        "设计规模(m³/d)": 30,
        "处理工艺": "A/O",
        "服务户数": None,
        "服务人口": None,
        "执行标准": "DB36/1102-2019",
        "排放等级": "一级B",
        "受纳水体": None,
        "运维单位": "江西清源环保运维有限公司",
        "运行状态": "运行中",
    }
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width >= 20


def test_read_rows_gives_excel_row_numbers_and_skips_empty_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B3"] = "设施名称"
    ws["B5"] = "甲"
    path = tmp_path / "sparse.xlsx"
    wb.save(path)
    assert [(n, [c for c in cells if c != ""]) for n, cells in excel.read_rows(path)] == [
        (3, ["设施名称"]),
        (5, ["甲"]),
    ]


def test_a_batch_reads_every_odd_cell_as_the_cell_alone_would():
    """RowReader reads a batch column by column with fast paths for the usual cells (text,
    float coordinates, repeated values); any other cell must give what reading it alone gives."""
    mapping, _errors = excel.match_headers(list(excel.HEADERS))
    odd = ["", " ", "\u3000", None, 0, 0.0, 1, True, False, 116.5, "116.5", "116.5°", 200.0]
    odd += [float("nan"), "x" * 121, " 名称 ", "Ａ２Ｏ", "=1+1", 2019, "2019年", "一级A"]
    rows = []
    for i, value in enumerate(odd):
        cells = [value] * len(excel.HEADERS)
        cells[2], cells[3] = "南昌县", "塔城乡"  # keep the rows apart from one another
        rows.append(cells if i % 2 else [*cells, value])
    reader = excel.RowReader(mapping)
    batch = reader.read_many(rows)
    alone = [excel.RowReader(mapping)(cells) for cells in rows]
    assert [(values, [(e.column, e.message) for e in errors]) for values, errors in batch] == [
        (values, [(e.column, e.message) for e in errors]) for values, errors in alone
    ]
    # The same values read again (now remembered) give the same result.
    again = reader.read_many(rows[::-1])[::-1]
    assert [values for values, _e in again] == [values for values, _e in batch]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_cell_that_is_not_finite_is_not_a_number(value):
    for parse in (excel.parse_capacity, excel.parse_longitude, excel.parse_year):
        with pytest.raises(excel.CellInvalid):
            parse(value)


def test_a_checkbox_is_not_read_as_the_number_one_in_a_batch():
    mapping, _errors = excel.match_headers(list(excel.HEADERS))
    row = ["", "站", "南昌县", "塔城乡", "", "", "", 2019, 10, "A/O", 1, 1, "", "一级A"]
    ticked = [*row[:10], True, *row[11:]]
    read = excel.RowReader(mapping).read_many([row, ticked, row])
    assert [values.get("households") for values, _errors in read] == [1, None, 1]
    assert [e.column for e in read[1][1]] == ["服务户数"]
