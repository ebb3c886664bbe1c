"""Ledger import (重点工作台账导入): the office's Excel ledger into key tasks.

The columns are the contract of the ledger issue:
编号 | 类别 | 事项名称 | 工作目标 | 量化指标 | 指标单位 | 牵头单位 | 协同单位 | 责任领导 |
完成时限 | 节点计划 (量化指标 and 指标单位 feed the engine's pace rule; a file without them
leaves a task's target as it is).
Rows update by (office, year, 编号) and never duplicate; a re-import of the
same file changes nothing. Unknown units and categories are errors naming
the closest existing names, unless `create_missing` asks to create them.

    imp = LedgerImport(office, year, user=None, create_missing=False)
    report = imp.preview(path_or_fileobj)   # writes nothing
    report = imp.apply(path_or_fileobj)     # all rows in one transaction, or nothing
"""

import re
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects

from duban.core import audit
from duban.core.bulk import insert_values
from duban.core.dates import DateParseError, format_date, parse_date
from duban.core.numfmt import AmountError, amount_text, parse_amount
from duban.core.tabular import Column, RowChange, RowError, TabularImport, cell_text, closest
from duban.ledger.milestones import MilestoneParseError, format_milestones, parse_milestones
from duban.ledger.models import Category, KeyTask, Milestone, save_task
from duban.org.models import Unit

COLUMNS = [
    Column("code", "编号", required=True, aliases=("序号编号", "事项编号")),
    Column("category", "类别", required=True, aliases=("项目类别", "工作类别")),
    Column("title", "事项名称", required=True, aliases=("工作事项", "项目名称", "重点工作")),
    Column("goal", "工作目标", aliases=("目标任务",)),
    Column("target_value", "量化指标", aliases=("目标值", "指标值", "量化目标")),
    Column("target_unit", "指标单位", aliases=("计量单位",)),
    Column("lead_unit", "牵头单位", required=True, aliases=("责任单位", "牵头部门")),
    Column("partner_units", "协同单位", aliases=("配合单位", "协同部门")),
    Column("leader", "责任领导", aliases=("分管领导",)),
    Column("deadline", "完成时限", aliases=("完成时间", "时间节点")),
    Column("milestones", "节点计划", aliases=("节点安排", "推进计划")),
]
HEADERS = [c.header for c in COLUMNS]

PARTNER_SPLIT = re.compile(r"[、，,;；\n\r]+")

LIMITS = {"code": 30, "title": 200, "leader": 50, "target_unit": 20}
# Names the import may create, and milestone texts: PostgreSQL refuses longer ones.
NAME_LIMIT = 100
MILESTONE_LIMIT = 300


@dataclass
class Record:
    row: int
    key: str
    category: str
    title: str
    goal: str
    lead_unit: str
    partner_units: list
    leader: str
    deadline: object
    milestones: list = field(default_factory=list)
    target_value: object = None
    target_unit: str = ""
    has_target: bool = True  # False: the file has no 量化指标 column, keep what is stored


def guess_unit_kind(name):
    if name.endswith(("居民区", "社区", "村")):
        return Unit.Kind.COMMUNITY
    if name.startswith("区") or name.endswith(("委", "局")):
        return Unit.Kind.DISTRICT_DEPT
    return Unit.Kind.DEPARTMENT


