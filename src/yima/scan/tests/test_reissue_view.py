"""Reissuing a label from the scan page: staff who can see the facility, with a reason."""

from yima.scan.models import Label
from yima.scan.services import label_issue


def reissue(client, facility, **data):
    return client.post(f"/f/{facility.code}/reissue/", {"kind": "damaged", **data})


def test_operator_reissues_a_damaged_label(client_for, world):
    label_issue(facility=world.facility_a, actor=world.operator)
    response = reissue(client_for("operator"), world.facility_a, face="contractor")
    assert response.status_code == 302
    assert response["Location"] == f"/f/{world.facility_a.code}/?face=contractor"
    label = Label.objects.filter(facility=world.facility_a).order_by("-serial").first()
    assert (label.serial, label.issued_by, label.reason) == (2, world.operator, "标识牌损坏或褪色")


def test_regulator_reissue_records_the_details(client_for, world):
    client = client_for("county_regulator")
    reissue(client, world.facility_a, kind="stolen", note="村口那块牌子不见了", face="regulator")
    label = Label.objects.get(facility=world.facility_a)
    assert label.reason == "标识牌被盗或遗失: 村口那块牌子不见了"
    html = client.get(f"/f/{world.facility_a.code}/").content.decode()
    assert "已发放第 1 号标签" in html, "the page confirms what happened"


def test_other_without_details_is_refused(client_for, world):
    response = reissue(client_for("operator"), world.facility_a, kind="other", face="contractor")
    assert response.status_code == 400
    assert "请说明补发标签的原因" in response.content.decode()
    assert not Label.objects.exists()


def test_who_may_not_reissue(client_for, world):
    assert reissue(client_for("public"), world.facility_a).status_code == 302  # to the login
    assert reissue(client_for("stranger"), world.facility_a).status_code == 404
    assert reissue(client_for("other_operator"), world.facility_a).status_code == 404
    assert reissue(client_for("county_regulator"), world.facility_b).status_code == 404
    assert not Label.objects.exists()


def test_reissue_needs_post(client_for, world):
    assert client_for("operator").get(f"/f/{world.facility_a.code}/reissue/").status_code == 405
