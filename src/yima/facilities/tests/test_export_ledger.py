"""Excel export: the download exports exactly what the ledger list shows; the command all."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from yima.core.testing import facility_fields
from yima.facilities.services import facility_register

pytestmark = pytest.mark.django_db

URL = "/ledger/export.xlsx"


def codes_in(content: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "设施编号"
    return [row[0] for row in rows[1:]]


def test_url_is_named_export():
    assert reverse("facilities:export") == URL


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("regulator", True, True),
        ("county_regulator", True, False),
        ("operator", True, False),
        ("other_operator", False, True),
    ],
)
def test_download_contains_exactly_the_visible_facilities(
    world, client_for, persona, sees_a, sees_b
):
    response = client_for(persona).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    expected = [
        f.display_code
        for f, seen in ((world.facility_a, sees_a), (world.facility_b, sees_b))
        if seen
    ]
    assert codes_in(b"".join(response.streaming_content)) == expected


def test_download_applies_the_lists_filters(world, client_for):
    extra = facility_register(
        actor=world.admin,
        **facility_fields(world.nanchang_county, world.xiangtang, world.village_b, process="mbr"),
    )
    client = client_for("regulator")

    by_county = client.get(URL, {"county": "360124000000"})
    by_town = client.get(URL, {"county": "360121000000", "town": "360121101000"})
    by_process = client.get(URL, {"process": "mbr"})
    by_search = client.get(URL, {"q": "李渡"})

    assert codes_in(b"".join(by_county.streaming_content)) == [world.facility_b.display_code]
    assert codes_in(b"".join(by_town.streaming_content)) == [extra.display_code]
    assert codes_in(b"".join(by_process.streaming_content)) == [extra.display_code]
    assert codes_in(b"".join(by_search.streaming_content)) == [world.facility_b.display_code]


def test_county_regulator_cannot_widen_the_export_with_a_filter(world, client_for):
    response = client_for("county_regulator").get(URL, {"county": "360124000000"})
    assert codes_in(b"".join(response.streaming_content)) == [world.facility_a.display_code]


def test_anonymous_visitor_is_sent_to_login(client_for):
    response = client_for("public").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_user_without_organisation_is_refused(client_for):
    assert client_for("stranger").get(URL).status_code == 403


def test_export_command_writes_every_facility(world, tmp_path, capsys):
    path = tmp_path / "all.xlsx"
    call_command("export_ledger", str(path))
    assert "2 facilities" in capsys.readouterr().out
    assert codes_in(path.read_bytes()) == [
        world.facility_a.display_code,
        world.facility_b.display_code,
    ]


def test_export_command_filters_by_county_and_user(world, tmp_path):
    by_county = tmp_path / "jx.xlsx"
    call_command("export_ledger", str(by_county), "--county", "360124")
    assert codes_in(by_county.read_bytes()) == [world.facility_b.display_code]

    as_user = tmp_path / "ncx.xlsx"
    call_command("export_ledger", str(as_user), "--user", "county_regulator")
    assert codes_in(as_user.read_bytes()) == [world.facility_a.display_code]


def test_export_command_refuses_an_unknown_county_code(world, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("export_ledger", str(tmp_path / "x.xlsx"), "--county", "南昌")
