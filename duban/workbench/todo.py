"""工作台: what needs each person now, as plain query functions.

Every list starts from `KeyTask.objects.visible_to(user)` or
`Submission.objects.visible_to(user)`, so the page can never show another unit's
work. Each function runs a fixed number of queries whatever the number of rows
(related rows are joined or prefetched, never fetched per row).

- 单位填报员 / 单位负责人: tasks the unit leads still to report this month (no report,
  or a draft or returned one), returned reports with the comment that sent them back,
  red tasks of the unit; the head also sees reports waiting for his approval.
- 督查管理员: reports waiting for review, red tasks in scope, lagging 年度重点工作 by
  category, units that have not reported this month.
- 领导 / 只读: red and lagging tasks, counts per status of the latest judged month
  (年度重点工作 only, as the dashboard counts them; the page says so).
- 民生诉求: the office sees its inbox by stage (待分单, 已超期 …), a unit its 待领单 and
  办理中 (how many past their deadline), a 网格员 the requests they filed lately; each
  count is the length of the list it links to (`tickets.worklists`).
- everyone: the latest unread notifications.
"""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.utils import timezone

from duban.core.periods import Period
from duban.core.workdays import Calendar
from duban.ledger.models import KeyTask
from duban.notify.models import Notification
from duban.org import roles as R
from duban.progress import month as M
from duban.progress.models import Judgement, Light, Review, Status, Submission
from duban.supervision.models import Notice
from duban.tickets import services as ticket_services
from duban.tickets import worklists

State = Submission.State
RETURN_ACTIONS = (Review.Action.RETURN, Review.Action.HEAD_RETURN)
LIST_LIMIT = 10
FILED_LIMIT = 5
NOTIFICATION_LIMIT = 5
TASK_ORDER = ["category__order", "code", "pk"]


def current_period(today=None):
    return Period.containing(today or timezone.localdate())


def judged_tasks(tasks, period, **conditions):
    """Judgements of `period` for `tasks` matching `conditions`, each with its task."""
    return (
        Judgement.objects.filter(task__in=tasks, period=period.key, **conditions)
        .select_related("task", "task__lead_unit", "task__category")
        .order_by("task__category__order", "task__code", "task_id")
    )


def unit_to_report(user, unit, period):
    """Tasks the unit leads that still need this month's report, with the report's state."""
    state = Submission.objects.filter(task=OuterRef("pk"), period=period.key).values("state")[:1]
    return (
        M.not_reported(period, KeyTask.objects.visible_to(user).filter(lead_unit=unit))
        .annotate(report_state=Subquery(state))
        .select_related("category")
        .order_by(*TASK_ORDER)
    )


def returned_submissions(user, unit):
    """The unit's returned reports; `return_reviews` holds the returns, oldest first."""
    return (
        Submission.objects.visible_to(user)
        .filter(unit=unit, state=State.RETURNED)
        .select_related("task")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(action__in=RETURN_ACTIONS).select_related("actor"),
                to_attr="return_reviews",
            )
        )
        .order_by("-period", "task__code")
    )


def pending_head(user, unit):
    return (
        Submission.objects.visible_to(user)
        .filter(unit=unit, state=State.PENDING_HEAD)
        .select_related("task", "submitted_by")
        .order_by("period", "task__code")
    )


def waiting_for_review(user):
    return (
        Submission.objects.visible_to(user)
        .filter(state=State.SUBMITTED)
        .select_related("task", "unit")
        .order_by("submitted_at", "period", "task__code")
    )


def lagging_by_category(tasks, period):
    """[(category name, count)] of lagging tasks in `period`, biggest first."""
    rows = (
        Judgement.objects.filter(task__in=tasks, period=period.key, status=Status.LAGGING)
        .values("task__category__name", "task__category__order")
        .annotate(n=Count("id"))
        .order_by("task__category__order")
    )
    return [(row["task__category__name"] or "未分类", row["n"]) for row in rows]


def units_not_reported(tasks, period):
    """[{unit, missing}] of lead units with tasks that must report `period` and have not
    (`month.not_reported`: the same tasks the reminders chase)."""
    rows = (
        M.not_reported(period, tasks)
        .order_by()
        .values("lead_unit_id", "lead_unit__name", "lead_unit__order")
        .annotate(missing=Count("id"))
        .order_by("lead_unit__order", "lead_unit__name")
    )
    return [{"unit": row["lead_unit__name"], "missing": row["missing"]} for row in rows]


def status_counts(tasks, period):
    """{status: count} for `period`, every status present (0 when none)."""
    counts = dict(
        Judgement.objects.filter(task__in=tasks, period=period.key)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices]


def unit_notices(user, unit):
    """督办单 out with the unit (to sign or reply), reply dates first."""
    return (
        Notice.objects.visible_to(user)
        .filter(unit=unit, state__in=Notice.ACTIVE_STATES)
        .select_related("task", "ticket")
        .order_by("reply_by", "pk")
    )


