"""/api/v1/inspections, /samples, /work-orders: operations' gate for every persona."""

import pytest

from . import factories

# For records of facility_a (南昌县, contractor A) and facility_b (进贤县, contractor B).
SEES = {
    "regulator": {"a", "b"},
    "county_regulator": {"a"},
    "operator": {"a"},
    "other_operator": {"b"},
}
KINDS = {
    "inspections": factories.inspection,
    "samples": factories.sample,
    "work-orders": factories.work_order,
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def records(world):
    """One inspection, sample and work order for each facility: {kind: {"a": obj, "b": obj}}."""
    return {
        kind: {
            "a": make(world, facility=world.facility_a),
            "b": make(world, facility=world.facility_b),
        }
        for kind, make in KINDS.items()
    }


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_persona_lists_only_records_of_facilities_in_scope(
    world, api_as, records, kind, persona
):
    response = api_as(persona).get(f"/api/v1/{kind}")

    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {records[kind][x].pk for x in SEES[persona]}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("persona", sorted(SEES))
@pytest.mark.parametrize("which", ["a", "b"])
def test_each_persona_opens_records_in_scope_and_gets_404_outside(
    world, api_as, records, kind, persona, which
):
    record = records[kind][which]

    response = api_as(persona).get(f"/api/v1/{kind}/{record.pk}")

    assert response.status_code == (200 if which in SEES[persona] else 404)
    if response.status_code == 200:
        assert response.json()["id"] == record.pk
        assert response.json()["facility"]["code"] == record.facility.code


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_public_gets_401_a_stranger_403_and_unknown_ids_404(world, api_as, records, kind):
    pk = records[kind]["a"].pk

    assert api_as("public").get(f"/api/v1/{kind}").status_code == 401
    assert api_as("public").get(f"/api/v1/{kind}/{pk}").status_code == 401
    assert api_as("stranger").get(f"/api/v1/{kind}").status_code == 403
    assert api_as("stranger").get(f"/api/v1/{kind}/{pk}").status_code == 403
    assert api_as("regulator").get(f"/api/v1/{kind}/999999").status_code == 404
    assert api_as("regulator").get(f"/api/v1/{kind}/{2**70}").status_code == 422


def test_an_inspection_reads_as_recorded(world, api_as):
    record = factories.inspection(world, answers={"inflow": False}, notes="进水口堵塞")

    body = api_as("county_regulator").get(f"/api/v1/inspections/{record.pk}").json()

    assert body["outcome"] == "abnormal"
    assert body["inspector"]["username"] == "operator"
    assert body["contractor"]["name"] == "江西清源环保运维有限公司"
    assert body["notes"] == "进水口堵塞"
    answers = {item["key"]: item["ok"] for item in body["checklist"]}
    assert answers["inflow"] is False
    assert body["photos"] == [] and body["work_order_ids"] == []


def test_inspections_filter_by_facility_and_outcome(world, api_as):
    normal = factories.inspection(world)
    abnormal = factories.inspection(world, answers={"inflow": False})
    other = factories.inspection(world, facility=world.facility_b)
    api = api_as("regulator")

    def ids(**params):
        return {item["id"] for item in api.get("/api/v1/inspections", **params).json()["items"]}

    assert ids(facility=world.facility_a.display_code) == {normal.pk, abnormal.pk}
    assert ids(outcome="abnormal") == {abnormal.pk}
    assert ids(facility=world.facility_b.code) == {other.pk}
    assert ids(facility="not-a-code") == set()


def test_a_sample_reads_with_its_verdict(world, api_as):
    record = factories.sample(world, cod="45")

    body = api_as("operator").get(f"/api/v1/samples/{record.pk}").json()

    assert body["cod"] == 45.0 and body["ph"] == 7.2
    assert body["standard"] == world.facility_a.standard
    assert body["compliance"] in ("compliant", "non_compliant", "unknown")
    assert body["recorded_by"]["username"] == "regulator"


def test_work_orders_filter_by_state_and_show_their_steps(world, api_as):
    open_order = factories.work_order(world)
    api = api_as("operator")

    active = api.get("/api/v1/work-orders", state="active").json()
    done = api.get("/api/v1/work-orders", state="done").json()
    detail = api.get(f"/api/v1/work-orders/{open_order.pk}").json()

    assert [item["id"] for item in active["items"]] == [open_order.pk]
    assert done["count"] == 0
    assert detail["state"] == "open" and detail["overdue"] is False
    assert [event["action"] for event in detail["events"]] == ["open"]
    assert detail["opened_by"]["username"] == "regulator"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_lists_cost_a_fixed_number_of_queries(world, api_as, kind, django_assert_num_queries):
    make = KINDS[kind]
    for _ in range(3):
        make(world, facility=world.facility_a)
    api = api_as("regulator")
    api.get(f"/api/v1/{kind}")

    with django_assert_num_queries(4):  # key, scope, count, page
        response = api.get(f"/api/v1/{kind}")
    assert response.json()["count"] == 3