class LedgerImport(TabularImport):
    columns = COLUMNS
    # what the person can do about an unknown unit, in the words of where they import from
    # (the command line sets its option's name)
    create_hint = "如需新建，请勾选“自动创建缺失的单位和类别”"

    def __init__(self, office, year, *, user=None, create_missing=False):
        super().__init__(user=user)
        self.office = office
        self.year = int(year)
        self.create_missing = create_missing

    # --- validation ---------------------------------------------------
    def prepare(self):
        self.category_names = Category.objects.names_for(self.office, self.year)
        units = Unit.objects.filter(office_id__in=self.office.lineage_ids()).select_related(
            "office"
        )
        self.units = {}
        # the office's own unit wins over a same-named unit of the district above it
        for unit in sorted(units, key=lambda u: u.office_id != self.office.pk):
            self.units.setdefault(unit.name, unit)
        tasks = KeyTask.objects.filter(office=self.office, year=self.year)
        self.existing = {task.code: task for task in tasks.select_related("category", "lead_unit")}
        # what plan() compares, as plain values in two queries (prefetching thousands of
        # units and milestones as model instances cost more than the rest of a re-import)
        self.partner_names, self.milestone_rows = {}, {}
        Through = KeyTask.partner_units.through
        for task_id, name in Through.objects.filter(keytask__in=tasks).values_list(
            "keytask_id", "unit__name"
        ):
            self.partner_names.setdefault(task_id, []).append(name)
        for row in (
            Milestone.objects.filter(task__in=tasks)
            .order_by("task_id", "order", "due", "pk")
            .values_list("task_id", "due", "description")
        ):
            self.milestone_rows.setdefault(row[0], []).append(row[1:])
        self.new_units = []
        self.new_categories = []

    def _unit(self, name, row, label, errors):
        unit = self.units.get(name)
        if unit is not None:
            if not unit.active:
                errors.append(RowError(row.number, label, f"单位“{name}”已停用"))
            return
        if name in self.new_units:
            return
        if self.create_missing:
            if len(name) > NAME_LIMIT:
                errors.append(RowError(row.number, label, f"单位名称超过 {NAME_LIMIT} 个字"))
                return
            self.new_units.append(name)
            return
        hint = closest(name, list(self.units))
        hint_text = f"相近的单位：{'、'.join(hint)}" if hint else "系统中没有相近的单位"
        errors.append(
            RowError(
                row.number,
                label,
                f"单位“{name}”不存在（{hint_text}）；{self.create_hint}",
            )
        )

    def validate_row(self, row, errors):
        values = {key: cell_text(value) for key, value in row.values.items()}
        count = len(errors)

        def required(key, label):
            if not values.get(key):
                errors.append(RowError(row.number, label, "不能为空"))

        required("code", "编号")
        # a task kept without a category (a 交办事项 entered on the page) comes back from
        # its export with an empty 类别: that changes nothing, so it is not an error
        existing = self.existing.get(values.get("code", ""))
        if existing is None or existing.category_id is not None:
            required("category", "类别")
        required("title", "事项名称")
        required("lead_unit", "牵头单位")
        for key, limit in LIMITS.items():
            if len(values.get(key, "")) > limit:
                label = next(c.header for c in COLUMNS if c.key == key)
                errors.append(RowError(row.number, label, f"超过 {limit} 个字"))

        category = values.get("category", "")
        if category and category not in self.category_names and category not in self.new_categories:
            if self.create_missing and len(category) > NAME_LIMIT:
                errors.append(RowError(row.number, "类别", f"类别名称超过 {NAME_LIMIT} 个字"))
            elif self.create_missing:
                self.new_categories.append(category)
            else:
                hint = closest(category, self.category_names)
                hint_text = (
                    f"相近的类别：{'、'.join(hint)}"
                    if hint
                    else f"{self.year}年的类别有：{'、'.join(self.category_names)}"
                )
                errors.append(
                    RowError(row.number, "类别", f"类别“{category}”不存在（{hint_text}）")
                )

        lead = values.get("lead_unit", "")
        if lead:
            self._unit(lead, row, "牵头单位", errors)
        partners = []
        for name in PARTNER_SPLIT.split(values.get("partner_units", "")):
            name = name.strip()
            if name and name != lead and name not in partners:
                partners.append(name)
                self._unit(name, row, "协同单位", errors)

        try:
            deadline = parse_date(row.values.get("deadline"), self.year)
        except DateParseError as exc:
            errors.append(RowError(row.number, "完成时限", str(exc)))
            deadline = None
        try:
            milestones = parse_milestones(values.get("milestones"), self.year)
        except MilestoneParseError as exc:
            errors.append(RowError(row.number, "节点计划", str(exc)))
            milestones = []
        for number, (_due, text) in enumerate(milestones, start=1):
            if len(text) > MILESTONE_LIMIT:
                errors.append(
                    RowError(row.number, "节点计划", f"第{number}个节点超过 {MILESTONE_LIMIT} 个字")
                )

        target_unit = values.get("target_unit", "")
        try:
            target_value = parse_amount(row.values.get("target_value"))
        except AmountError as exc:
            errors.append(RowError(row.number, "量化指标", str(exc)))
            target_value = None
        else:
            if target_unit and target_value is None and "target_value" in row.values:
                errors.append(
                    RowError(
                        row.number,
                        "量化指标",
                        f"填了指标单位“{target_unit}”，请同时填写量化指标（数字）",
                    )
                )

        if len(errors) > count:
            return None
        return Record(
            row=row.number,
            key=values["code"],
            category=category,
            title=values["title"],
            goal=values.get("goal", ""),
            lead_unit=lead,
            partner_units=partners,
            leader=values.get("leader", ""),
            deadline=deadline,
            milestones=milestones,
            target_value=target_value,
            target_unit=target_unit,
            has_target="target_value" in row.values,
        )

    # --- planning -----------------------------------------------------
    def current_values(self, task):
        return {
            "category": task.category.name if task.category_id else "",
            "title": task.title,
            "goal": task.goal,
            "target_value": amount_text(task.target_value),
            "target_unit": task.target_unit,
            "lead_unit": task.lead_unit.name,
            "partner_units": "、".join(sorted(self.partner_names.get(task.pk, ()))),
            "leader": task.leader,
            "deadline": format_date(task.deadline),
            "milestones": format_milestones(self.milestone_rows.get(task.pk, ())),
        }

    @staticmethod
    def record_values(record):
        return {
            "category": record.category,
            "title": record.title,
            "goal": record.goal,
            "target_value": amount_text(record.target_value),
            "target_unit": record.target_unit,
            "lead_unit": record.lead_unit,
            "partner_units": "、".join(sorted(record.partner_units)),
            "leader": record.leader,
            "deadline": format_date(record.deadline),
            "milestones": format_milestones(record.milestones),
        }

    def plan(self, record, report):
        task = self.existing.get(record.key)
        if task is None:
            report.created.append(RowChange(record.row, record.key, record.title))
            return
        before, after = self.current_values(task), self.record_values(record)
        if not record.has_target:
            after["target_value"], after["target_unit"] = (
                before["target_value"],
                before["target_unit"],
            )
        labels = {c.key: c.header for c in COLUMNS}
        changes = [(labels[k], before[k], after[k]) for k in after if before[k] != after[k]]
        target = report.updated if changes else report.unchanged
        target.append(RowChange(record.row, record.key, record.title, changes))
        record.changes = {k for k in after if before[k] != after[k]}

    # --- writing ------------------------------------------------------
    def write(self, records, report):
        # the office's own category wins over a same-named one of the district above it
        usable = Category.objects.ensure_for(self.office, self.year)
        categories = {}
        for category in sorted(usable, key=lambda c: c.office_id != self.office.pk):
            categories.setdefault(category.name, category)
        next_order = max((c.order for c in categories.values()), default=0)
        for name in self.new_categories:
            next_order += 1
            categories[name] = Category.objects.create(
                office=self.office, year=self.year, name=name, order=next_order
            )
            report.created_refs.append(f"类别“{name}”")
        for name in self.new_units:
            self.units[name] = Unit.objects.create(
                office=self.office, name=name, kind=guess_unit_kind(name)
            )
            report.created_refs.append(f"单位“{name}”")

        creating = [r for r in records if r.key not in self.existing]
        updating = [r for r in records if r.key in self.existing and r.changes]
        self._create(creating, categories)
        prefetch_related_objects(
            [self.existing[r.key] for r in updating if "milestones" in r.changes], "milestones"
        )
        for record in updating:
            self._update(self.existing[record.key], record, categories)

    def _fields(self, record, categories):
        fields = {
            "category": categories[record.category] if record.category else None,
            "title": record.title,
            "goal": record.goal,
            "lead_unit": self.units[record.lead_unit],
            "leader": record.leader,
            "deadline": record.deadline,
        }
        if record.has_target:
            fields["target_value"] = record.target_value
            fields["target_unit"] = record.target_unit
        return fields

    def _create(self, records, categories):
        """New tasks, their partner units and milestones by plain INSERTs (COPY on
        PostgreSQL), then their history copied from the tables by SQL: bulk_create and
        model instances cost several times the writing itself (issue 14)."""
        if not records:
            return
        names = [
            "office_id",
            "year",
            "code",
            "category_id",
            "title",
            "goal",
            "lead_unit_id",
            "leader",
            "deadline",
            "target_value",
            "target_unit",
        ]
        office_id, units = self.office.pk, self.units
        insert_values(
            KeyTask,
            names,
            (
                (
                    office_id,
                    self.year,
                    r.key,
                    categories[r.category].pk if r.category else None,
                    r.title,
                    r.goal,
                    units[r.lead_unit].pk,
                    r.leader,
                    r.deadline,
                    r.target_value if r.has_target else None,
                    r.target_unit if r.has_target else "",
                )
                for r in records
            ),
            copy=True,
        )
        ids = dict(
            KeyTask.objects.filter(office=self.office, year=self.year).values_list("code", "pk")
        )
        insert_values(
            KeyTask.partner_units.through,
            ["keytask_id", "unit_id"],
            ((ids[r.key], units[name].pk) for r in records for name in r.partner_units),
            copy=True,
        )
        insert_values(
            Milestone,
            ["task_id", "due", "description", "order"],
            (
                (ids[r.key], due, text, order)
                for r in records
                for order, (due, text) in enumerate(r.milestones, start=1)
            ),
            copy=True,
        )
        new_ids = [ids[r.key] for r in records]
        audit.history_for_ids(KeyTask, new_ids)
        audit.history_for_ids(Milestone, new_ids, column="task_id")

    def _update(self, task, record, categories):
        for name, value in self._fields(record, categories).items():
            setattr(task, name, value)
        if "partner_units" in record.changes:
            save_task(task, [self.units[n] for n in record.partner_units])
        elif record.changes - {"milestones"}:
            task.save()
        if "milestones" in record.changes:
            existing = sorted(task.milestones.all(), key=_ms_key)
            for order, (due, text) in enumerate(record.milestones, start=1):
                if order <= len(existing):
                    milestone = existing[order - 1]
                    if (milestone.due, milestone.description, milestone.order) != (
                        due,
                        text,
                        order,
                    ):
                        milestone.due, milestone.description, milestone.order = due, text, order
                        milestone.save()
                else:
                    Milestone.objects.create(task=task, due=due, description=text, order=order)
            for milestone in existing[len(record.milestones) :]:
                milestone.delete()


def _ms_key(milestone):
    return (milestone.order, milestone.due, milestone.pk)
