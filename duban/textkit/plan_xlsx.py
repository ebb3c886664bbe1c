"""The candidates of a plan as an Excel file the ledger import reads as it is: the
import's own headers (duban.ledger.importer.HEADERS), then 来源原文 and 数量指标, which
the import ignores and the office reads while editing."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from duban.ledger.importer import HEADERS
from duban.textkit.plans import rows

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
WIDE = {"事项名称": 30, "工作目标": 50, "来源原文": 60, "数量指标": 24}


def workbook_bytes(candidates, year):
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年候选重点工作"
    for row in rows(candidates, year, HEADERS):
        ws.append(row)
    for index, cell in enumerate(ws[1], start=1):
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        width = WIDE.get(cell.value, 12)
        ws.column_dimensions[get_column_letter(index)].width = width
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
