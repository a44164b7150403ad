"""`yima labels [filters] -o FILE.pdf`."""

import pypdfium2
import pytest
from django.core.management import CommandError, call_command

from yima.scan.models import Label


def pages(path) -> list[str]:
    return [p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(path)]


def test_county_signs_one_page_per_facility(world, more_facilities, tmp_path):
    more_facilities(2)
    out = tmp_path / "signs.pdf"
    call_command("labels", "--county", "360121", "-o", str(out))
    texts = pages(out)
    assert len(texts) == 3
    assert all("扫码查看 · 扫码报修" in t for t in texts)
    assert not any(world.facility_b.display_code in t for t in texts)
    reasons = set(Label.objects.values_list("reason", flat=True))
    assert reasons == {"第一枚标签，由 labels 命令打印时发放"}


def test_sheet_of_selected_codes(world, tmp_path):
    out = tmp_path / "sheet.pdf"
    codes = f"{world.facility_a.display_code},{world.facility_b.code.lower()}"
    call_command("labels", "--codes", codes, "--layout", "sheet", "-o", str(out))
    (text,) = pages(out)
    assert world.facility_a.name in text and world.facility_b.name in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--codes", "360121-2019-0001-1"], "Not valid"),
        (["--codes", "36012120190019X"], "No facility with code"),
        (["--contractor", "没有这家公司"], "No O&M contractor"),
        (["--county", "3601"], "6- or 12-digit"),
        (["--status", "suspended"], "No facilities match"),
        (["--user", "nobody"], "No user"),
    ],
)
def test_bad_filters_stop_with_a_message(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("labels", *args, "-o", str(tmp_path / "x.pdf"))


def test_contractor_town_and_user_scope(world, tmp_path):
    out = tmp_path / "a.pdf"
    call_command(
        "labels", "--contractor", world.contractor_a.name, "--town", "360121100", "-o", str(out)
    )
    assert len(pages(out)) == 1
    call_command("labels", "--user", "other_operator", "-o", str(out))
    (text,) = pages(out)
    assert world.facility_b.name in text
    assert Label.objects.get(facility=world.facility_b).issued_by == world.other_operator
