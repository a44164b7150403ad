"""The records behind each score: exactly those counted, each linking to its record page."""

import re

from django.test import Client
from django.urls import reverse

from yima.assessment.tests.conftest import PERIOD


def _get(user, org, item, part="all"):
    client = Client()
    client.force_login(user)
    url = reverse("assessment:evidence", args=[org.pk, item])
    return client.get(url, {"period": PERIOD, "part": part})


def _links(body: str, name: str, ids) -> set:
    """Which of the records `ids` (name -> pk or tracking) the page links to."""
    found = set()
    for key, ref in ids.items():
        if re.search(re.escape(reverse(name, args=[ref])) + r"\"", body):
            found.add(key)
    return found


def test_repairs_evidence_lists_the_orders_due_in_the_period(november, frozen_now):
    world, records = november
    orders = {k: o.pk for k, o in records["orders"].items()}
    a = world.contractor_a
    body = _get(world.regulator, a, "repairs_on_time").content.decode()
    assert _links(body, "operations:work_order", orders) == {
        "early",
        "late",
        "never",
        "same_day",
        "next_day",
    }
    body = _get(world.regulator, a, "repairs_on_time", "met").content.decode()
    assert _links(body, "operations:work_order", orders) == {"early", "same_day"}
    body = _get(world.regulator, a, "repairs_on_time", "unmet").content.decode()
    assert _links(body, "operations:work_order", orders) == {"late", "never", "next_day"}


def test_verified_evidence_lists_the_contractors_inspections_in_the_period(november, frozen_now):
    world, records = november
    inspections = {k: i.pk for k, i in records["inspections"].items()}
    body = _get(world.operator, world.contractor_a, "verified_on_site").content.decode()
    assert _links(body, "operations:inspection", inspections) == {"a_nov2", "a_nov16"}
    body = _get(world.operator, world.contractor_a, "verified_on_site", "met").content.decode()
    assert _links(body, "operations:inspection", inspections) == {"a_nov2"}


def test_compliance_evidence_lists_the_periods_samples(november, frozen_now):
    world, records = november
    samples = {k: s.pk for k, s in records["samples"].items()}
    body = _get(world.regulator, world.contractor_a, "compliance").content.decode()
    assert _links(body, "operations:sample", samples) == {"ok1", "ok2", "bad"}
    body = _get(world.regulator, world.contractor_a, "compliance", "unmet").content.decode()
    assert _links(body, "operations:sample", samples) == {"bad"}


def test_complaints_and_satisfaction_evidence_list_the_reports(november, frozen_now):
    world, records = november
    cases = {k: c.tracking for k, c in records["cases"].items()}
    body = _get(world.regulator, world.contractor_a, "complaints_on_time").content.decode()
    assert _links(body, "cases:detail", cases) == {"c1", "c2", "c3"}
    body = _get(world.regulator, world.contractor_a, "complaints_on_time", "met").content.decode()
    assert _links(body, "cases:detail", cases) == {"c1", "c3"}
    body = _get(world.regulator, world.contractor_a, "satisfaction", "met").content.decode()
    assert _links(body, "cases:detail", cases) == {"c1"}


def test_inspections_on_time_evidence_counts_three_dues(november, frozen_now):
    world, records = november
    body = _get(world.regulator, world.contractor_a, "inspections_on_time").content.decode()
    assert "3 条记录" in body or "3 records" in body
    nov2 = reverse("operations:inspection", args=[records["inspections"]["a_nov2"].pk])
    assert nov2 in body


def test_evidence_of_another_contractor_is_404_for_an_operator(november, frozen_now):
    world, _ = november
    assert _get(world.operator, world.contractor_b, "compliance").status_code == 404
    assert _get(world.regulator, world.contractor_a, "no_such_item").status_code == 404
    assert _get(world.regulator, world.contractor_a, "compliance", "bogus").status_code == 404
