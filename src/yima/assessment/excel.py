"""The scorecards of a period as an Excel workbook: one sheet of totals (what the list page
shows) and one of every item's numerator, denominator, rate, weight and points."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from yima.core.xlsx import as_text


def _verdict(card) -> str:
    if card.passed is None:
        return _("No data")
    return _("Pass") if card.passed else _("Fail")


def _number(value):
    return None if value is None else float(value)


def scorecards_workbook(cards, *, period, region=None) -> bytes:
    book = Workbook()
    totals = book.active
    totals.title = _("Scorecards")[:31]
    items = cards[0].items if cards else ()
    scope = region.name if region is not None else _("All in my scope")
    totals.append(as_text(totals, [_("Contractor assessment"), period.label, scope]))
    totals.append(
        [_("O&M contractor")]
        + [f"{i.name} ({i.weight:g})" for i in items]
        + [_("Total (out of 100)"), _("Pass mark"), _("Result")]
    )
    for card in cards:
        totals.append(
            as_text(
                totals,
                [card.contractor.name]
                + [_number(i.points) for i in card.items]
                + [_number(card.total), _number(card.pass_mark), _verdict(card)],
            )
        )
    totals.append([])
    totals.append(
        [
            _(
                "An item with nothing to count shows no points and its weight is left out; "
                "the total is rescaled to 100."
            )
        ]
    )

    detail = book.create_sheet(_("Items")[:31])
    detail.append(
        [
            _("O&M contractor"),
            _("Item"),
            _("Met"),
            _("Counted"),
            _("Rate (%)"),
            _("Weight"),
            _("Points"),
        ]
    )
    for card in cards:
        for i in card.items:
            detail.append(
                as_text(
                    detail,
                    [
                        card.contractor.name,
                        i.name,
                        i.rate.numerator,
                        i.rate.denominator,
                        _number(i.percent),
                        _number(i.weight),
                        _number(i.points),
                    ],
                )
            )
    for sheet, header_row in ((totals, 2), (detail, 1)):
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 16 if column > 1 else 30
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
