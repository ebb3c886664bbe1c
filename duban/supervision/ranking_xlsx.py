"""The ranking and each unit's breakdown as Excel, from the Scores alone (no queries):
sheet 排名 (rank, unit, score) and sheet 得分明细 (one row per line of each unit's
breakdown, with the records behind it). Text from the data is written as text, never as
a formula."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from duban.core import xlsx

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
RANK_COLUMNS = [("排名", 8), ("单位", 24), ("得分", 10)]
DETAIL_COLUMNS = [("单位", 24), ("项目", 26), ("分值", 10), ("说明", 30), ("相关记录", 70)]


def _put(ws, row, column, value):
    # "=…" from a unit's name or a reason stays text (core/xlsx.py)
    return xlsx.set_value(ws.cell(row=row, column=column), value)


def _header(ws, title, columns):
    ws.title = title
    for index, (name, width) in enumerate(columns, start=1):
        cell = _put(ws, 1, index, name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def build(scores, year):
    book = Workbook()
    ranks = book.active
    _header(ranks, "排名", RANK_COLUMNS)
    for row, score in enumerate(scores, start=2):
        _put(ranks, row, 1, score.rank)
        _put(ranks, row, 2, score.unit)
        _put(ranks, row, 3, float(score.total)).number_format = "0.00"
    detail = book.create_sheet()
    _header(detail, "得分明细", DETAIL_COLUMNS)
    row = 2
    for score in scores:
        for line in score.lines:
            _put(detail, row, 1, score.unit)
            _put(detail, row, 2, line.label)
            _put(detail, row, 3, float(line.points)).number_format = "0.00"
            _put(detail, row, 4, line.detail)
            _put(detail, row, 5, "；".join(record.label for record in line.records))
            row += 1
    book.properties.title = f"{year}年考核排名"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
