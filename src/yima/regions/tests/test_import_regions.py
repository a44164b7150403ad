"""regions_import and `yima import-regions`: validate everything, then write all or nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from yima.core.testing import make_user
from yima.regions.models import Region
from yima.regions.services import (
    BAD_CODE,
    DUPLICATE_CODE,
    EMPTY_NAME,
    NOT_UTF8,
    PARENT_MISMATCH,
    PARENT_WRONG_LEVEL,
    UNKNOWN_PARENT,
    RegionImportError,
    regions_import,
)

HEADER = "code,name,parent_code\n"
SMALL = (
    "360000000000,江西省,\n"
    "360100000000,南昌市,360000000000\n"
    "360121000000,南昌县,360100000000\n"
    "360121100000,莲塘镇,360121000000\n"
)


def write(tmp_path, text: str, *, bom: bool = False, name: str = "regions.csv"):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (HEADER + text).encode("utf-8"))
    return path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_import_creates_the_tree_with_levels_and_parents(db, tmp_path):
    result = regions_import(path_or_rows=write(tmp_path, SMALL), reason="Official list")

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    town = Region.objects.get(code="360121100000")
    assert town.level == "town"
    assert town.parent.code == "360121000000"
    assert town.parent.parent.name == "南昌市"
    assert Region.objects.get(code="360000000000").parent is None


def test_reimporting_the_same_list_changes_nothing(db, tmp_path):
    path = write(tmp_path, SMALL)
    regions_import(path_or_rows=path, reason="first")

    result = regions_import(path_or_rows=path, reason="again")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert Region.history.count() == 4  # no history rows for a run that changed nothing


def test_file_with_byte_order_mark_and_short_codes_is_read(db, tmp_path):
    short = "36,江西省,\n3601,南昌市,36\n360121,南昌县,3601\n360121100,莲塘镇,360121\n"

    result = regions_import(path_or_rows=write(tmp_path, short, bom=True), reason="BOM")

    assert result.created == 4
    assert Region.objects.filter(code="360121100000", parent__code="360121000000").exists()


def test_renamed_region_is_updated_with_history(db, tmp_path):
    regions_import(path_or_rows=write(tmp_path, SMALL), reason="first")
    clerk = make_user("clerk")
    renamed = SMALL.replace("莲塘镇", "莲塘街道")

    result = regions_import(
        path_or_rows=write(tmp_path, renamed, name="renamed.csv"), actor=clerk, reason="2024 list"
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    town = Region.objects.get(code="360121100000")
    assert town.name == "莲塘街道"
    latest, before = town.history.all()[:2]
    assert (latest.name, latest.history_user, latest.history_change_reason) == (
        "莲塘街道",
        clerk,
        "2024 list",
    )
    assert before.name == "莲塘镇"


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(db, tmp_path):
    bad = SMALL + (
        "36012x,坏代码,360121000000\n"  # line 6: not a code
        "360121101000,,360121000000\n"  # line 7: no name
        "360121100000,莲塘镇,360121000000\n"  # line 8: duplicate of line 5
        "360121999201,某村,360121999000\n"  # line 9: parent neither in file nor in DB
        "360121100201,罗家村,360121000000\n"  # line 10: a village under a county
        "360124100201,李渡村,360121100000\n"  # line 11: code not under its parent
    )

    with pytest.raises(RegionImportError) as caught:
        regions_import(path_or_rows=write(tmp_path, bad), reason="bad")

    errors = caught.value.errors
    assert [e.line for e in errors] == [6, 7, 8, 9, 10, 11]
    assert errors[0].message == BAD_CODE % {"code": "36012x"}
    assert errors[1].message == EMPTY_NAME
    assert errors[2].message == DUPLICATE_CODE % {"code": "360121100000", "line": 5}
    assert errors[3].message == UNKNOWN_PARENT % {"code": "360121999000"}
    assert errors[4].message == PARENT_WRONG_LEVEL % {
        "level": "village",
        "expected": "town",
        "code": "360121000000",
        "parent_level": "county",
    }
    assert errors[5].message == PARENT_MISMATCH % {
        "code": "360124100201",
        "parent": "360121100000",
    }
    assert not Region.objects.exists()


def test_file_in_another_encoding_is_refused_with_a_hint(db, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + SMALL).encode("gbk"))

    with pytest.raises(RegionImportError) as caught:
        regions_import(path_or_rows=path, reason="gbk")

    assert [e.message for e in caught.value.errors] == [NOT_UTF8]
    assert not Region.objects.exists()


def test_parent_may_come_from_the_database(db, tmp_path):
    regions_import(path_or_rows=write(tmp_path, SMALL), reason="first")

    result = regions_import(
        path_or_rows=[("360121100201", "罗家村", "360121100000")], reason="villages", is_demo=True
    )

    assert result.created == 1
    village = Region.objects.get(code="360121100201")
    assert (village.level, village.parent.name, village.is_demo) == ("village", "莲塘镇", True)


def test_dry_run_counts_but_writes_nothing(db, tmp_path):
    result = regions_import(path_or_rows=write(tmp_path, SMALL), reason="try", dry_run=True)

    assert result.created == 4
    assert not Region.objects.exists()


def test_command_prints_counts(db, tmp_path):
    path = write(tmp_path, SMALL)
    out = StringIO()

    call_command("import_regions", str(path), stdout=out)
    call_command("import_regions", str(path), stdout=out)

    assert "created 4, updated 0, unchanged 0" in out.getvalue()
    assert "created 0, updated 0, unchanged 4" in out.getvalue()


def test_command_lists_bad_rows_and_fails(db, tmp_path):
    path = write(tmp_path, SMALL + "360121101000,,360121000000\n")
    err = StringIO()

    with pytest.raises(CommandError, match="1 bad rows; nothing was written"):
        call_command("import_regions", str(path), stderr=err)

    assert "Line 6: The name is empty." in err.getvalue()
    assert not Region.objects.exists()


def test_shipped_nanchang_list_loads(db):
    from yima.facilities.demo import NANCHANG_CSV

    result = regions_import(path_or_rows=NANCHANG_CSV, reason="Nanchang")

    assert result.created == 150
    assert Region.objects.filter(level="county", parent__code="360100000000").count() == 9
    assert Region.objects.filter(level="town").count() == 139
