"""Indicator import (经济社会指标导入): monthly values and annual targets from Excel or CSV,
on the one tabular import (core/tabular.py).

Columns (指标名称, 年份 required; the rest optional):
指标名称 | 计量单位 | 年份 | 月份 | 本期值 | 上年同期值 | 年度目标 | 备注 | 指标分组 | 统计方式

- A row with 月份 and 本期值 sets that month's value (by indicator, year, month: a
  re-import of the same file changes nothing); a row with neither only sets 年度目标.
- 年度目标, when filled, sets the year's target (rows of one indicator and year must
  agree); an empty 年度目标 keeps the stored one. 上年同期值 and 备注 are the file's
  when their column is present (empty clears), kept when the column is absent.
- An indicator name the office does not have is an error naming the closest ones,
  unless `create_missing` asks to create it (with the row's 计量单位, 指标分组 and
  统计方式, 累计 by default). A 计量单位 that differs from the stored one is an error:
  万元 and 亿元 must not be mixed silently.

    imp = IndicatorImport(office, user=None, create_missing=False)
    report = imp.preview(path_or_fileobj)   # writes nothing
    report = imp.apply(path_or_fileobj)     # all rows in one transaction, or nothing
"""

import re
from dataclasses import dataclass

from duban.core.numfmt import AmountError, amount_text, parse_amount
from duban.core.periods import PeriodError, parse_year
from duban.core.tabular import Column, RowChange, RowError, TabularImport, cell_text, closest
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue

COLUMNS = [
    Column("name", "指标名称", required=True, aliases=("指标", "指标项目", "项目名称")),
    Column("unit", "计量单位", aliases=("单位", "指标单位")),
    Column("year", "年份", required=True, aliases=("年度",)),
    Column("month", "月份", aliases=("月度", "统计月份")),
    Column("value", "本期值", aliases=("本月值", "累计值", "本期数", "数值", "完成值")),
    Column("previous", "上年同期值", aliases=("上年同期", "去年同期", "上年同期数")),
    Column("target", "年度目标", aliases=("目标", "全年目标", "年度目标值")),
    Column("note", "备注", aliases=("说明",)),
    Column("group", "指标分组", aliases=("分组", "指标类别")),
    Column("kind", "统计方式", aliases=("统计口径",)),
]
HEADERS = [c.header for c in COLUMNS]
LABELS = {c.key: c.header for c in COLUMNS}
KIND_WORDS = {"累计": Indicator.Kind.CUMULATIVE, "当月": Indicator.Kind.MONTHLY}
LIMITS = {"name": 100, "unit": 20, "group": 50, "note": 200}
TARGET_ONLY = "年度目标"


@dataclass
class Record:
    row: int
    key: str
    name: str
    unit: str
    year: int
    month: int | None
    value: object
    previous: object
    target: object
    note: str
    group: str
    kind: str
    has_previous: bool
    has_note: bool


def parse_month(raw):
    """1-12 from 7, "7", "07", "7月"; ValueError (Chinese) otherwise."""
    text = cell_text(raw).removesuffix("月").strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 12:
        raise ValueError(f"应为 1-12 的月份，收到“{cell_text(raw)}”")
    return int(text)


