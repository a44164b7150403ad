"""Single downloads for staff: the QR code as SVG and PNG, the facility's sign as PDF.

Staff only: the QR code carries the current label's token, so a public download would let
anyone print a label that verifies as genuine.
"""

import pytest

from yima.scan.models import Label
from yima.scan.qr import label_url

URLS = ["qr.svg", "qr.png", "sign.pdf"]


@pytest.mark.parametrize("what", URLS)
@pytest.mark.parametrize("persona", ["operator", "county_regulator", "regulator"])
def test_staff_who_see_the_facility_may_download(client_for, world, persona, what):
    response = client_for(persona).get(f"/f/{world.facility_a.code}/{what}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("what", URLS)
@pytest.mark.parametrize("persona", ["stranger", "other_operator"])
def test_others_get_404(client_for, world, persona, what):
    assert client_for(persona).get(f"/f/{world.facility_a.code}/{what}").status_code == 404


@pytest.mark.parametrize("what", URLS)
def test_anonymous_is_sent_to_login(client, world, what):
    response = client.get(f"/f/{world.facility_a.code}/{what}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_first_download_issues_label_one_for_the_downloader(client_for, world):
    client_for("operator").get(f"/f/{world.facility_a.code}/qr.svg")
    label = Label.objects.get(facility=world.facility_a)
    assert (label.serial, label.issued_by) == (1, world.operator)


def test_svg_and_png_carry_the_label_url(client_for, world):
    import io

    import zxingcpp
    from PIL import Image

    client = client_for("operator")
    svg = client.get(f"/f/{world.facility_a.code}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    png = client.get(f"/f/{world.facility_a.code}/qr.png")
    assert png["Content-Type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [d.text for d in decoded] == [label_url(world.facility_a.code, 1)]


def test_sign_pdf_is_a_pdf(client_for, world):
    response = client_for("operator").get(f"/f/{world.facility_a.code}/sign.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
