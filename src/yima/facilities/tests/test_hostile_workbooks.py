"""A corpus of malformed and hostile workbooks: each is refused with a message naming the
problem, writes nothing, and is dealt with in seconds and little memory.

Every file is generated here (openpyxl, zipfile, zlib); nothing binary is committed.
"""

import io
import resource
import time
import zipfile
import zlib

import openpyxl
import pytest
from django.utils import translation

from yima.facilities import excel
from yima.facilities.imports import ledger_import
from yima.facilities.models import Facility
from yima.facilities.tests.test_import_service import new_row

pytestmark = pytest.mark.django_db

HEADERS = list(excel.HEADERS)
HistoricalFacility = Facility.history.model


def save(wb, tmp_path, name="ledger.xlsx"):
    path = tmp_path / name
    wb.save(path)
    return path


def sheet_of(rows, headers=HEADERS):
    wb = openpyxl.Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in HEADERS] if isinstance(row, dict) else list(row))
    return wb, ws


def refused(world, path, *needles, seconds=5.0):
    """Import `path` as the regulator; assert it is refused with every needle in the messages,
    quickly and in little memory, and that nothing was written. Returns the messages.

    Memory is the growth of the process's peak resident size (it counts python-calamine's
    allocations, which tracemalloc cannot see)."""
    facilities, history = Facility.objects.count(), HistoricalFacility.objects.count()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    started = time.monotonic()
    with translation.override("en"):
        result = ledger_import(path=path, actor=world.regulator, dry_run=False)
        messages = [str(e) for e in result.errors]
    elapsed = time.monotonic() - started
    assert not result.ok, "the file was accepted"
    text = "\n".join(messages)
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text[:2000]}"
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown < 200 << 10, f"peak memory grew by {grown >> 10} MB"
    assert Facility.objects.count() == facilities
    assert HistoricalFacility.objects.count() == history
    return messages


# --- Not a workbook -----------------------------------------------------------------------


def test_a_file_that_is_not_a_zip_is_refused(world, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"\x00garbage, not a workbook at all" * 100)
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def test_an_empty_file_is_refused(world, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"")
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def test_a_csv_renamed_xlsx_is_refused(world, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_text(",".join(HEADERS) + "\n塘头村污水处理站,南昌县,莲塘镇\n", encoding="utf-8")
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def test_an_old_xls_renamed_xlsx_is_refused(world, tmp_path):
    # An .xls is an OLE2 compound file: its 8-byte signature, then a (here empty) body.
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 4096)
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def test_a_zip_that_is_not_a_workbook_is_refused(world, tmp_path):
    path = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def test_a_truncated_workbook_is_refused(world, tmp_path):
    wb, _ws = sheet_of([new_row()])
    data = io.BytesIO()
    wb.save(data)
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def test_a_password_protected_workbook_is_refused(world, tmp_path):
    # Excel saves an encrypted workbook as an OLE2 container (EncryptionInfo + EncryptedPackage)
    # rather than a zip; the importer sees the same signature as an old .xls.
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"EncryptedPackage".ljust(4096, b"\0"))
    refused(world, path, "cannot be read as an Excel workbook", "not an .xlsx package")


