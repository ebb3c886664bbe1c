"""The Excel attachment (附表) of the monthly report, rendered from the figures dict
(reports/figures.py) alone: it never queries, so it cannot disagree with the JSON.

- 汇总: the report's title and 截至 date, the category table in the configured order and
  its 合计 row; for a district, the same table once more per street below it.
- 推进滞后事项明细表: the Word attachment's table, row for row (same columns, same
  text), when something lags.
- One sheet per category, named after it (made a valid, unique Excel sheet name), listing
  every task of that category; a category without tasks keeps its sheet with a note.

Every sheet opens with a title row, is set in a Chinese font (宋体), prints on landscape
A4, one page wide, with its header row repeated on each page; the header stays frozen on
screen and carries an auto filter. Dates read 2022年12月31日 and rates as the Word report
prints them (50%, 7.1%). Every cell is written through `_write`, one place to make a
cell safe or styled.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from duban.core import xlsx
from duban.core.dates import chinese_date
from duban.ledger.exporter import HEADER_FILL
from duban.reports.monthly_text import (
    ATTACHMENT_COLUMNS,
    ATTACHMENT_TITLE,
    attachment_rows,
    progress_cell,
)

SUMMARY_SHEET = "汇总"
TOTAL_LABEL = "合计"
NO_TASKS = "本期无此类事项"
NO_RATE = "—"  # a category with no tasks has no lag rate; a blank would read as 0

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
AS_OF_FORMAT = '"截至"yyyy"年"m"月"d"日"'
RATE_FORMAT = "0.0%"  # 7.1%
WHOLE_RATE_FORMAT = "0%"  # 50%: as the Word report prints it, without .0
FONT_NAME = "宋体"
LAGGING_SHEET = "推进滞后事项明细表"

# (header, width, count key); the rate column is written apart.
SUMMARY_COLUMNS = [
    ("类别", 34, "name"),
    ("总数", 9, "total"),
    ("已完成", 9, "completed"),
    ("推进正常", 10, "on_track"),
    ("推进滞后", 10, "lagging"),
    ("滞后项目占比", 14, "lag_rate"),
]

# The Word attachment's columns: (width, wrap, centred).
LAGGING_LAYOUT = {
    "序号": (6, False, True),
    "类别": (16, True, False),
    "事项名称": (24, True, False),
    "牵头单位": (16, True, False),
    "完成时限": (16, True, True),
    "进展情况": (40, True, False),
    "滞后原因": (36, True, False),
}

# (header, width, wrap); 街道 only in a district's report.
TASK_COLUMNS = [
    ("序号", 6, False),
    ("街道", 12, True),
    ("编号", 10, False),
    ("事项名称", 30, True),
    ("牵头单位", 14, True),
    ("完成时限", 16, False),
    ("状态", 10, False),
    ("预警", 8, False),
    ("最新进展", 44, True),
    ("滞后原因类别", 16, True),
    ("滞后原因", 32, True),
    ("超期天数", 10, False),
]
CENTERED = {"序号", "完成时限", "状态", "预警", "超期天数"}

# Excel's own Good / Neutral-blue / Bad palette, so the colours read as they do elsewhere.
STATUS_STYLES = {
    "completed": ("C6EFCE", "006100"),
    "on_track": ("DDEBF7", "1F4E79"),
    "lagging": ("FFC7CE", "9C0006"),
}
LIGHT_STYLES = {
    "green": ("C6EFCE", "006100"),
    "blue": ("BDD7EE", "1F4E79"),
    "yellow": ("FFEB9C", "9C5700"),
    "red": ("FFC7CE", "9C0006"),
}

THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BASE_FONT = Font(name=FONT_NAME, size=11)
BOLD = Font(name=FONT_NAME, size=11, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
BLOCK_FILL = PatternFill("solid", fgColor="EDF2F9")

# Excel refuses these in sheet names; their full-width forms read the same in Chinese.
SHEET_NAME_CHARS = str.maketrans(
    {"[": "［", "]": "］", ":": "：", "*": "＊", "?": "？", "/": "／", "\\": "＼"}
)
SHEET_NAME_MAX = 31

# Row heights are written, not left to the reader: LibreOffice does not grow a wrapped row
# on opening, and a printed row cut to one line hides the progress text.
LINE_HEIGHT = 15  # points, one line of 11 pt text
WIDE_CHAR = 2.2  # a Chinese character, in column-width units (the width of "0")


def render_xlsx(figures: dict) -> bytes:
    """The .xlsx bytes of the monthly report's attachment, from `figures` only."""
    workbook = Workbook()
    workbook.properties.title = figures["title"]
    workbook.properties.creator = figures["office"]["name"]
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    _summary_sheet(summary, figures)

    district = bool(figures["streets"])
    taken = {SUMMARY_SHEET.casefold(), "history"}  # "History" is reserved by Excel
    if figures["lagging_items"]:
        ws = workbook.create_sheet(sheet_title(LAGGING_SHEET, taken))
        _lagging_sheet(ws, figures)
    for category in figures["categories"]:
        name = category["name"]
        ws = workbook.create_sheet(sheet_title(name, taken))
        tasks = [task for task in figures["tasks"] if task["category"] == name]
        _task_sheet(ws, figures, name, tasks, district=district)

    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_title(name, taken):
    """`name` as a valid Excel sheet name not in `taken` (casefolded names, updated):
    forbidden characters in full width, at most 31 characters, "(2)" on a clash."""
    base = _clean(name).translate(SHEET_NAME_CHARS).strip().strip("'") or "未命名"
    title = base[:SHEET_NAME_MAX].rstrip("'")
    number = 2
    while title.casefold() in taken:
        suffix = f"({number})"
        title = base[: SHEET_NAME_MAX - len(suffix)].rstrip("'") + suffix
        number += 1
    taken.add(title.casefold())
    return title


