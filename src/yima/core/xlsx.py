"""Spreadsheet cells that stay text (formula injection, "CSV injection").

openpyxl stores any string starting with "=" as a formula, so a facility named
`=HYPERLINK("http://evil/", "点击")` or `=cmd|' /C calc'!A0` would run in the regulator's
Excel. Every exported row goes through `as_text`: such strings become text cells, and strings
starting with = + - @ (or a tab or carriage return) get Excel's quote prefix, so that editing
the cell in Excel keeps it text. The value itself is unchanged, so an export imports back as is.
"""

from openpyxl.cell.cell import Cell

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _guard(cell: Cell) -> Cell:
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _is_risky(value) -> bool:
    return isinstance(value, str) and value.startswith(RISKY_STARTS)


def as_text(sheet, values: list) -> list:
    """`values` (plain values or openpyxl cells) for `sheet.append`, formulas defused.

    A row without risky strings is returned as it is (the fast path). In a row with one, every
    plain value becomes its own cell: a write-only sheet reuses the last cell object it was
    given for the plain values that follow, which would carry the quote prefix along."""
    if not any(_is_risky(v) or (isinstance(v, Cell) and _is_risky(v.value)) for v in values):
        return values
    out = []
    for value in values:
        if isinstance(value, Cell):
            out.append(_guard(value) if _is_risky(value.value) else value)
        elif value is None:
            out.append(None)
        else:
            cell = Cell(sheet, row=1, column=1, value=value)
            out.append(_guard(cell) if _is_risky(value) else cell)
    return out
