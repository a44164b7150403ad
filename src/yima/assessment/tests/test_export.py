"""The Excel export carries the same numbers as the page."""

import io
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yima.assessment.tests.conftest import PERIOD


def _book(user):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("assessment:export"), {"period": PERIOD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_export_totals_and_items_match_the_hand_counted_cards(november, frozen_now):
    world, _ = november
    book = _book(world.regulator)
    totals = book.worksheets[0]
    rows = {r[0]: r for r in totals.iter_rows(min_row=3, values_only=True) if r and r[0]}
    a = rows[world.contractor_a.name]
    b = rows[world.contractor_b.name]
    # contractor, 6 item points, total, pass mark, result
    assert list(a[1:7]) == [16.7, 7.5, 8.0, 10.0, 10.0, 5.0]
    assert a[7] == 57.2 and a[8] == 80 and a[9] == "不合格"
    assert list(b[1:7]) == [25.0, 7.5, None, None, None, None]
    assert b[7] == 81.3 and b[9] == "合格"
    detail = {
        (r[0], r[1]): r[2:] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)
    }
    assert detail[(world.contractor_a.name, "维修按期完成率")] == (2, 5, 40.0, 20.0, 8.0)


def test_export_numbers_equal_the_page(november, frozen_now):
    world, _ = november
    from yima.assessment import selectors
    from yima.dashboard.selectors import Period

    cards = selectors.scorecards(user=world.regulator, period=Period.parse(PERIOD))
    totals = _book(world.regulator).worksheets[0]
    rows = {r[0]: r for r in totals.iter_rows(min_row=3, values_only=True) if r and r[0]}
    for card in cards:
        row = rows[card.contractor.name]
        assert [None if p is None else Decimal(str(p)) for p in row[1:7]] == [
            i.points for i in card.items
        ]
        assert Decimal(str(row[7])) == card.total


def test_operator_exports_only_their_own_card(november, frozen_now):
    world, _ = november
    totals = _book(world.operator).worksheets[0]
    names = [r[0] for r in totals.iter_rows(min_row=3, max_col=1, values_only=True)]
    assert world.contractor_a.name in names
    assert world.contractor_b.name not in names
