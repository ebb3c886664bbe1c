"""A month's vocabulary: which tasks a lead unit must report on in a month.

THE RULE (one home; the batch sheet, the reporting board, 工作台 and the reminders ask here)

A task must be reported on in month M when
- it is a task of M's year and its lead unit is active;
- it is not a 交办事项 assigned after M ends;
- it is not already completed: its latest judgement of a month BEFORE M is 已完成,
  unless the office reopened it for M (M's own judgement exists and is not 已完成).

A task completed in M itself stays on M's sheet (its report for M is what completed
it); from M+1 on it is not asked again. The office reopens a completed task with
`reopen` (重新打开), which records M's judgement as 推进正常 with the reason, so the
unit reports on it again from M.
"""

from django.db.models import OuterRef, Q, Subquery

from duban.core.periods import Period
from duban.ledger.models import KeyTask
from duban.progress.models import Judgement, Status


def _month(period):
    return period if isinstance(period, Period) else Period.parse(str(period))


def tasks_to_report(period, tasks=None):
    """The tasks (a KeyTask queryset, narrowed from `tasks` when given) whose lead unit
    must report on them for the month `period` (a Period or "2022-07").

    Two subqueries, whatever the number of tasks; callers may filter further
    (`.filter(lead_unit=unit)`) or add select_related.
    """
    period = _month(period)
    base = KeyTask.objects.all() if tasks is None else tasks
    before = Judgement.objects.filter(task=OuterRef("pk"), period__lt=period.key).order_by(
        "-period", "-as_of", "-pk"
    )
    this_month = Judgement.objects.filter(task=OuterRef("pk"), period=period.key)
    return (
        base.filter(year=period.year, lead_unit__active=True)
        .exclude(assigned_on__gt=period.end)
        .annotate(
            completed_before=Subquery(before.values("status")[:1]),
            status_this_month=Subquery(this_month.values("status")[:1]),
        )
        .filter(
            Q(completed_before__isnull=True)
            | ~Q(completed_before=Status.COMPLETED)
            | (Q(status_this_month__isnull=False) & ~Q(status_this_month=Status.COMPLETED))
        )
    )


def completed_earlier(period, tasks):
    """Tasks of `tasks` for M's year not asked in M because they were completed before
    (the batch sheet lists them, the board offers 重新打开 on them)."""
    period = _month(period)
    asked = tasks_to_report(period, tasks).values("pk")
    return (
        tasks.filter(year=period.year, lead_unit__active=True)
        .exclude(assigned_on__gt=period.end)
        .exclude(pk__in=asked)
    )


def reopen(task, period, reason, user):
    """重新打开: the office asks the unit to report on a completed task again from `period`.

    Kept as the month's judgement 推进正常 (人工调整, with the reason), so the figures,
    the ledger and the history all show it."""
    from duban.progress.judging import override

    reason = (reason or "").strip()
    if not reason:
        raise ValueError("重新打开须填写理由")
    return override(task, _month(period).key, Status.ON_TRACK, f"重新打开：{reason}", user)
