"""Water samples judged against the facility's standard and grade (hand-computed cases)."""

import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yima.facilities.services import facility_update
from yima.operations.choices import Compliance
from yima.operations.models import DischargeLimit, DischargeStandard, WaterSample
from yima.operations.selectors import facility_latest_sample
from yima.operations.services import sample_record

pytestmark = pytest.mark.django_db

GOOD_1A = {"ph": D("7.2"), "cod": D("45"), "ss": D("8"), "nh3n": D("4"), "tn": D("12"),
           "tp": D("0.4"), "oils": D("0.5")}  # fmt: skip


def _on_gb(world, grade, facility=None):
    facility = facility or world.facility_a
    facility_update(
        facility=facility, actor=world.admin, reason="test", standard="GB18918-2002", grade=grade
    )
    facility.refresh_from_db()


def _sample(world, values, *, facility=None, actor=None, temperature=None, **kw):
    sample, _ = sample_record(
        facility=facility or world.facility_a,
        actor=actor or world.operator,
        client_id=kw.pop("client_id", uuid.uuid4()),
        lab="南昌市环境监测站",
        sampled_at=timezone.now() - timedelta(hours=1),
        values=values,
        water_temperature_c=temperature,
        **kw,
    )
    return sample


def _results(sample):
    return {r["pollutant"]: r["result"] for r in sample.results}


def test_gb18918_values_are_seeded_with_provenance(db):
    gb = DischargeStandard.objects.get(code="GB18918-2002")
    assert "verify against the official text" in gb.source
    limit = DischargeLimit.objects.get(standard=gb, grade="1B", pollutant="nh3n")
    assert (limit.limit_max, limit.cold_limit_max) == (D("8"), D("15"))
    assert DischargeLimit.objects.filter(standard=gb).count() == 7 * 4 - 3  # no "-" cells


def test_db36_placeholder_has_no_invented_numbers(db):
    db36 = DischargeStandard.objects.get(code="DB36/1102-2019")
    assert not db36.limits.exists()
    assert "official text" in db36.source


def test_grade_1a_sample_within_every_limit_is_compliant(world):
    _on_gb(world, "1A")
    sample = _sample(world, GOOD_1A)
    assert sample.compliance == Compliance.COMPLIANT
    assert set(_results(sample).values()) == {"pass"}
    assert (sample.standard, sample.grade) == ("GB18918-2002", "1A")


def test_one_item_over_its_limit_makes_the_sample_non_compliant(world):
    _on_gb(world, "1A")
    sample = _sample(world, {**GOOD_1A, "tp": D("0.6")})  # 1A TP limit 0.5
    assert sample.compliance == Compliance.NON_COMPLIANT
    assert _results(sample)["tp"] == "fail" and _results(sample)["cod"] == "pass"


def test_a_value_equal_to_the_limit_meets_it(world):
    _on_gb(world, "1B")
    assert _sample(world, {"cod": D("60")}).compliance == Compliance.COMPLIANT
    assert _sample(world, {"cod": D("60.1")}).compliance == Compliance.NON_COMPLIANT


def test_ph_is_checked_as_a_range(world):
    _on_gb(world, "2")
    for ph, expected in [("5.9", "fail"), ("6", "pass"), ("9", "pass"), ("9.1", "fail")]:
        assert _results(_sample(world, {"ph": D(ph)}))["ph"] == expected, ph


def test_ammonia_uses_the_cold_water_limit_at_or_below_12_c(world):
    cases = [
        ("1A", "6", "20", "non_compliant"),  # warm: limit 5
        ("1A", "6", "12", "compliant"),  # 12 °C counts as cold: limit 8
        ("1A", "6", None, "non_compliant"),  # no temperature: the stricter warm limit
        ("1B", "14", "8", "compliant"),  # cold: limit 15
        ("1B", "14", "12.1", "non_compliant"),  # warm: limit 8
        ("2", "28", "5", "compliant"),  # cold: limit 30
    ]
    for grade, nh3n, temperature, expected in cases:
        _on_gb(world, grade)
        temperature = None if temperature is None else D(temperature)
        sample = _sample(world, {"nh3n": D(nh3n)}, temperature=temperature)
        assert sample.compliance == expected, (grade, nh3n, temperature)
        cold = temperature is not None and temperature <= 12
        assert sample.results[0]["cold_water"] is cold


def test_items_the_grade_does_not_limit_do_not_count(world):
    _on_gb(world, "2")  # grade 2 sets no TN limit
    sample = _sample(world, {"cod": D("90"), "tn": D("45")})
    assert sample.compliance == Compliance.COMPLIANT
    assert _results(sample) == {"cod": "pass", "tn": "no_limit"}


def test_only_unlimited_items_measured_cannot_be_assessed(world):
    _on_gb(world, "3")  # grade 3: no NH3-N, no TN limit
    assert _sample(world, {"tn": D("45"), "nh3n": D("40")}).compliance == Compliance.UNKNOWN


def test_placeholder_standard_gives_unknown_never_compliant(world):
    assert world.facility_a.standard == "DB36/1102-2019"
    sample = _sample(world, GOOD_1A)
    assert sample.compliance == Compliance.UNKNOWN
    assert set(_results(sample).values()) == {"no_limit"}


def test_limits_loaded_later_by_an_administrator_are_used(world):
    db36 = DischargeStandard.objects.get(code="DB36/1102-2019")
    DischargeLimit.objects.create(standard=db36, grade="1B", pollutant="cod", limit_max=D("60"))
    assert _sample(world, {"cod": D("70")}).compliance == Compliance.NON_COMPLIANT


def test_a_sample_needs_at_least_one_value(world):
    with pytest.raises(ValidationError):
        _sample(world, {"cod": None})


def test_who_may_record_a_sample(world):
    cases = [
        ("operator", "facility_a", True),
        ("county_regulator", "facility_a", True),
        ("regulator", "facility_b", True),
        ("other_operator", "facility_a", False),
        ("county_regulator", "facility_b", False),
        ("stranger", "facility_a", False),
    ]
    for persona, facility, allowed in cases:
        actor = getattr(world, persona)
        facility = getattr(world, facility)
        if allowed:
            assert (
                _sample(world, {"cod": D("30")}, facility=facility, actor=actor).recorded_by
                == actor
            )
        else:
            with pytest.raises(PermissionDenied):
                _sample(world, {"cod": D("30")}, facility=facility, actor=actor)


def test_sample_submitted_twice_is_recorded_once(world):
    client_id = uuid.uuid4()
    first = _sample(world, {"cod": D("30")}, client_id=client_id)
    again = _sample(world, {"cod": D("30")}, client_id=client_id)
    assert first.pk == again.pk and WaterSample.objects.count() == 1


def test_latest_sample_selector_costs_one_query(world, django_assert_num_queries):
    _sample(world, {"cod": D("30")})
    newest = _sample(world, {"cod": D("40")})
    with django_assert_num_queries(1):
        assert facility_latest_sample(world.facility_a) == newest


def test_sample_history_records_who(world):
    sample = _sample(world, {"cod": D("30")}, actor=world.county_regulator)
    assert sample.history.get().history_user == world.county_regulator
    assert sample.organisation is None  # recorded by the bureau, not the contractor
