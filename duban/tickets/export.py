"""The statistics as an Excel workbook, rendered from the one dict of `metrics.compute`."""

from openpyxl import Workbook
from openpyxl.styles import Font

from duban.tickets.metrics import BREAKDOWN_LABELS, COUNT_KEYS, LABELS, RATE_KEYS

KEYS = COUNT_KEYS + RATE_KEYS


def _cell(value):
    """A value as a plain cell: text that looks like a formula stays text."""
    if value is None:
        return "—"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def stats_workbook(stats, title):
    book = Workbook()
    sheet = book.active
    sheet.title = "总体"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["指标", "数值"])
    for key in KEYS:
        sheet.append([LABELS[key], _cell(stats[key])])
    sheet.column_dimensions["A"].width = 18
    for key, label in BREAKDOWN_LABELS.items():
        part = book.create_sheet(label)
        first = "月份" if key == "by_month" else "名称"
        part.append([first, *(LABELS[k] for k in KEYS)])
        for cell in part[1]:
            cell.font = Font(bold=True)
        for row in stats[key]:
            name = row["month"] if key == "by_month" else row["name"]
            part.append([_cell(name), *(_cell(row[k]) for k in KEYS)])
        part.column_dimensions["A"].width = 20
    return book
