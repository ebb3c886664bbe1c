"""The statistics as an Excel workbook, rendered from the one dict of `metrics.compute`."""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from duban.core import xlsx
from duban.tickets.masking import masked
from duban.tickets.metrics import BREAKDOWN_LABELS, COUNT_KEYS, LABELS, RATE_KEYS

KEYS = COUNT_KEYS + RATE_KEYS


def _cell(value):
    """A value as a cell ("—" for none); core/xlsx.py keeps text that looks like a
    formula a text cell, unchanged, so the list still imports back."""
    if value is None:
        return "—"
    return value


def stats_workbook(stats, title):
    book = Workbook()
    sheet = book.active
    sheet.title = "总体"
    xlsx.append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    xlsx.append_row(sheet, ["指标", "数值"])
    for key in KEYS:
        xlsx.append_row(sheet, [LABELS[key], _cell(stats[key])])
    sheet.column_dimensions["A"].width = 18
    for key, label in BREAKDOWN_LABELS.items():
        part = book.create_sheet(label)
        first = "月份" if key == "by_month" else "名称"
        xlsx.append_row(part, [first, *(LABELS[k] for k in KEYS)])
        for cell in part[1]:
            cell.font = Font(bold=True)
        for row in stats[key]:
            name = row["month"] if key == "by_month" else row["name"]
            xlsx.append_row(part, [_cell(name), *(_cell(row[k]) for k in KEYS)])
        part.column_dimensions["A"].width = 20
    return book


LIST_HEADERS = [
    "工单编号",
    "来源",
    "受理时间",
    "诉求类别",
    "诉求内容",
    "社区",
    "诉求人",
    "联系电话",
    "承办单位",
    "状态",
    "办理时限",
    "办结时间",
    "是否联系",
    "是否解决",
    "满意度",
]


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _yes_no(value):
    return {True: "是", False: "否"}.get(value, "")


def list_workbook(tickets):
    """The requests as a sheet in the import's columns (so it can be imported back);
    names and phones masked by the one helper."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("民生诉求")
    xlsx.append_row(sheet, LIST_HEADERS)
    for t in tickets:
        name, phone = masked(t)
        xlsx.append_row(
            sheet,
            [
                _cell(t.code),
                t.get_source_display(),
                _when(t.received_at),
                _cell(t.category.name if t.category_id else ""),
                _cell(t.content),
                _cell(t.community.name if t.community_id else ""),
                name,
                phone,
                _cell(t.unit.name if t.unit_id else ""),
                t.state_label,
                _when(t.deadline),
                _when(t.closed_at),
                _yes_no(t.contacted),
                _yes_no(t.resolved),
                t.get_satisfaction_display(),
            ],
        )
    return book
