"""The month's vocabulary, in one place: what counts as reported, who must report a month,
which month a span is counted at, when a task was completed, what state a milestone is
in, and the lag rate. The ledger's month columns, 工作台, the reminders, judging, the
dashboard and the reports all call these functions instead of saying it again.

The rule for a month's figures (one set of figures everywhere):
- a month that has begun to be judged is judged whole: when any judgement of month M is
  written for an office (a report accepted, a month imported, a status adjusted, 研判本月),
  every task of that office and year gets M's judgement — the office's, or the engine's
  (系统研判) until the office confirms or adjusts it (`judging.judge_month`);
- pages and documents count those judgements; a month nobody has judged yet shows 未研判
  on pages, and the monthly report counts the engine's proposals, saying so;
- the month a page opens on, and the month a half-year or a year is counted at, is the
  latest judged month (not after today) — `reference_month`.

Who reports a month (`tasks_to_report`): a task of the month's year whose lead unit is
active, except 交办事项 assigned after the month and tasks already completed — whose latest
judgement of a month BEFORE M is 已完成, unless the office reopened it for M (`reopen`:
M's own judgement exists and is not 已完成). A task completed in M stays on M's sheet;
from M+1 on it is not asked again.
"""

from __future__ import annotations

from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When

from duban.core.numfmt import rate
from duban.core.periods import Period, PeriodError
from duban.ledger.models import KeyTask
from duban.progress.models import Judgement, Status, Submission
from duban.progress.status import milestone_met

State = Submission.State
#: A report has left the unit's hands: waiting for its head, for the office, or accepted.
REPORTED_STATES = (State.PENDING_HEAD, State.SUBMITTED, State.ACCEPTED)

MILESTONE_DONE, MILESTONE_OVERDUE, MILESTONE_OPEN = "已完成", "已逾期", "未到期"


def lag_rate(lagging, total):
    """滞后率 (GLOSSARY): lagging ÷ all tasks counted, in per cent, one decimal, half up;
    None when there is no task. Printed with `numfmt.pct`."""
    return rate(lagging, total)


def reported(period):
    """Submissions of `period` that count as reported."""
    return Submission.objects.filter(period=str(period), state__in=REPORTED_STATES)


def _asked(period):
    """(annotations, condition) of the rule `tasks_to_report` applies to the tasks M may
    ask at all (`_askable`): never judged before M, not 已完成 at the latest judgement
    before M, or reopened for M (M's own judgement exists and is not 已完成)."""
    before = Judgement.objects.filter(task=OuterRef("pk"), period__lt=period.key).order_by(
        "-period", "-as_of", "-pk"
    )
    this_month = Judgement.objects.filter(task=OuterRef("pk"), period=period.key)
    annotations = {
        "completed_before": Subquery(before.values("status")[:1]),
        "status_this_month": Subquery(this_month.values("status")[:1]),
    }
    condition = (
        Q(completed_before__isnull=True)
        | ~Q(completed_before=Status.COMPLETED)
        | (Q(status_this_month__isnull=False) & ~Q(status_this_month=Status.COMPLETED))
    )
    return annotations, condition


def _askable(period):
    """Tasks M may ask at all: of M's year, lead unit active, not assigned after M."""
    return Q(year=period.year, lead_unit__active=True) & ~Q(assigned_on__gt=period.end)


def tasks_to_report(period, tasks=None):
    """The tasks (a KeyTask queryset, narrowed from `tasks` when given) whose lead unit
    must report on them for the month `period` (a Period or "2022-07").

    Two subqueries, whatever the number of tasks; callers may filter further
    (`.filter(lead_unit=unit)`) or add select_related.
    """
    period = _month(period)
    base = KeyTask.objects.all() if tasks is None else tasks
    annotations, condition = _asked(period)
    return base.filter(_askable(period)).annotate(**annotations).filter(condition)


def completed_earlier(period, tasks):
    """Tasks of `tasks` for M's year not asked in M because they were completed before
    (the batch sheet lists them, the board offers 重新打开 on them)."""
    period = _month(period)
    asked = tasks_to_report(period, tasks).values("pk")
    return tasks.filter(_askable(period)).exclude(pk__in=asked)


ASKED, DONE_EARLIER, NOT_ASKABLE = "asked", "done_earlier", "not_askable"


