"""Progress import (进展导入): the office enters a whole month from one Excel sheet.

Columns, matched by name in any order (extra columns are ignored):
编号 | 进展情况 | 状态 | 滞后原因 | 原因类别 | 下步措施 | 完成值; 编号 and 进展情况 required.

Each row is the office's ACCEPTED judgement of one task of the office and year
for the month:

- the task's Submission for the period is kept as accepted, from the task's
  lead unit, with a new version and a Review row (采纳, "Excel 导入") —
  written by `workflow.accept_imported`;
- the task's Judgement for the period is kept with source IMPORT — written by
  `judging.record_office_statuses`; its status is the row's 状态, or, when 状态
  is blank, the engine's proposal for the task with this row's report counted as
  the month's accepted report. proposed_status, light and flags come from the
  engine — light and flags fitted to the status set, as `judging.judge_period`
  does for an imported judgement (a lagging task never shows green); as_of is
  min(today, end of the month).

The engine's inputs are loaded once for all the tasks (`judging.Proposer`) and the
engine runs once per row, on the row's would-be report held in memory: the preview
shows the judgement the import would write, and writes nothing. A row whose values
equal what is stored changes nothing: no version, no Review, no history row.

    imp = ProgressImport(office, "2022-07", user=None)
    report = imp.preview(path_or_fileobj)   # writes nothing
    report = imp.apply(path_or_fileobj)     # all rows in one transaction, or nothing
"""

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from duban.core import xlsx
from duban.core.bulk import maker
from duban.core.numfmt import AmountError, parse_amount
from duban.core.periods import Period, PeriodError
from duban.core.tabular import Column, RowChange, RowError, TabularImport, cell_text, closest
from duban.ledger.models import KeyTask
from duban.progress import judging, workflow
from duban.progress.models import Judgement, Light, ReasonCategory, Status, Submission

COLUMNS = [
    Column("code", "编号", required=True, aliases=("事项编号",)),
    Column("progress", "进展情况", required=True, aliases=("工作进展", "推进情况", "进展")),
    Column("status", "状态", aliases=("推进状态", "完成状态", "自评状态")),
    Column("reason", "滞后原因", aliases=("滞后原因分析",)),
    Column("reason_category", "原因类别", aliases=("滞后原因类别",)),
    Column("next_steps", "下步措施", aliases=("下一步措施", "下步工作")),
    Column("completed_value", "完成值", aliases=("累计完成值", "完成量")),
]
HEADERS = [c.header for c in COLUMNS]

#: what may be written in 状态 (the template's dropdown offers STATUS_CHOICES; the older
#: words 推进顺利, 顺利, 正常 and 滞后 are still read)
STATUS_WORDS = {
    "已完成": Status.COMPLETED,
    "推进顺利": Status.ON_TRACK,
    "推进正常": Status.ON_TRACK,
    "推进滞后": Status.LAGGING,
    "顺利": Status.ON_TRACK,
    "正常": Status.ON_TRACK,
    "滞后": Status.LAGGING,
}
STATUS_CHOICES = ["已完成", "推进正常", "推进滞后"]
IMPORT_COMMENT = "Excel 导入"


def _name_key(text):
    """Reason-category names compared without spaces and with （）≡ ()."""
    return re.sub(r"\s", "", str(text)).replace("（", "(").replace("）", ")")


def _number_text(value):
    if value is None:
        return ""
    return f"{value.normalize():f}"


class TaskRow(NamedTuple):
    """A task of the office and year as the import reads it."""

    pk: int
    code: str
    title: str
    lead_unit_id: int
    lead_unit_name: str
    target_value: Decimal | None


@dataclass
class Record:
    row: int
    key: str
    task: TaskRow
    progress: str
    status: str  # "" = take the engine's judgement
    reason: str
    reason_category: ReasonCategory | None
    next_steps: str
    completed_value: Decimal | None
    write_submission: bool = False
    write_judgement: bool = False
    submission: Submission | None = None  # the would-be report, when it changes
    result: object = None
    changes: list = field(default_factory=list)


