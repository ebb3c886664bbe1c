"""The figures of the quarterly bulletin (督查督办工作通报), one plain dict like the
monthly report's (figures first: the Word file and the JSON render from it alone).

Modelled on shared/reference/4-quarterly-supervision-bulletin-accountability.txt:
一、督查工作开展情况 (special topics with their figures, the categories of key tasks);
二、存在的突出问题 (overdue items); 三、效能问责情况 (the quarter's decisions by level);
四、下步督查重点 (the office's text); 特此通报。

The contract keys (issue 12): period, office, as_of, categories (the monthly report's
shape, counted at the quarter's latest judged month), overall, topics [{name, target,
done, pending}], overdue_items [{code, name, lead_unit, deadline, overdue_days,
status}], notices {issued: {blue, yellow, red}, closed, open}, accountability [{level,
unit, reason, decided_on}], ranking [{unit, score, rank}].

overdue_items: every key task or assigned item not completed as judged in the latest
judged month of the quarter (not after as_of), whose deadline is before as_of, or which
has a milestone dated before as_of not reached as the engine sees milestones
(`status.milestone_met` on the accepted reports up to that month); overdue_days = as_of
− the oldest such date, in calendar days; sorted by overdue_days, most first, then code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from duban.core.numfmt import pct
from duban.core.periods import Period, PeriodError
from duban.ledger.models import KeyTask, Milestone
from duban.progress.models import Judgement, Status, Submission
from duban.progress.month import latest_judged_month
from duban.progress.status import milestone_met
from duban.reports import figures as F
from duban.supervision import ranking as R
from duban.supervision.models import AccountabilityRecord, Level, Notice, Topic

#: the ordinals of a 下步督查重点 of several points (一是……；二是……)
ORDINALS = "一二三四"


def next_focus_draft(figures):
    """下步督查重点 drafted from the bulletin's own figures, for the office to edit: the
    categories lagging most, the overdue items, the notices still open — or, when none
    of these is left, keeping the monthly check. Points run as 一是……；二是…… ."""
    points = []
    lagging = sorted(
        (c for c in figures["categories"] if c["lagging"]),
        key=lambda c: (-c["lag_rate"], -c["lagging"]),
    )[:2]
    if lagging:
        named = "和".join(f"{c['name']}（滞后率{pct(c['lag_rate'])}）" for c in lagging)
        most = "滞后率最高的" if len(lagging) > 1 else ""
        points.append(
            f"把{most}{named}列为督查重点，逐项核实推进滞后的原因，督促牵头单位倒排工期、加快进度"
        )
    overdue = len(figures["overdue_items"])
    if overdue:
        points.append(
            f"对{overdue}项已超过完成时限或节点时间的工作逐项明确整改时限，每半月跟踪一次，完成一项、销号一项"
        )
    still_open = figures["notices"]["open"]
    if still_open:
        points.append(f"在办的{still_open}张督办单跟踪到销号，逾期未答复的依规提出效能问责建议")
    if not points:
        total = figures["overall"]["total"]
        return f"保持对{total}项重点工作的按月督查，对临近完成时限和节点时间的事项提前提醒，防止出现新的滞后。"
    if len(points) == 1:
        return points[0] + "。"
    return "；".join(f"{ORDINALS[i]}是{p}" for i, p in enumerate(points)) + "。"


def _number(value):
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral() else float(value)


class BulletinError(ValueError):
    pass


def _quarter(value):
    period = value if isinstance(value, Period) else Period.parse(str(value))
    if not period.is_quarter:
        raise BulletinError(f"通报按季度生成，请写成 2022Q3；收到“{value}”")
    return period


def overdue_items(office, quarter, as_of):
    """The quarter's overdue items (see the module's docstring)."""
    tasks = KeyTask.objects.filter(office_id__in=office.scope_ids(), year=quarter.year)
    months = [m for m in quarter.months() if m.start <= as_of]
    month = latest_judged_month(tasks, months) if months else None
    if month is None:
        return [], None
    statuses = dict(
        Judgement.objects.filter(task__in=tasks, period=month.key).values_list("task_id", "status")
    )
    open_tasks = {
        task.pk: task
        for task in tasks.select_related("lead_unit").order_by("code")
        if task.pk in statuses and statuses[task.pk] != Status.COMPLETED
    }
    accepted = defaultdict(list)
    for submission in Submission.objects.filter(
        task_id__in=open_tasks,
        state=Submission.State.ACCEPTED,
        period__lte=month.key,
        period__gte=f"{quarter.year}-01",
    ):
        accepted[submission.task_id].append(submission)
    missed = defaultdict(list)
    for milestone in Milestone.objects.filter(task_id__in=open_tasks, due__lt=as_of):
        task = open_tasks[milestone.task_id]
        if not milestone_met(milestone.due, accepted[task.pk], task):
            missed[task.pk].append(milestone.due)
    items = []
    for pk, task in open_tasks.items():
        past_deadline = task.deadline is not None and task.deadline < as_of
        dates = [*missed[pk], *([task.deadline] if past_deadline else [])]
        if not dates:
            continue
        due = min(dates)
        items.append(
            {
                "code": task.code,
                "name": task.title,
                "lead_unit": task.lead_unit.name,
                "deadline": task.deadline.isoformat() if task.deadline else None,
                # the date the days are counted from: the earliest milestone missed, or
                # the deadline (a milestone on the deadline's day is the deadline)
                "due": due.isoformat(),
                "due_is_milestone": not (past_deadline and due == task.deadline),
                "overdue_days": (as_of - due).days,
                "status": str(Status(statuses[pk]).label),
            }
        )
    items.sort(key=lambda item: (-item["overdue_days"], item["code"]))
    return items, month


def quarterly(office, quarter, *, as_of=None, today=None, next_focus=""):
    """The figures of `office`'s bulletin for `quarter` ("2022Q3")."""
    quarter = _quarter(quarter)
    today = today or timezone.localdate()
    if as_of is None:
        # a quarter under way is reported as of today, as the monthly report is: its
        # last day would count days overdue that have not passed yet
        as_of = min(quarter.end, today)
        if as_of < quarter.start:
            raise BulletinError(f"{quarter.label}还没有开始，请选择已经开始的季度")
    if not quarter.start <= as_of:
        raise BulletinError(f"截至日期 {as_of} 早于 {quarter.label}的第一天")
    monthly = F.monthly(office, quarter, today=min(today, as_of))
    overdue, judged = overdue_items(office, quarter, as_of)
    in_quarter = Q(issued_on__gte=quarter.start, issued_on__lte=as_of)
    notices = Notice.objects.filter(office_id__in=office.scope_ids()).exclude(
        state__in=Notice.UNSENT_STATES
    )
    issued = {level: notices.filter(in_quarter, level=level).count() for level in Level.values}
    start = timezone.make_aware(dt.datetime.combine(quarter.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    closed = notices.filter(closed_at__gte=start, closed_at__lte=end).count()
    still_open = (
        notices.filter(issued_on__lte=as_of)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=end))
        .filter(state__in=(*Notice.ACTIVE_STATES, Notice.State.CLOSED))
        .count()
    )
    decisions = (
        AccountabilityRecord.objects.filter(
            office_id__in=office.scope_ids(),
            state=AccountabilityRecord.State.DECIDED,
            decided_on__gte=quarter.start,
            decided_on__lte=as_of,
        )
        .select_related("level", "unit")
        .order_by("level__order", "decided_on", "pk")
    )
    topics = Topic.objects.filter(office_id__in=office.scope_ids(), year=quarter.year)
    try:
        scores, _scheme, _kept = R.ranking(office, quarter.year, as_of)
        ranking = [{"unit": s.unit, "score": float(s.total), "rank": s.rank} for s in scores]
    except ValueError:
        ranking = []  # a scheme that cannot score leaves the ranking out, not the bulletin
    figures = {
        "version": 1,
        "kind": "bulletin",
        "period": quarter.key,
        "period_label": quarter.label,
        "office": {"name": office.name, "kind": office.kind},
        "as_of": as_of.isoformat(),
        "judged_month": judged.key if judged else None,
        "title": f"{office.name}{quarter.label}督查督办工作通报",
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "categories": monthly["categories"],
        "overall": monthly["overall"],
        "topics": [
            {
                "name": t.name,
                "target": _number(t.target_value),
                "done": _number(t.done_value),
                "pending": _number(t.pending_value),
                "unit": t.target_unit,
            }
            for t in topics
        ],
        "overdue_items": overdue,
        "notices": {
            "issued": issued,
            "closed": closed,
            "open": still_open,
        },
        "accountability": [
            {
                "level": str(d.level),
                "unit": d.unit.name,
                "reason": d.reason,
                "decided_on": d.decided_on.isoformat(),
            }
            for d in decisions
        ],
        "ranking": ranking,
        "next_focus": next_focus.strip(),
    }
    if not figures["next_focus"]:
        figures["next_focus"] = next_focus_draft(figures)
    return figures


def parse_quarter(value):
    try:
        return _quarter(value)
    except PeriodError as error:
        raise BulletinError(str(error))