def _summary_sheet(ws, figures):
    width = len(SUMMARY_COLUMNS)
    last = get_column_letter(width)
    _title_row(ws, f"{figures['title']}附表", width)
    date = _append(ws, [_date(figures["as_of"])])[0]
    ws.merge_cells(f"A2:{last}2")
    date.number_format = AS_OF_FORMAT
    date.alignment = Alignment(horizontal="right")

    header = _category_block(ws, figures["categories"], figures["overall"])
    ws.freeze_panes = f"A{header + 1}"
    # The filter covers the category rows, not 合计, so sorting leaves the total last.
    ws.auto_filter.ref = f"A{header}:{last}{header + max(len(figures['categories']), 1)}"
    ws.print_title_rows = f"{header}:{header}"

    for street in figures["streets"]:
        _append(ws, [None])
        row = _append(ws, [street["name"]])[0].row
        ws.merge_cells(f"A{row}:{last}{row}")
        for cell in ws[row]:
            cell.font = BOLD
            cell.fill = BLOCK_FILL
            cell.border = BORDER
        _category_block(ws, street["categories"], street["overall"])

    for index, (_, column_width, _) in enumerate(SUMMARY_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width
    _page_setup(ws, figures["title"], SUMMARY_SHEET)


def _category_block(ws, categories, overall):
    """Header, one row per category and 合计, appended; returns the header's row."""
    header = _append(ws, [header for header, _, _ in SUMMARY_COLUMNS])[0].row
    _style_header(ws, header)
    for category in categories:
        _count_row(ws, _clean(category["name"]), category)
    _count_row(ws, TOTAL_LABEL, overall)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.fill = TOTAL_FILL
    return header


def _count_row(ws, label, counts):
    cells = _append(ws, [label] + [counts[key] for _, _, key in SUMMARY_COLUMNS[1:-1]])
    row = cells[0].row
    column = len(SUMMARY_COLUMNS)
    if counts["lag_rate"] is None:
        _write(ws, row, column, NO_RATE)
    else:
        # Stored as a fraction so that Excel shows it as a percentage and sums stay true;
        # printed as the Word report prints it (50%, 7.1%).
        rate = counts["lag_rate"]
        cell = _write(ws, row, column, round(rate / 100, 6))
        cell.number_format = WHOLE_RATE_FORMAT if float(rate).is_integer() else RATE_FORMAT
    for cell in ws[row]:
        cell.border = BORDER
        cell.alignment = Alignment(
            horizontal="left" if cell.column == 1 else "center",
            vertical="center",
            wrap_text=cell.column == 1,
            indent=1 if cell.column == 1 else 0,
        )
    _fit_height(ws, row, {1: SUMMARY_COLUMNS[0][1] - 2})


def _task_sheet(ws, figures, category, tasks, *, district):
    columns = [c for c in TASK_COLUMNS if district or c[0] != "街道"]
    headers = [header for header, _, _ in columns]
    last = get_column_letter(len(columns))
    _title_row(ws, f"{category}推进情况表（截至{chinese_date(figures['as_of'])}）", len(columns))
    _append(ws, headers)
    _style_header(ws, 2)
    for index, (_, column_width, _) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width

    for number, task in enumerate(tasks, start=1):
        values = {
            "序号": number,
            "街道": task["office"],
            "编号": task["code"],
            "事项名称": task["title"],
            "牵头单位": task["lead_unit"],
            "完成时限": _date(task["deadline"]),
            "状态": task["status_label"],
            "预警": task["light_label"],
            "最新进展": progress_cell(task, figures["month"]),
            "滞后原因类别": task["reason_category"],
            "滞后原因": task["reason"],
            "超期天数": task["overdue_days"] if task["overdue_days"] > 0 else None,
        }
        row = _append(ws, [values[header] for header in headers])[0].row
        for index, (header, _, wrap) in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=index)
            cell.border = BORDER
            cell.alignment = Alignment(
                horizontal="center" if header in CENTERED else None,
                vertical="top",
                wrap_text=wrap,
            )
            if header == "完成时限":
                cell.number_format = DATE_FORMAT
            elif header == "状态":
                _colour(cell, STATUS_STYLES.get(task["status"]))
            elif header == "预警":
                _colour(cell, LIGHT_STYLES.get(task["light"]))
        _fit_height(ws, row, {i: w for i, (_, w, wrap) in enumerate(columns, start=1) if wrap})

    if not tasks:
        note = _append(ws, [NO_TASKS])[0]
        ws.merge_cells(f"A3:{last}3")
        note.alignment = Alignment(horizontal="center")
        note.font = Font(name=FONT_NAME, size=11, italic=True, color="666666")

    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{ws.max_row}"
    ws.print_title_rows = "2:2"
    _page_setup(ws, figures["title"], category)