def with_report_state(period, tasks):
    """`tasks` annotated with `report_state`, in one query: ASKED (what `tasks_to_report`
    keeps), DONE_EARLIER (what `completed_earlier` keeps) or NOT_ASKABLE (another year, an
    inactive lead unit, assigned after M) — the same rule, for a page that needs both
    lists (the batch sheet ran it twice)."""
    period = _month(period)
    annotations, condition = _asked(period)
    return tasks.annotate(**annotations).annotate(
        report_state=Case(
            When(~_askable(period), then=Value(NOT_ASKABLE)),
            When(condition, then=Value(ASKED)),
            default=Value(DONE_EARLIER),
            output_field=CharField(),
        )
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


def not_reported(period, tasks=None):
    """Tasks that must report `period` and have not (no report, a draft or a returned one)."""
    return tasks_to_report(period, tasks).exclude(pk__in=reported(period).values("task_id"))


def latest_judged_month(tasks, months=None):
    """The latest month (of `months`, default any) with a judgement of these tasks, or None."""
    judgements = Judgement.objects.filter(task__in=tasks)
    if months is not None:
        judgements = judgements.filter(period__in=[m.key for m in months])
    for key in judgements.order_by("-period").values_list("period", flat=True)[:1]:
        try:
            period = Period.parse(key)
        except PeriodError:
            return None
        return period if period.is_month else None
    return None


def reference_month(tasks, period, today):
    """The month whose judgements a period is counted at: a month is itself; a quarter, a
    half-year or a year is its latest judged month not after today, else its latest month
    so far (its first month when it has not begun)."""
    if period.is_month:
        return period
    months = [m for m in period.months() if m.start <= today]
    if not months:
        return period.months()[0]
    return latest_judged_month(tasks, months) or months[-1]


def opening_month(tasks, today):
    """The month a month picker opens on (填报, 报送看板, 研判本月, and through
    `reading_month` the reports and the dashboard): the current month when some task of
    `tasks` belongs to its year (there is something to report), else the latest month
    not after today with a report or a judgement of `tasks`, else the current month."""
    current = Period.containing(today)
    if tasks.filter(year=current.year).exists():
        return current
    keys = [
        key
        for key in (
            Submission.objects.filter(task__in=tasks, period__lte=current.key)
            .order_by("-period")
            .values_list("period", flat=True)
            .first(),
            Judgement.objects.filter(task__in=tasks, period__lte=current.key)
            .order_by("-period")
            .values_list("period", flat=True)
            .first(),
        )
        if key
    ]
    for key in sorted(keys, reverse=True):
        try:
            period = Period.parse(key)
        except PeriodError:
            continue
        if period.is_month:
            return period
    return current


def reading_month(tasks, today):
    """The month a page that reads judgements opens on (报告, 驾驶舱): in the year of
    `opening_month`, its latest judged month not after today (`reference_month`)."""
    year = opening_month(tasks, today).year
    return reference_month(tasks, Period.parse(str(year)), today)


def default_month(tasks, year, today):
    """The month a page about `year` opens on: the latest judged month of the year, else the
    current month when it lies in the year, else December."""
    latest = latest_judged_month(tasks, Period.parse(str(year)).months())
    if latest:
        return latest
    if today.year == year:
        return Period.containing(today)
    return Period.month(year, 12)


def month_strip(year, judgements, today):
    """[(Period, Judgement or None)] for January up to the current month of `year`
    (every month of a past year, none of a future one)."""
    if year > today.year:
        return []
    last = today.month if year == today.year else 12
    return [
        (period, judgements.get(period.key))
        for period in (Period.month(year, month) for month in range(1, last + 1))
    ]


def completed_period(judgements, submissions):
    """The first month a judgement, or a report sent by the unit, says 已完成; or None."""
    months = [j.period for j in judgements if j.status == Status.COMPLETED]
    months += [
        s.period
        for s in submissions
        if s.self_status == Submission.SelfStatus.COMPLETED and s.state in REPORTED_STATES
    ]
    for key in sorted(months):
        try:
            period = Period.parse(key)
        except PeriodError:
            continue
        if period.is_month:
            return period
    return None


def milestone_state(task, due, accepted, done, today):
    """已完成 when an accepted report keeps the plan up to the milestone (as the engine sees
    it) or the task was said completed by the due date's month; 已逾期 when the due date has
    passed without that; 未到期 otherwise."""
    if milestone_met(due, accepted, task):
        return MILESTONE_DONE
    if done is not None and done.start <= due:
        return MILESTONE_DONE
    if due < today:
        return MILESTONE_OVERDUE
    return MILESTONE_OPEN


def _month(period):
    return period if isinstance(period, Period) else Period.parse(str(period))
