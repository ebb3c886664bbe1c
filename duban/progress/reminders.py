"""催报 and 催办 of the monthly reports: who is reminded of what, on which day.
`duban remind` sends them through duban.notify, which this module registers with
(`MonthlyReminders`).

The rules (党政办's 填报与研判规则, `ProgressRules`; see docs/reminders.md):

- Reminders go out on working days only (`duban.core.workdays.Calendar`: official
  holidays, 调休 working weekends and the office's overrides).
- The month reported in month M is M itself; its deadline is
  `duban.progress.deadlines.submission_deadline`.
- 催报（截止前） `report_due`: a lead unit with tasks not yet reported for the month,
  from `remind_before_workdays` working days before the deadline through the
  deadline day itself.
- 催报（已逾期） `report_late`: every working day after the deadline, until the end
  of the month in which the deadline falls (then the next month's report takes over).
- 催办（红灯） `red_light`: every working day, the lead unit of each task whose latest
  judgement (研判) is red.
- What counts as reported and which tasks must report are the month's vocabulary
  (`duban.progress.month`: `reported`, `tasks_to_report`).
- Recipients: the unit's 单位填报员 and 单位负责人 (active accounts).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duban.core.dates import chinese_date
from duban.core.periods import Period
from duban.notify.recipients import unit_people
from duban.notify.registry import Reminder, ReminderSource
from duban.org import roles as R
from duban.progress import month as M
from duban.progress.deadlines import submission_deadline
from duban.progress.models import Judgement, Light, ProgressRules


class Kind(models.TextChoices):
    REPORT_DUE = "report_due", _("催报（截止前）")
    REPORT_LATE = "report_late", _("催报（已逾期）")
    RED_LIGHT = "red_light", _("催办（红灯）")
    REPORT_URGE = "report_urge", _("催报（党政办从报送看板发出）")


RECIPIENT_ROLES = (R.REPORTER, R.UNIT_HEAD)
KIND_ORDER = {Kind.REPORT_DUE: 0, Kind.REPORT_LATE: 1, Kind.RED_LIGHT: 2, Kind.REPORT_URGE: 3}


def report_kind(today, deadline, calendar, remind_before_workdays):
    """Which 催报 a unit with unreported tasks gets today for a month due on `deadline`,
    or None. Pure: no database."""
    if not calendar.is_workday(today):
        return None
    if today <= deadline:
        if calendar.workdays_between(today, deadline) <= remind_before_workdays:
            return Kind.REPORT_DUE
        return None
    if (today.year, today.month) == (deadline.year, deadline.month):
        return Kind.REPORT_LATE
    return None


@dataclass
class Item:
    """One task in a reminder."""

    task_id: int
    code: str
    title: str
    period: Period
    deadline: dt.date | None = None  # 催报: the month's deadline
    late_workdays: int = 0  # 催报（已逾期）: working days past the deadline

    @property
    def line(self):
        return f"· {self.code} {self.title}"


@dataclass
class Wording:
    """The words of one unit's reminder of one kind (title, body, link), from its items."""

    kind: str
    unit: object
    items: list = field(default_factory=list)

    def _groups(self):
        """Items by (period, deadline), in order: a reminder seldom spans two months."""
        groups = {}
        for item in self.items:
            groups.setdefault((item.period, item.deadline), []).append(item)
        return sorted(groups.items(), key=lambda pair: pair[0][0])

    @property
    def title(self):
        if self.kind == Kind.RED_LIGHT:
            return f"【督办】催办：{self.unit.name}有 {len(self.items)} 项重点工作亮红灯"
        (period, deadline), _items = self._groups()[0]
        if self.kind == Kind.REPORT_LATE:
            return f"【督办】催报：{self.unit.name}{period.label}重点工作进展逾期未报"
        return (
            f"【督办】催报：{self.unit.name}{period.label}重点工作进展"
            f"请于{chinese_date(deadline, year=False, weekday=True)}前报送"
        )

    @property
    def body(self):
        lines = [f"{self.unit.name}："]
        if self.kind == Kind.RED_LIGHT:
            lines.append(
                "以下由你单位牵头的重点工作最新研判为红灯，请抓紧推进，"
                "并在进展填报中说明滞后原因和下步措施："
            )
            lines += [f"{item.line}（{item.period.label}研判）" for item in self.items]
            return "\n".join(lines)
        for (period, deadline), items in self._groups():
            if self.kind == Kind.REPORT_LATE:
                lines.append(
                    f"{period.label}重点工作进展的报送截止日期为{chinese_date(deadline, weekday=True)}，"
                    f"已逾期 {items[0].late_workdays} 个工作日，以下 {len(items)} 项仍未报送："
                )
            else:
                lines.append(
                    f"{period.label}重点工作进展的报送截止日期为{chinese_date(deadline, weekday=True)}，"
                    f"以下 {len(items)} 项尚未报送："
                )
            lines += [item.line for item in items]
        lines.append("请登录督办系统，在「进展填报」中报送。")
        return "\n".join(lines)

    @property
    def url(self):
        """Where the reminder leads, as a path on this site."""
        if self.kind == Kind.RED_LIGHT:
            if len(self.items) == 1:
                return reverse("ledger:detail", args=[self.items[0].task_id])
            return reverse("ledger:list")
        return f"{reverse('progress:batch')}?period={self._groups()[0][0][0].key}"

    @property
    def summary(self):
        """What the reminder log keeps of a successful send."""
        return f"{self.title}：" + "、".join(item.code for item in self.items)