def _lagging_sheet(ws, figures):
    """The Word attachment's table, the same rows (attachment_rows), dates in full."""
    width = len(ATTACHMENT_COLUMNS)
    last = get_column_letter(width)
    _title_row(ws, f"附件　{ATTACHMENT_TITLE}（截至{chinese_date(figures['as_of'])}）", width)
    _append(ws, ATTACHMENT_COLUMNS)
    _style_header(ws, 2)
    layout = [LAGGING_LAYOUT[header] for header in ATTACHMENT_COLUMNS]
    for index, (column_width, _, _) in enumerate(layout, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width
    for values in attachment_rows(figures, full_dates=True):
        cells = _append(ws, values)
        for cell, (_, wrap, centred) in zip(cells, layout, strict=True):
            cell.border = BORDER
            cell.alignment = Alignment(
                horizontal="center" if centred else None, vertical="top", wrap_text=wrap
            )
        _fit_height(
            ws, cells[0].row, {i: w for i, (w, wrap, _) in enumerate(layout, start=1) if wrap}
        )
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{ws.max_row}"
    ws.print_title_rows = "2:2"
    _page_setup(ws, figures["title"], ATTACHMENT_TITLE)


def _title_row(ws, text, width):
    """Row 1: the sheet's title across its columns."""
    cell = _write(ws, 1, 1, text)
    ws.merge_cells(f"A1:{get_column_letter(width)}1")
    cell.font = TITLE_FONT
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 28


def _append(ws, values):
    """Write `values` on the row after the last one (row 1 on an empty sheet); the cells."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    return [_write(ws, row, column, value) for column, value in enumerate(values, start=1)]


def _write(ws, row, column, value):
    """The one place a value goes into a cell: cleaned of what Excel cannot store, in the
    workbook's Chinese font."""
    cell = xlsx.set_value(ws.cell(row=row, column=column), value)  # never a formula
    cell.font = BASE_FONT
    return cell


def _style_header(ws, row):
    for cell in ws[row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _colour(cell, style):
    if style:
        fill, font = style
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.font = Font(name=FONT_NAME, size=11, color=font)


def _page_setup(ws, title, sheet_label):
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    # "&" starts a header/footer code; a literal one is written "&&".
    ws.oddHeader.center.text = f"{title}　{sheet_label}".replace("&", "&&")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _fit_height(ws, row, widths):
    """Give `row` the height its wrapped cells need ({column: width} of those)."""
    lines = 1
    for column, width in widths.items():
        value = ws.cell(row=row, column=column).value
        if isinstance(value, str) and value:
            lines = max(lines, _line_count(value, width))
    if lines > 1:
        ws.row_dimensions[row].height = lines * LINE_HEIGHT


def _line_count(text, width):
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(_text_width(line) / usable)) for line in text.splitlines() or [""])


def _text_width(text):
    return sum(WIDE_CHAR if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _date(value):
    return dt.date.fromisoformat(value) if value else None


_clean = xlsx.clean
