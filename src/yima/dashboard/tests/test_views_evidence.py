"""/dashboard/evidence/<figure>/<part>/: the records behind each figure of the small city of
test_views_home (March 2026), each linking to its own page, limited to the user's scope."""

import re

import pytest

from yima.dashboard.tests.test_views_home import MARCH, get, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    with small_city() as data:
        yield data


def evidence(city, persona, figure, part, **params):
    params.setdefault("period", MARCH)
    return get(city, persona, f"/dashboard/evidence/{figure}/{part}/", **params)


def count(response) -> int:
    match = re.search(r'<p class="result-count">\s*共 (\d+) 条记录', response.content.decode())
    assert match, "no record count"
    return int(match[1])


def test_operating_parts_list_the_facilities_with_links(city):
    w = city.world
    met = evidence(city, "regulator", "operating", "met")
    unmet = evidence(city, "regulator", "operating", "unmet")
    everything = evidence(city, "regulator", "operating", "all")
    assert (count(met), count(unmet), count(everything)) == (1, 2, 3)
    assert f'href="/ledger/{w.facility_a.code}/"' in met.content.decode()
    body = unmet.content.decode()
    assert f'href="/ledger/{w.facility_b.code}/"' in body
    assert f'href="/ledger/{city.facility_c.code}/"' in body
    assert w.facility_a.name not in body


def test_compliance_lists_samples_linking_to_the_sample_page(city):
    met = evidence(city, "regulator", "compliance", "met").content.decode()
    unmet = evidence(city, "regulator", "compliance", "unmet").content.decode()
    assert f'href="/ops/samples/{city.sample_a.pk}/"' in met
    assert f'href="/ops/samples/{city.sample_b.pk}/"' in unmet
    assert f"/ops/samples/{city.sample_a.pk}/" not in unmet


def test_inspection_dues_show_stored_and_missed_dues(city):
    w = city.world
    unmet = evidence(city, "regulator", "inspections_on_time", "unmet")
    body = unmet.content.decode()
    # b's 20 March and c's 15 and 29 March were missed and nobody has inspected since: they are
    # counted live and listed apart from the stored dues.
    missed = re.search(r'<section class="dash-missed">(.*?)</section>', body, re.S)[1]
    assert "3 次应巡检已过期" in missed
    assert "2026-03-20" in missed and "2026-03-15" in missed and "2026-03-29" in missed
    assert f"/ledger/{city.facility_c.code}/" in missed
    met = evidence(city, "regulator", "inspections_on_time", "met").content.decode()
    assert count(evidence(city, "regulator", "inspections_on_time", "met")) == 3
    assert "/ops/inspections/" in met  # each on-time due links the inspection that answered it
    assert 'class="dash-missed"' not in met
    assert w.facility_b.name in met  # b's 15 March due was answered by its 6 March inspection


def test_load_lists_flow_readings(city):
    body = evidence(city, "regulator", "load", "all").content.decode()
    assert city.world.facility_a.name in body
    assert "24" in body and "/ops/inspections/" in body


def test_reports_and_evaluations_link_to_the_case(city):
    unmet = evidence(city, "regulator", "resolution_on_time", "unmet").content.decode()
    assert f'href="/cases/{city.case_b.tracking}/"' in unmet
    met = evidence(city, "regulator", "resolution_on_time", "met").content.decode()
    assert f'href="/cases/{city.case_a.tracking}/"' in met
    good = evidence(city, "regulator", "satisfaction", "met").content.decode()
    assert f'href="/cases/{city.case_a.tracking}/"' in good and "5 / 5" in good


def test_evidence_stays_in_the_users_scope(city):
    w = city.world
    body = evidence(city, "county_regulator", "operating", "all").content.decode()
    assert w.facility_b.name not in body and w.facility_a.name in body
    body = evidence(city, "other_operator", "compliance", "all").content.decode()
    assert f"/ops/samples/{city.sample_a.pk}/" not in body
    assert f"/ops/samples/{city.sample_b.pk}/" in body
    assert (
        evidence(city, "county_regulator", "operating", "all", region="360124000000").status_code
        == 404
    )


def test_evidence_for_a_region_and_back_link(city):
    response = evidence(city, "regulator", "operating", "all", region="360121100000")
    assert count(response) == 1
    body = response.content.decode()
    assert 'href="/dashboard/?region=360121100000&amp;period=2026-03"' in body


def test_who_may_see_evidence(city):
    assert evidence(city, "public", "operating", "all").status_code == 302
    assert evidence(city, "stranger", "operating", "all").status_code == 403


def test_unknown_figure_or_part_is_404(city):
    assert evidence(city, "regulator", "nonsense", "all").status_code == 404
    assert evidence(city, "regulator", "operating", "nonsense").status_code == 404
    assert evidence(city, "regulator", "facilities", "unmet").status_code == 404


def test_bad_period_on_evidence_is_explained(city):
    response = evidence(city, "regulator", "operating", "all", period="last-week")
    assert response.status_code == 200
    assert "无法识别统计期“last-week”" in response.content.decode()


def test_evidence_pages_are_paginated(city, settings):
    from yima.dashboard import views

    original = views.EVIDENCE_PAGE_SIZE
    views.EVIDENCE_PAGE_SIZE = 2
    try:
        first = evidence(city, "regulator", "operating", "all").content.decode()
        second = evidence(city, "regulator", "operating", "all", page=2).content.decode()
    finally:
        views.EVIDENCE_PAGE_SIZE = original
    assert "1 / 2" in first and 'rel="next"' in first
    assert "2 / 2" in second and "page=1" in second and "period=2026-03" in second
