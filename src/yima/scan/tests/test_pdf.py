"""Print-ready PDFs: the CJK font is embedded, every QR code on a label sheet decodes to its
facility's label URL (read back with zxing-cpp, an independent decoder), and a missing font
gives an error that names YIMA_CJK_FONT."""

import io
import re

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import ImproperlyConfigured

from yima.conftest import ARTIFACTS
from yima.facilities.models import Facility
from yima.scan import pdf
from yima.scan.choices import Layout
from yima.scan.qr import label_url
from yima.scan.services import labels_render


def render(facilities, layout) -> bytes:
    out = io.BytesIO()
    labels_render(facilities=facilities, layout=layout, out=out)
    return out.getvalue()


def page_images(data: bytes, dpi: int):
    document = pypdfium2.PdfDocument(data)
    return [page.render(scale=dpi / 72).to_pil() for page in document]


def page_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    return [page.get_textpage().get_text_range() for page in document]


@pytest.fixture
def sheet_of_24(world, more_facilities):
    more_facilities(22)
    facilities = Facility.objects.order_by("code")
    assert facilities.count() == 24
    return facilities


@pytest.mark.parametrize("dpi", [150, 300])
def test_every_code_on_a_3x8_sheet_decodes_to_its_facility_url(sheet_of_24, dpi):
    data = render(sheet_of_24, Layout.SHEET)
    (image,) = page_images(data, dpi)  # 24 labels fill exactly one A4 page
    decoded = sorted(result.text for result in zxingcpp.read_barcodes(image))
    expected = sorted(label_url(f.code, 1) for f in sheet_of_24)
    assert decoded == expected


def test_sheet_labels_show_grouped_code_name_and_label_serial(sheet_of_24):
    (text,) = page_texts(render(sheet_of_24.filter(pk__in=sheet_of_24[:3]), Layout.SHEET))
    first = sheet_of_24[0]
    assert first.display_code[:12] in text and first.display_code[12:] in text
    assert first.name in text
    assert "第 1 号标签" in text


def test_25_labels_take_two_sheets(sheet_of_24, more_facilities):
    more_facilities(1)
    assert len(page_texts(render(Facility.objects.all(), Layout.SHEET))) == 2


def test_sign_embeds_the_cjk_font_and_carries_the_fields_of_a_sign(world):
    data = render(Facility.objects.filter(pk=world.facility_a.pk), Layout.SIGN)
    assert re.search(rb"/FontFile2 \d+ 0 R", data), "a TrueType font program is embedded"
    assert not re.search(rb"/BaseFont /(STSong|MSung|HeiseiMin)", data), "no viewer CID font"
    (text,) = page_texts(data)
    facility = world.facility_a
    for expected in (
        facility.name,
        facility.display_code,
        "扫码查看 · 扫码报修",
        "莲塘镇罗家村",
        "30 m³/d",
        "A/O",
        "一级B",
        "2019",
        world.contractor_a.name,
        world.contractor_a.phone,
        "12369",
        "12345",
        "第 1 号标签",
    ):
        assert expected in text, expected
    (image,) = page_images(data, 100)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [label_url(facility.code, 1)]
    ARTIFACTS.mkdir(exist_ok=True)
    page_images(data, 110)[0].save(ARTIFACTS / "sign.png")


def test_sign_is_a_small_file(world):
    data = render(Facility.objects.filter(pk=world.facility_a.pk), Layout.SIGN)
    assert len(data) < 60 * 1024, "the font is subset, not embedded whole (5 MB)"


def test_a_configured_font_that_does_not_exist_names_the_setting(settings, monkeypatch):
    monkeypatch.setattr(pdf, "_font_path", None)
    settings.YIMA_CJK_FONT = "/nowhere/font.ttc"
    with pytest.raises(ImproperlyConfigured, match="YIMA_CJK_FONT"):
        pdf.cjk_font()


def test_no_font_anywhere_names_the_setting(settings, monkeypatch):
    monkeypatch.setattr(pdf, "_font_path", None)
    monkeypatch.setattr(pdf, "_fontconfig_candidates", lambda: [])
    settings.YIMA_CJK_FONT = ""
    with pytest.raises(ImproperlyConfigured, match="YIMA_CJK_FONT"):
        pdf.cjk_font()


def test_a_cff_font_is_refused_with_a_clear_message(settings, monkeypatch, tmp_path):
    fake = tmp_path / "NotoSansCJK-Regular.ttc"
    fake.write_bytes(b"OTTO" + b"\0" * 64)  # an OpenType/CFF signature
    monkeypatch.setattr(pdf, "_font_path", None)
    settings.YIMA_CJK_FONT = str(fake)
    with pytest.raises(ImproperlyConfigured, match="YIMA_CJK_FONT"):
        pdf.cjk_font()


def test_fontconfig_finds_a_truetype_chinese_font():
    candidates = pdf._fontconfig_candidates()
    if not candidates:
        pytest.skip("no TrueType CJK font installed (apt-get install fonts-wqy-microhei)")
    assert all(path.lower().endswith((".ttf", ".ttc")) for path in candidates)
