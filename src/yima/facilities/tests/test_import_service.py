"""The import service: every row checked, all or nothing, history kept, codes issued."""

from decimal import Decimal

import openpyxl
import pytest

from yima.facilities import excel
from yima.facilities.imports import ledger_import
from yima.facilities.models import CodeSerial, Facility

HEADERS = list(excel.HEADERS)


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


def test_smoke(world, tmp_path):
    path = workbook(tmp_path, [new_row(), new_row(设施名称="二号站")])
    result = ledger_import(path=path, actor=world.regulator, dry_run=False)
    print(result)
    assert result.ok
    assert Facility.objects.count() == 4