class IndicatorImport(TabularImport):
    columns = COLUMNS
    key_label = "指标与月份"
    create_hint = "如需新建，请勾选“自动创建缺失的指标”"

    def __init__(self, office, *, user=None, create_missing=False):
        super().__init__(user=user)
        self.office = office
        self.create_missing = create_missing

    # --- validation ---------------------------------------------------
    def prepare(self):
        self.indicators = {i.name: i for i in Indicator.objects.filter(office=self.office)}
        self.new_indicators = {}  # name → (unit, group, kind) of its first row
        self.targets_seen = {}  # (name, year) → (target, row)

    def validate_row(self, row, errors):
        values = {key: cell_text(value) for key, value in row.values.items()}
        count = len(errors)

        def error(key, message):
            errors.append(RowError(row.number, LABELS[key], message))

        name = re.sub(r"\s+", "", values.get("name", ""))
        if not name:
            error("name", "不能为空")
        for key, limit in LIMITS.items():
            if len(values.get(key, "")) > limit:
                error(key, f"超过 {limit} 个字")

        year = None
        try:
            year = parse_year(values.get("year", "").removesuffix("年"))
        except PeriodError as exc:
            error("year", str(exc))

        month = None
        if values.get("month"):
            try:
                month = parse_month(row.values["month"])
            except ValueError as exc:
                error("month", str(exc))

        amounts = {}
        for key in ("value", "previous", "target"):
            try:
                amounts[key] = parse_amount(row.values.get(key))
            except AmountError as exc:
                error(key, str(exc))
                amounts[key] = None
        if (
            values.get("month")
            and amounts["value"] is None
            and "value" not in _failed(errors, count)
        ):
            error("value", "填了月份，请同时填写本期值")
        if values.get("value") and not values.get("month"):
            error("month", "填了本期值，请同时填写月份")
        if not values.get("month") and not values.get("value") and amounts["target"] is None:
            if "target" not in _failed(errors, count):
                errors.append(
                    RowError(row.number, "", "本行没有月份和本期值，也没有年度目标，无可导入的内容")
                )

        unit = values.get("unit", "")
        kind_text = values.get("kind", "")
        kind = KIND_WORDS.get(kind_text, Indicator.Kind.CUMULATIVE)
        if kind_text and kind_text not in KIND_WORDS:
            error("kind", f"应为“累计”或“当月”，收到“{kind_text}”")
        if name:
            indicator = self.indicators.get(name)
            if indicator is not None:
                if unit and unit != indicator.unit:
                    error(
                        "unit",
                        f"“{unit}”与系统中“{name}”的计量单位“{indicator.unit or '（空）'}”不一致；"
                        "请换算后再导入，或先修改指标的计量单位",
                    )
            elif name in self.new_indicators:
                first_unit = self.new_indicators[name][0]
                if unit and first_unit and unit != first_unit:
                    error("unit", f"“{unit}”与前面行中“{name}”的计量单位“{first_unit}”不一致")
            elif self.create_missing:
                if len(name) <= LIMITS["name"]:
                    self.new_indicators[name] = (unit, values.get("group", ""), kind)
            else:
                hint = closest(name, list(self.indicators))
                hint_text = f"相近的指标：{'、'.join(hint)}" if hint else "系统中没有相近的指标"
                error("name", f"指标“{name}”不存在（{hint_text}）；{self.create_hint}")

        target = amounts["target"]
        if name and year and target is not None:
            seen = self.targets_seen.get((name, year))
            if seen is not None and seen[0] != target:
                error(
                    "target",
                    f"{amount_text(target)}与第{seen[1]}行的{year}年目标{amount_text(seen[0])}不一致",
                )
            elif seen is None:
                self.targets_seen[(name, year)] = (target, row.number)

        if len(errors) > count:
            return None
        key_month = f"{month}月" if month else TARGET_ONLY
        return Record(
            row=row.number,
            key=f"{name} {year}年{key_month}",
            name=name,
            unit=unit,
            year=year,
            month=month,
            value=amounts["value"],
            previous=amounts["previous"],
            target=target,
            note=values.get("note", ""),
            group=values.get("group", ""),
            kind=kind,
            has_previous="previous" in row.values,
            has_note="note" in row.values,
        )

    # --- planning -----------------------------------------------------
    def plan_all(self, records, report):
        known = [i for i in self.indicators.values()]
        self.values = {
            (v.indicator_id, v.year, v.month): v
            for v in IndicatorValue.objects.filter(
                indicator__in=known, year__in={r.year for r in records}
            )
        }
        self.targets = {
            (t.indicator_id, t.year): t
            for t in IndicatorTarget.objects.filter(
                indicator__in=known, year__in={r.year for r in records}
            )
        }
        for name in self.new_indicators:
            report.created_refs.append(f"指标“{name}”")
        target_planned = set()
        for record in records:
            self.plan(record, report, target_planned)

    def plan(self, record, report, target_planned=None):
        indicator = self.indicators.get(record.name)
        changes = []
        record.target_changed = False
        if record.target is not None and (record.name, record.year) not in (target_planned or ()):
            stored = None
            if indicator is not None:
                existing = self.targets.get((indicator.pk, record.year))
                stored = existing.target if existing else None
            if stored != record.target:
                changes.append(
                    (f"{record.year}年目标", amount_text(stored), amount_text(record.target))
                )
                record.target_changed = True
            if target_planned is not None:
                target_planned.add((record.name, record.year))
        title = record.name
        if record.month is None:
            kind = report.updated if changes else report.unchanged
            if indicator is None:
                kind = report.created
            kind.append(RowChange(record.row, record.key, title, changes))
            return
        stored = self.values.get((indicator.pk, record.year, record.month)) if indicator else None
        if stored is None:
            report.created.append(RowChange(record.row, record.key, title, changes))
            record.value_changed = True
            return
        pairs = [("本期值", amount_text(stored.value), amount_text(record.value))]
        if record.has_previous:
            pairs.append(("上年同期值", amount_text(stored.previous), amount_text(record.previous)))
        if record.has_note:
            pairs.append(("备注", stored.note, record.note))
        value_changes = [(label, a, b) for label, a, b in pairs if a != b]
        record.value_changed = bool(value_changes)
        changes = value_changes + changes
        (report.updated if changes else report.unchanged).append(
            RowChange(record.row, record.key, title, changes)
        )

    # --- writing ------------------------------------------------------
    def write(self, records, report):
        order = max((i.order for i in self.indicators.values()), default=0)
        for name, (unit, group, kind) in self.new_indicators.items():
            order += 1
            self.indicators[name] = Indicator.objects.create(
                office=self.office, name=name, unit=unit, group=group, kind=kind, order=order
            )
        user = self.user if self.user is not None and self.user.is_authenticated else None
        for record in records:
            indicator = self.indicators[record.name]
            if record.target_changed:
                IndicatorTarget.objects.update_or_create(
                    indicator=indicator, year=record.year, defaults={"target": record.target}
                )
            if record.month is None or not record.value_changed:
                continue
            stored = self.values.get((indicator.pk, record.year, record.month))
            if stored is None:
                stored = IndicatorValue(indicator=indicator, year=record.year, month=record.month)
            stored.value = record.value
            if record.has_previous or stored.pk is None:
                stored.previous = record.previous
            if record.has_note or stored.pk is None:
                stored.note = record.note
            stored.updated_by = user
            stored.save()


def _failed(errors, since):
    """The column keys of the errors appended since index `since`."""
    headers = {c.header: c.key for c in COLUMNS}
    return {headers.get(e.field) for e in errors[since:]}