def calendar_warnings(today):
    """This year's and next year's calendar gaps (deadlines reach into next year)."""
    return Calendar.load().warnings([today.year, today.year + 1])


def unread_notifications(user):
    return Notification.objects.unread(user)[:NOTIFICATION_LIMIT]


@dataclass
class Workbench:
    """What the 工作台 shows one person; empty parts are simply not shown."""

    period: Period
    unit: object = None
    unit_role: bool = False
    reporter: bool = False
    head: bool = False
    supervisor: bool = False
    overseer: bool = False
    judged: Period | None = None
    to_report: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    pending_head: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    waiting_count: int = 0
    red: list = field(default_factory=list)
    lagging: list = field(default_factory=list)
    lagging_period: Period | None = None
    lagging_by_category: list = field(default_factory=list)
    not_reported: list = field(default_factory=list)
    status_counts: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    calendar_warnings: list = field(default_factory=list)
    #: 民生诉求: [(stage key, label, count)] of the office's inbox / of the unit's lists
    ticket_inbox: list = field(default_factory=list)
    ticket_unit: list = field(default_factory=list)
    #: the unit's open requests past their deadline
    ticket_unit_overdue: int = 0
    ticket_unit_overdue_stage: str = "doing"
    #: a 网格员's latest filed requests, and whether the person may file
    ticket_filed: list = field(default_factory=list)
    ticket_filer: bool = False


def build(user, today=None):
    """The whole 工作台 for `user` on `today`."""
    held = R.roles_of(user)
    profile = R.profile_of(user)
    period = current_period(today)
    bench = Workbench(period=period)
    visible = KeyTask.objects.visible_to(user)
    # counts said to be of 年度重点工作 leave 交办事项 out, as the dashboard and reports do
    annual = visible.filter(kind=KeyTask.Kind.ANNUAL)
    bench.supervisor = R.is_supervisor(user)
    bench.overseer = bool(held & {R.LEADER, R.READONLY})
    unit = profile.unit if profile and profile.unit_id else None
    bench.unit = unit
    bench.unit_role = unit is not None and bool(held & R.SEES_OWN_UNIT)
    bench.head = unit is not None and R.UNIT_HEAD in held

    if bench.unit_role or bench.supervisor or bench.overseer:
        bench.judged = M.latest_judged_month(visible)
    if bench.judged is not None:
        # For unit roles `visible` is already the unit's tasks (lead or partner).
        bench.red = list(judged_tasks(visible, bench.judged, light=Light.RED))

    bench.reporter = unit is not None and bool(held & {R.REPORTER, R.UNIT_HEAD})
    if bench.reporter:
        bench.to_report = list(unit_to_report(user, unit, period))
        bench.returned = list(returned_submissions(user, unit))
        for submission in bench.returned:
            reviews = submission.return_reviews
            submission.return_review = reviews[-1] if reviews else None
        bench.notices = list(unit_notices(user, unit))
    if bench.head:
        bench.pending_head = list(pending_head(user, unit))

    if bench.supervisor:
        waiting = waiting_for_review(user)
        bench.waiting = list(waiting[:LIST_LIMIT])
        bench.waiting_count = waiting.count()
        # This month is judged late in the month: until then the latest judged
        # month is shown, and named as such on the page.
        if bench.judged is not None and bench.judged < period:
            bench.lagging_period = bench.judged
        else:
            bench.lagging_period = period
        bench.lagging_by_category = lagging_by_category(annual, bench.lagging_period)
        bench.not_reported = units_not_reported(visible, period)
        bench.calendar_warnings = calendar_warnings(today or timezone.localdate())

    if bench.overseer and bench.judged is not None:
        bench.lagging = list(judged_tasks(visible, bench.judged, status=Status.LAGGING))
        bench.status_counts = status_counts(annual, bench.judged)

    now = timezone.now()
    if bench.supervisor:
        bench.ticket_inbox = worklists.counts(worklists.INBOX_STAGES, worklists.inbox(user, now))
    if unit is not None and held & ticket_services.UNIT_ROLES:
        lists = worklists.unit_lists(user)
        bench.ticket_unit = worklists.counts(worklists.UNIT_STAGES, lists)
        bench.ticket_unit_overdue = worklists.count(
            ticket_services.overdue(lists["claim"] | lists["doing"], now)
        )
        # the tab the overdue ones are on (a request may pass its deadline unclaimed)
        if bench.ticket_unit_overdue and ticket_services.overdue(lists["claim"], now).exists():
            bench.ticket_unit_overdue_stage = "claim"
    if R.GRID_WORKER in held:
        bench.ticket_filer = ticket_services.may_file(user)
        bench.ticket_filed = list(worklists.filed(user).select_related("category")[:FILED_LIMIT])
        for ticket in bench.ticket_filed:
            ticket.late = ticket.is_overdue(now)

    bench.notifications = list(unread_notifications(user))
    return bench