class ProgressImport(TabularImport):
    columns = COLUMNS

    def __init__(self, office, period, *, user=None):
        super().__init__(user=user)
        self.office = office
        self.period = period if isinstance(period, Period) else Period.parse(period)
        if not self.period.is_month:
            raise PeriodError(f"进展按月导入，报送周期应写成 2022-07 这样的月份，收到“{period}”")
        self.period_key = self.period.key

    # --- validation ---------------------------------------------------
    def prepare(self):
        # what a row needs of its task, as plain tuples (2,000 model instances and their
        # units cost more than the rest of the preparation)
        self.tasks = {
            row[1]: TaskRow(*row)
            for row in KeyTask.objects.filter(office=self.office, year=self.period.year)
            .order_by()
            .values_list("pk", "code", "title", "lead_unit_id", "lead_unit__name", "target_value")
        }
        ids = [task.pk for task in self.tasks.values()]
        submissions = Submission.objects.filter(task_id__in=ids, period=self.period_key)
        judgements = Judgement.objects.filter(task_id__in=ids, period=self.period_key)
        if transaction.get_connection().in_atomic_block:
            # applying: a page must not change these rows between our check and our write
            submissions = submissions.select_for_update(of=("self",))
            judgements = judgements.select_for_update(of=("self",))
        self.submissions = {s.task_id: s for s in submissions.select_related("unit")}
        self.new_submission = maker(Submission, period=self.period_key, version=0)
        self.judgements = {j.task_id: j for j in judgements}
        # the engine's inputs for every task of the office and year, loaded once
        self.proposer = judging.Proposer(
            KeyTask.objects.filter(office=self.office, year=self.period.year), self.period
        )
        self.categories = {}
        for category in ReasonCategory.objects.all():
            self.categories[_name_key(category.name)] = category
        self.active_category_names = [c.name for c in self.categories.values() if c.active]
        self.category_names = {c.pk: c.name for c in self.categories.values()}
        # the words of statuses and lights, translated once (not twice for every row)
        self.labels = {value: str(label) for value, label in Status.choices}
        self.labels.update({("light", value): str(label) for value, label in Light.choices})

    def validate_row(self, row, errors):
        values = {key: cell_text(value) for key, value in row.values.items()}
        count = len(errors)

        code = values.get("code", "")
        task = None
        if not code:
            errors.append(RowError(row.number, "编号", "不能为空"))
        else:
            task = self.tasks.get(code)
            if task is None:
                hint = closest(code, list(self.tasks))
                hint_text = f"相近的编号：{'、'.join(hint)}" if hint else "没有相近的编号"
                errors.append(
                    RowError(
                        row.number,
                        "编号",
                        f"{self.office.name}{self.period.year}年台账中没有编号为“{code}”的重点工作（{hint_text}）",
                    )
                )

        progress = values.get("progress", "")
        if not progress:
            errors.append(RowError(row.number, "进展情况", "不能为空"))

        status_text = re.sub(r"\s", "", values.get("status", ""))
        status = ""
        if status_text:
            status = STATUS_WORDS.get(status_text, "")
            if not status:
                errors.append(
                    RowError(
                        row.number,
                        "状态",
                        f"无法识别的状态“{status_text}”，应为 {'、'.join(STATUS_CHOICES)} 之一，"
                        "或留空由系统研判",
                    )
                )

        reason = values.get("reason", "")
        if status == Status.LAGGING and not reason:
            errors.append(RowError(row.number, "滞后原因", "状态为推进滞后时必须填写滞后原因"))

        category = None
        category_name = values.get("reason_category", "")
        if category_name:
            category = self.categories.get(_name_key(category_name))
            if category is None:
                hint = closest(category_name, self.active_category_names)
                hint_text = (
                    f"相近的类别：{'、'.join(hint)}"
                    if hint
                    else f"现有类别：{'、'.join(self.active_category_names)}"
                )
                errors.append(
                    RowError(
                        row.number, "原因类别", f"原因类别“{category_name}”不存在（{hint_text}）"
                    )
                )
            elif not category.active:
                errors.append(RowError(row.number, "原因类别", f"原因类别“{category.name}”已停用"))

        value = self._completed_value(row, task, errors)

        if len(errors) > count:
            return None
        return Record(
            row=row.number,
            key=code,
            task=task,
            progress=progress,
            status=status,
            reason=reason,
            reason_category=category,
            next_steps=values.get("next_steps", ""),
            completed_value=value,
        )

    def _completed_value(self, row, task, errors):
        try:
            value = parse_amount(row.values.get("completed_value"))
        except AmountError as error:
            errors.append(RowError(row.number, "完成值", str(error)))
            return None
        if value is None:
            return None
        if task is not None and task.target_value is None:
            errors.append(
                RowError(
                    row.number,
                    "完成值",
                    f"“{task.code}”没有量化指标，不填完成值（请留空，或先在台账中设置量化指标）",
                )
            )
            return None
        return value

    # --- planning -----------------------------------------------------
    def _submission_values(self, record):
        return {
            "state": Submission.State.ACCEPTED,
            "unit_id": record.task.lead_unit_id,
            "progress": record.progress,
            "self_status": record.status,
            "reason": record.reason,
            "reason_category_id": record.reason_category.pk if record.reason_category else None,
            "next_steps": record.next_steps,
            "completed_value": record.completed_value,
        }

    def _submission_changes(self, submission, record):
        """[(label, before, after)] between a stored submission and a row."""
        after = self._submission_values(record)
        if submission is None:
            return []
        shown = {
            "state": ("填报状态", lambda s: s.get_state_display(), lambda r: "已采纳"),
            "unit_id": ("填报单位", lambda s: s.unit.name, lambda r: r.task.lead_unit_name),
            "progress": ("进展情况", lambda s: s.progress, lambda r: r.progress),
            "self_status": (
                "状态",
                lambda s: s.get_self_status_display() if s.self_status else "",
                lambda r: Submission.SelfStatus(r.status).label if r.status else "",
            ),
            "reason": ("滞后原因", lambda s: s.reason, lambda r: r.reason),
            "reason_category_id": (
                "原因类别",
                lambda s: self.category_names.get(s.reason_category_id, ""),
                lambda r: r.reason_category.name if r.reason_category else "",
            ),
            "next_steps": ("下步措施", lambda s: s.next_steps, lambda r: r.next_steps),
            "completed_value": (
                "完成值",
                lambda s: _number_text(s.completed_value),
                lambda r: _number_text(r.completed_value),
            ),
        }
        changes = []
        for name, wanted in after.items():
            if getattr(submission, name) != wanted:
                label, before_text, after_text = shown[name]
                changes.append((label, str(before_text(submission)), str(after_text(record))))
        return changes

    def _judgement_values(self, record, result):
        status = record.status or result.status
        light, _flags = self.proposer.fitted(record.task, status, result)
        return {
            "status": status,
            "source": Judgement.Source.IMPORT,
            "proposed_status": result.status,
            "light": light,
            "reason": record.reason,
            "reason_category_id": record.reason_category.pk if record.reason_category else None,
        }

    def _judgement_changes(self, judgement, values):
        if judgement is None:
            return [("研判状态", "", self.labels[values["status"]])]
        names = self.category_names
        labels = {
            "status": ("研判状态", lambda v: Status(v).label if v else ""),
            "source": ("研判来源", lambda v: Judgement.Source(v).label if v else ""),
            "proposed_status": ("系统建议状态", lambda v: Status(v).label if v else ""),
            "light": ("预警灯", lambda v: Light(v).label if v else ""),
            "reason": ("研判滞后原因", lambda v: v),
            "reason_category_id": ("研判原因类别", lambda v: names.get(v, "")),
        }
        changes = []
        for name, wanted in values.items():
            current = getattr(judgement, name)
            if current != wanted:
                label, text = labels[name]
                changes.append((label, str(text(current)), str(text(wanted))))
        return changes

    def plan(self, record, report):
        task = record.task
        submission = self.submissions.get(task.pk)
        submission_changes = self._submission_changes(submission, record)
        record.write_submission = submission is None or bool(submission_changes)
        if record.write_submission:
            record.submission = self._would_be(record, submission)
        # the engine, once: on the report this row would leave, or on the stored one
        record.result = self.proposer.propose(task, record.submission)
        values = self._judgement_values(record, record.result)
        judgement_changes = self._judgement_changes(self.judgements.get(task.pk), values)
        record.write_judgement = record.write_submission or bool(judgement_changes)
        # what the preview shows for the row: the judgement it would leave
        outcome = f"{self.labels[values['status']]}（{self.labels['light', values['light']]}）"
        if submission is None:
            report.created.append(RowChange(record.row, record.key, task.title, outcome=outcome))
            return
        record.changes = submission_changes + judgement_changes
        target = report.updated if record.changes else report.unchanged
        target.append(
            RowChange(record.row, record.key, task.title, record.changes, outcome=outcome)
        )

    def _would_be(self, record, submission):
        """The report as the import would keep it, in memory (a copy of the stored one)."""
        values = self._submission_values(record)
        if submission is None:
            return self.new_submission(
                task_id=record.task.pk, submitted_at=timezone.now(), **values
            )
        would_be = copy.copy(submission)
        for name, value in values.items():
            setattr(would_be, name, value)
        would_be.submitted_at = timezone.now()
        return would_be

    # --- writing ------------------------------------------------------
    def write(self, records, report):
        user = self.user if self.user is not None and self.user.is_authenticated else None
        workflow.accept_imported(
            [r.submission for r in records if r.write_submission], user, IMPORT_COMMENT
        )
        judging.record_office_statuses(
            self.period_key,
            [
                judging.OfficeStatus(
                    task_id=r.task.pk,
                    status=r.status or r.result.status,
                    result=r.result,
                    reason=r.reason,
                    reason_category_id=r.reason_category.pk if r.reason_category else None,
                )
                for r in records
                if r.write_judgement
            ],
            self.proposer.loaded.previous,
            as_of=min(timezone.localdate(), self.period.end),
            user=user,
        )
        # A month is judged whole (duban.progress.month): the tasks not in the file get
        # the engine's judgement of the month too.
        imported = [r.task.pk for r in records]
        rest = judging.month_tasks(self.office, self.period.year).exclude(pk__in=imported)
        if rest.exists():  # a file of the whole month leaves nothing to load and judge
            judging.judge_period(
                rest, self.period, as_of=min(timezone.localdate(), self.period.end)
            )


