"""Ledger export and the empty import template: the same columns the import reads,
so that an export imported back changes nothing."""

import datetime as dt
import itertools
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from duban.core import xlsx
from duban.core.dates import format_date
from duban.ledger.importer import HEADERS
from duban.ledger.milestones import format_milestones

WIDTHS = {
    "编号": 10,
    "类别": 22,
    "事项名称": 36,
    "工作目标": 40,
    "量化指标": 10,
    "指标单位": 8,
    "牵头单位": 16,
    "协同单位": 24,
    "责任领导": 10,
    "完成时限": 12,
    "节点计划": 44,
}
REQUIRED = {"编号", "类别", "事项名称", "牵头单位"}
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")


def header_cell(ws, name, *, required=False):
    return xlsx.cell(
        ws,
        name,
        font=Font(bold=True, color="9C0006" if required else "000000"),
        fill=HEADER_FILL,
        alignment=HEADER_ALIGNMENT,
    )


def _sheet(ws, title, extra_headers=()):
    """Title, column widths, frozen and printed header row, then the header row itself
    (a write-only sheet takes its widths before its first row)."""
    ws.title = title
    widths = [WIDTHS[name] for name in HEADERS] + [width for _, width in extra_headers]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.append(
        [header_cell(ws, name, required=name in REQUIRED) for name in HEADERS]
        + [header_cell(ws, name) for name, _ in extra_headers]
    )


def _amount(value):
    """A target as a number Excel can sum: 3 not 3.00, 2.5 as 2.5."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def task_row(task):
    """One task's row, from a KeyTask instance (the import's current values read the same)."""
    milestones = sorted(task.milestones.all(), key=lambda m: (m.order, m.due, m.pk))
    return [
        task.code,
        task.category.name if task.category_id else "",
        task.title,
        task.goal,
        _amount(task.target_value),
        task.target_unit,
        task.lead_unit.name,
        "、".join(sorted(u.name for u in task.partner_units.all())),
        task.leader,
        format_date(task.deadline),
        format_milestones((m.due, m.description) for m in milestones),
    ]


#: tasks read from the database at a time, with their partners and milestones
CHUNK = 2000
_FIELDS = (
    "pk",
    "code",
    "category__name",
    "title",
    "goal",
    "target_value",
    "target_unit",
    "lead_unit__name",
    "leader",
    "deadline",
)


def task_rows(tasks):
    """(task id, row) of every task, the same values as `task_row`, read as plain values a
    chunk at a time: three queries per CHUNK tasks, no model instances, bounded memory."""
    from duban.ledger.models import KeyTask, Milestone

    values = tasks.values_list(*_FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(values, CHUNK)):
        ids = [row[0] for row in chunk]
        partners = defaultdict(list)
        for task_id, name in KeyTask.partner_units.through.objects.filter(
            keytask_id__in=ids
        ).values_list("keytask_id", "unit__name"):
            partners[task_id].append(name)
        milestones = defaultdict(list)
        for task_id, due, description in (
            Milestone.objects.filter(task_id__in=ids)
            .order_by("task_id", "order", "due", "pk")
            .values_list("task_id", "due", "description")
        ):
            milestones[task_id].append((due, description))
        for pk, code, category, title, goal, value, unit, lead_unit, leader, deadline in chunk:
            yield (
                pk,
                [
                    code,
                    category or "",
                    title,
                    goal,
                    _amount(value),
                    unit,
                    lead_unit,
                    "、".join(sorted(partners[pk])),
                    leader,
                    format_date(deadline),
                    format_milestones(milestones[pk]),
                ],
            )


def build_workbook(tasks, extra=()):
    """An xlsx of the given tasks (a queryset already limited by visible_to), streamed:
    the sheet is written row by row (openpyxl's write-only mode) from `task_rows`.

    `extra` holds what apps above the ledger add: [([(header, width)], {task id: values})];
    the import ignores those columns, so an export still imports back unchanged."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet()
    extra_headers = [header for headers, _values in extra for header in headers]
    _sheet(ws, "重点工作台账", extra_headers)
    wrap = xlsx.style(ws, alignment=WRAP)
    rows = 1
    for pk, row in task_rows(tasks):
        for headers, values in extra:
            row += values.get(pk, [""] * len(headers))
        xlsx.append_row(ws, row, style=wrap)
        rows += 1
    width = len(HEADERS) + len(extra_headers)
    ws.auto_filter.ref = f"A1:{get_column_letter(width)}{rows}"
    return workbook


def build_template(year=None):
    """The empty import template: headers on the first sheet, an example on the second."""
    year = year or dt.date.today().year
    workbook = Workbook()
    _sheet(workbook.active, "重点工作台账")
    example = workbook.create_sheet("填写示例")
    _sheet(example, "填写示例")
    xlsx.append_row(
        example,
        [
            "MS-01",
            "街道民生实事项目",
            "老旧小区综合改造",
            "完成3个小区改造，惠及居民2327户",
            3,
            "个",
            "城建中心",
            "社区管理办公室、东苑居民区",
            "张建华",
            f"{year}-12-31",
            "3月底前：完成方案设计\n6月底前：完成招投标\n9月底前：主体完工",
        ],
        alignment=WRAP,
    )
    notes = [
        "填写说明：",
        "1. 表头按名称识别，列的顺序可调整，多余的列会被忽略；红色表头为必填列。",
        "2. 编号在同一年度内不可重复；再次导入同一编号将更新该事项，不会重复新增。",
        "3. 协同单位可用顿号、逗号、分号或换行分隔。",
        "4. 完成时限可写 2022-12-31、2022/12/31、2022年12月31日、12月31日、12月底，或设为日期格式。",
        "5. 节点计划每行或每个“；”写一个节点，以日期开头，如“3月底前：完成方案设计”。",
        "6. 量化指标填数字（如 3），指标单位填“个”“户”“万元”等；系统按量化指标和完成时限计算序时进度。"
        "没有量化指标的事项两列都留空。",
    ]
    for offset, text in enumerate(notes):
        xlsx.set_value(example.cell(row=4 + offset, column=1), text)
    validation = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="30")
    validation.add("A2:A2000")
    workbook.active.add_data_validation(validation)
    return workbook