def _bomb(path, size: int) -> None:
    """An .xlsx whose sheet XML inflates to `size` bytes of rows (but is a few MB on disk).

    Each 1 MB chunk is deflated after a full flush, so every chunk's compressed bytes are the
    same and the file is written without compressing a gigabyte."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * ((1 << 20) // len(row))
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    tail = b"</sheetData></worksheet>"
    repeats = (size - len(head) - len(tail)) // len(chunk) + 1
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    total = len(head) + len(chunk) * repeats + len(tail)

    # A real workbook, then its sheet swapped for the bomb (written by hand as a deflated
    # entry whose sizes and CRC are true).
    wb, _ws = sheet_of([new_row()])
    plain = io.BytesIO()
    wb.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as out:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, source.read(item.filename))
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size, info.CRC = total, crc
        info.compress_size = len(first) + len(body) * repeats + len(last)
        with out.open(info, "w", force_zip64=True) as raw:
            # Write the compressed stream as it is: bypass ZipFile's own compressor.
            raw._compressor = None
            raw.write(first)
            for _ in range(repeats):
                raw.write(body)
            raw.write(last)
            raw._file_size, raw._crc = total, crc


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world, tmp_path):
    path = tmp_path / "ledger.xlsx"
    _bomb(path, (1 << 30) + 1)
    assert path.stat().st_size < 20 << 20
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 1 << 30
    refused(world, path, "unpacks to", "zip bomb")


# --- A workbook, but not the ledger -------------------------------------------------------


def test_an_empty_workbook_says_it_has_no_header(world, tmp_path):
    wb = openpyxl.Workbook()
    refused(world, save(wb, tmp_path), "no header row")


def test_a_workbook_whose_first_sheet_is_something_else_names_the_missing_columns(world, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为2024年度设施台账，请见第二页"])
    ledger = wb.create_sheet("设施台账")
    ledger.append(HEADERS)
    ledger.append([new_row().get(h) for h in HEADERS])
    refused(world, save(wb, tmp_path), "设施名称", "The column is missing from the header row.")


def test_a_sheet_without_a_header_row_names_the_missing_columns(world, tmp_path):
    wb, _ws = sheet_of([new_row()], headers=None)
    refused(world, save(wb, tmp_path), "The column is missing from the header row.", "区县")


def test_only_a_header_says_there_are_no_data_rows(world, tmp_path):
    wb, _ws = sheet_of([])
    refused(world, save(wb, tmp_path), "no data rows")


def test_merged_header_cells_name_the_columns_they_hide(world, tmp_path):
    wb, ws = sheet_of([new_row()])
    ws.merge_cells("B1:D1")  # 设施名称 spans 区县 and 乡镇, which vanish
    refused(world, save(wb, tmp_path), "区县", "乡镇", "missing from the header row")


def test_a_header_repeated_names_the_column(world, tmp_path):
    wb, _ws = sheet_of([], headers=[*HEADERS, "设施名称"])
    refused(world, save(wb, tmp_path), "Two columns are both read as this column")


def test_formulas_without_cached_values_are_reported_as_empty_cells(world, tmp_path):
    wb, ws = sheet_of([new_row()])
    ws["H2"] = "=2000+19"  # openpyxl stores no cached value: Excel would compute it
    ws["I2"] = "=SUM(1,2)"
    refused(world, save(wb, tmp_path), "Row 2", "建成年份", "This cell is required.")


def _declared_rows(path, tmp_path, cell_at_the_end: bool):
    """Rewrite the sheet's dimension as A1:Q1048576 (and maybe put a styled, empty cell in
    the last row), as some exporters do."""
    out = tmp_path / "declared.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<dimension ref=")
                end = text.index("/>", start) + 2
                text = text[:start] + '<dimension ref="A1:Q1048576"/>' + text[end:]
                if cell_at_the_end:
                    text = text.replace(
                        "</sheetData>", '<row r="1048576"><c r="Q1048576" s="0"/></row></sheetData>'
                    )
                data = text.encode()
            zf.writestr(item, data)
    return out


def test_a_million_declared_rows_with_only_a_header_is_quick(world, tmp_path):
    wb, _ws = sheet_of([])
    path = _declared_rows(save(wb, tmp_path), tmp_path, cell_at_the_end=False)
    refused(world, path, "no data rows")


def test_a_million_declared_rows_with_an_empty_cell_at_the_end_is_quick(world, tmp_path):
    wb, _ws = sheet_of([new_row(行政村="不存在村")])
    path = _declared_rows(save(wb, tmp_path), tmp_path, cell_at_the_end=True)
    refused(world, path, "Row 2", "不存在村")


# --- Bad values ---------------------------------------------------------------------------


def test_dates_written_as_text_are_not_years(world, tmp_path):
    wb, _ws = sheet_of([new_row(建成年份="2019年5月")])
    refused(world, save(wb, tmp_path), "Row 2", "建成年份", "is not a year")


def test_a_huge_string_is_too_long_and_not_echoed_back_whole(world, tmp_path):
    wb, _ws = sheet_of([new_row(设施名称="污" * 100_000)])
    messages = refused(world, save(wb, tmp_path), "Row 2", "设施名称", "At most 120 characters.")
    assert sum(len(m) for m in messages) < 2000


def test_a_huge_string_in_a_choice_column_is_not_echoed_back_whole(world, tmp_path):
    wb, _ws = sheet_of([new_row(处理工艺="A" * 100_000)])
    messages = refused(world, save(wb, tmp_path), "Row 2", "处理工艺", "is not one of")
    assert sum(len(m) for m in messages) < 2000


def test_wrong_types_are_reported_cell_by_cell(world, tmp_path):
    wb, _ws = sheet_of([new_row(**{"设计规模(m³/d)": "很大", "服务户数": 12.5, "经度": True})])
    refused(
        world,
        save(wb, tmp_path),
        "设计规模(m³/d)：“很大” is not a number.",
        "服务户数：“12.5” is not a whole number.",
        "经度",
    )


def test_negative_and_out_of_range_numbers_are_reported(world, tmp_path):
    wb, _ws = sheet_of([new_row(**{"设计规模(m³/d)": -5, "建成年份": 1850, "纬度": 95})])
    refused(world, save(wb, tmp_path), "Must be greater than zero.", "1850", "纬度")


def test_duplicate_codes_name_both_rows(world, tmp_path):
    code = world.facility_a.display_code
    wb, _ws = sheet_of([new_row(设施编号=code), new_row(设施编号=code, 设施名称="另一个站")])
    refused(world, save(wb, tmp_path), "also appears in row")


def test_a_code_with_a_bad_check_character_is_refused(world, tmp_path):
    code = world.facility_a.code
    last = "0" if code[-1] != "0" else "1"
    wb, _ws = sheet_of([new_row(设施编号=code[:-1] + last)])
    refused(world, save(wb, tmp_path), "Row 2", "设施编号", code[:-1])


def test_a_malformed_code_is_refused(world, tmp_path):
    wb, _ws = sheet_of([new_row(设施编号="ABC-123")])
    refused(world, save(wb, tmp_path), "Row 2", "设施编号", "ABC-123")


def test_unknown_regions_are_named(world, tmp_path):
    wb, _ws = sheet_of([new_row(区县="火星县"), new_row(乡镇="月亮镇")])
    refused(world, save(wb, tmp_path), "No county “火星县”", "No town “月亮镇”")


def test_an_unknown_choice_lists_the_allowed_ones(world, tmp_path):
    wb, _ws = sheet_of([new_row(排放等级="五级", 运行状态="飞行中")])
    refused(world, save(wb, tmp_path), "“五级” is not one of", "“飞行中” is not one of")


def test_one_bad_row_among_many_good_ones_writes_nothing(world, tmp_path):
    rows = [new_row(设施名称=f"站{n}") for n in range(200)]
    rows[150] = new_row(区县="火星县")
    wb, _ws = sheet_of(rows)
    messages = refused(world, save(wb, tmp_path), "Row 152", "火星县")
    assert len(messages) == 1