def build_template(office, period):
    """The month's import sheet: one row per task of the office and year, 编号 filled in.

    事项名称, 牵头单位 and 量化指标 are there to orient whoever fills it in; the
    import ignores them as extra columns.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    period = period if isinstance(period, Period) else Period.parse(period)
    tasks = list(
        KeyTask.objects.filter(office=office, year=period.year)
        .select_related("lead_unit", "category")
        .order_by("category__order", "code")
    )
    reasons = list(ReasonCategory.objects.filter(active=True).values_list("name", flat=True))
    # (header, width, read-only look)
    layout = [
        ("编号", 10, False),
        ("事项名称", 32, True),
        ("牵头单位", 14, True),
        ("量化指标", 12, True),
        ("进展情况", 50, False),
        ("状态", 12, False),
        ("滞后原因", 30, False),
        ("原因类别", 26, False),
        ("下步措施", 36, False),
        ("完成值", 10, False),
    ]
    required = {"编号", "进展情况"}
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    readonly_fill = PatternFill("solid", fgColor="EDEDED")
    readonly_font = Font(color="666666")

    workbook = Workbook()
    ws = workbook.active
    ws.title = f"{period.label}进展"
    ws.append(
        [
            xlsx.cell(
                ws,
                name,
                font=Font(bold=True, color="9C0006" if name in required else "000000"),
                fill=header_fill,
                alignment=Alignment(horizontal="center", vertical="center"),
            )
            for name, _, _ in layout
        ]
    )
    for index, (_name, width, _readonly) in enumerate(layout, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for task in tasks:
        values = [task.code, task.title, task.lead_unit.name, task.target_display]
        values += [None] * (len(layout) - len(values))
        ws.append(
            [
                xlsx.cell(ws, value, alignment=wrap, fill=readonly_fill, font=readonly_font)
                if readonly
                else xlsx.cell(ws, value, alignment=wrap)
                for value, (_name, _width, readonly) in zip(values, layout, strict=True)
            ]
        )
    ws.freeze_panes = "C2"
    ws.print_title_rows = "1:1"

    # the dropdown lists live on a hidden sheet: an inline list is limited to 255 characters
    options = workbook.create_sheet("选项")
    xlsx.append_row(options, ["状态", "原因类别"])
    for offset in range(max(len(STATUS_CHOICES), len(reasons))):
        xlsx.append_row(
            options,
            [
                STATUS_CHOICES[offset] if offset < len(STATUS_CHOICES) else None,
                reasons[offset] if offset < len(reasons) else None,
            ],
        )
    options.sheet_state = "hidden"
    last = max(len(tasks) + 1, 500)
    columns = {name: get_column_letter(i) for i, (name, _, _) in enumerate(layout, start=1)}
    sheet = quote_sheetname(options.title)
    lists = [("状态", "A", len(STATUS_CHOICES)), ("原因类别", "B", len(reasons))]
    for name, source_column, size in lists:
        if not size:
            continue
        validation = DataValidation(
            type="list",
            formula1=f"{sheet}!${source_column}$2:${source_column}${size + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{name}不在选项中",
            error=f"请从下拉列表中选择{name}",
        )
        validation.add(f"{columns[name]}2:{columns[name]}{last}")
        ws.add_data_validation(validation)

    notes = workbook.create_sheet("填写说明")
    for text in [
        f"{office.name} {period.label} 重点工作进展导入说明：",
        "1. 表头按名称识别，列的顺序可调整；灰色的事项名称、牵头单位、量化指标仅供对照，导入时忽略。",
        "2. 编号、进展情况必填（红色表头）；没有进展的事项可整行删除。",
        "3. 状态可选 已完成、推进正常、推进滞后；留空则由系统按节点、时限和完成值研判。",
        "4. 状态为推进滞后时必须填写滞后原因，原因类别从下拉列表中选择。",
        "5. 完成值只对有量化指标的事项填写，填数字（累计完成量）。",
        "6. 导入即视为党政办采纳的本月研判结果；同一文件重复导入不会产生任何改动。",
    ]:
        xlsx.append_row(notes, [text])
    notes.column_dimensions["A"].width = 100
    return workbook
