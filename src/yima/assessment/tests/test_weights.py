"""Weights and the pass mark: city and provincial bureaus change them with a reason kept in
the history; county bureaus, contractors and others may not; bad values are refused whole."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from yima.assessment import services
from yima.assessment.models import AssessmentItem, AssessmentSettings

pytestmark = pytest.mark.django_db
URL = reverse("assessment:weights")


def _weights():
    return {i.key: i.weight for i in AssessmentItem.objects.all()}


def test_seeded_weights_add_up_to_100_with_pass_mark_80(db):
    assert sum(_weights().values()) == Decimal("100")
    assert _weights()["inspections_on_time"] == Decimal("25")
    assert AssessmentSettings.load().pass_mark == Decimal("80")
    assert AssessmentItem.objects.get(key="satisfaction").name == "群众满意率"


def test_city_regulator_changes_weights_with_reason_in_history(world):
    services.assessment_weights_update(
        actor=world.regulator,
        weights={"inspections_on_time": Decimal("30"), "satisfaction": Decimal("5")},
        pass_mark=Decimal("85"),
        reason="2027年考核办法",
    )
    assert _weights()["inspections_on_time"] == Decimal("30")
    latest = AssessmentItem.objects.get(key="inspections_on_time").history.first()
    assert latest.history_user == world.regulator
    assert latest.history_change_reason == "2027年考核办法"
    assert AssessmentSettings.load().pass_mark == Decimal("85")
    assert AssessmentSettings.load().history.first().history_user == world.regulator
    # an unchanged item gets no history row (the seed migration writes none)
    assert AssessmentItem.objects.get(key="compliance").history.count() == 0


@pytest.mark.parametrize("persona", ["county_regulator", "operator", "stranger"])
def test_others_may_not_change_weights(world, persona):
    with pytest.raises(PermissionDenied):
        services.assessment_weights_update(
            actor=getattr(world, persona), weights={"satisfaction": Decimal("50")}, reason="x"
        )
    assert _weights()["satisfaction"] == Decimal("10")


def test_negative_weight_zero_total_and_missing_reason_are_refused_whole(world):
    with pytest.raises(ValidationError) as error:
        services.assessment_weights_update(
            actor=world.regulator,
            weights={"satisfaction": Decimal("-1"), "compliance": Decimal("40")},
            reason=" ",
        )
    assert set(error.value.message_dict) == {"satisfaction", "reason"}
    assert error.value.message_dict["satisfaction"] == ["权重不能为负数。"]
    with pytest.raises(ValidationError) as error:
        services.assessment_weights_update(
            actor=world.regulator, weights={k: Decimal("0") for k in _weights()}, reason="清零"
        )
    assert "__all__" in error.value.message_dict
    assert _weights()["compliance"] == Decimal("15")
    with pytest.raises(ValidationError):
        services.assessment_weights_update(
            actor=world.regulator, weights={}, pass_mark=Decimal("101"), reason="x"
        )


def _form(**changes):
    data = {k: str(v) for k, v in _weights().items()}
    data["pass_mark"] = "80"
    data["reason"] = "调整"
    data.update(changes)
    return data


def test_weights_page_for_each_persona(world, client_for):
    assert client_for("regulator").get(URL).status_code == 200
    assert client_for("county_regulator").get(URL).status_code == 403
    assert client_for("operator").get(URL).status_code == 403
    assert client_for("public").get(URL).status_code == 302
    county = client_for("county_regulator").post(URL, _form(satisfaction="50"))
    assert county.status_code == 403
    assert _weights()["satisfaction"] == Decimal("10")


def test_regulator_saves_weights_through_the_page_and_sees_the_change_listed(world, client_for):
    client = client_for("regulator")
    response = client.post(URL, _form(satisfaction="20", reason="提高满意度权重"))
    assert response.status_code == 302
    assert _weights()["satisfaction"] == Decimal("20")
    body = client.get(URL).content.decode()
    assert "提高满意度权重" in body and "regulator" in body


def test_the_page_shows_errors_and_keeps_the_old_weights(world, client_for):
    client = client_for("regulator")
    body = client.post(URL, _form(satisfaction="-5", reason="")).content.decode()
    assert "errorlist" in body
    assert _weights()["satisfaction"] == Decimal("10")
    zero = dict.fromkeys(_weights(), "0")
    body = client.post(URL, _form(**zero)).content.decode()
    assert "大于 0" in body or "more than 0" in body