# ----- who is reminded of what -----


def _active_tasks(period):
    """The tasks a lead unit answers for in `period` (`month.tasks_to_report`), with their
    latest judgement."""
    latest = Judgement.objects.filter(task=OuterRef("pk"), period__lte=period.key).order_by(
        "-period", "-as_of", "-pk"
    )
    return list(
        M.tasks_to_report(period)
        .select_related("lead_unit")
        .annotate(
            latest_light=Subquery(latest.values("light")[:1]),
            latest_period=Subquery(latest.values("period")[:1]),
        )
        .order_by("code", "pk")
    )


def plan(today, calendar, rules, warnings=None):
    """The reminders due today, each with its recipients. Reads, never writes."""
    if not calendar.is_workday(today):
        return []
    wordings = {}

    def add(task, kind, item):
        key = (task.lead_unit_id, kind)
        if key not in wordings:
            wordings[key] = Wording(kind, task.lead_unit)
        wordings[key].items.append(item)

    current = Period.containing(today)
    upcoming = current.next()
    # The previous month's deadline may have moved into this month, and a small
    # submission_day puts next month's deadline within reach of its reminders.
    for period in (current.previous(), current, upcoming):
        deadline = submission_deadline(period, calendar, rules)
        kind = report_kind(today, deadline, calendar, rules.remind_before_workdays)
        if kind is None:
            continue
        late = calendar.workdays_between(deadline, today) if kind == Kind.REPORT_LATE else 0
        reported = set(M.reported(period).values_list("task_id", flat=True))
        for task in _active_tasks(period):
            if task.pk not in reported:
                add(task, kind, Item(task.pk, task.code, task.title, period, deadline, late))

    for task in _active_tasks(current):
        if task.latest_light == Light.RED:
            add(
                task,
                Kind.RED_LIGHT,
                Item(task.pk, task.code, task.title, Period.parse(task.latest_period)),
            )

    ordered = sorted(
        wordings.values(),
        key=lambda w: (w.unit.office_id, w.unit.order, w.unit.name, KIND_ORDER[w.kind]),
    )
    people = unit_people({w.unit.pk for w in ordered}, RECIPIENT_ROLES)
    return [
        Reminder(
            kind=w.kind,
            kind_label=str(Kind(w.kind).label),
            unit=w.unit,
            title=w.title,
            body=w.body,
            url=w.url,
            summary=w.summary,
            items=w.items,
            recipients=people.get(w.unit.pk, []),
        )
        for w in ordered
    ]


class MonthlyReminders(ReminderSource):
    """催报 and 红灯催办, planned on 党政办's 填报与研判规则."""

    kinds = {value: str(label) for value, label in Kind.choices}

    def plan(self, today, calendar, warnings):
        return plan(today, calendar, ProgressRules.current(), warnings)
