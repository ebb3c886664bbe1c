"""催报 and 催办: who is reminded of what, on which day, through which channels.

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
- A task counts as reported once its Submission for the month is pending_head,
  submitted or accepted; a draft or a returned report does not.
- The tasks concerned are those of the month's year whose lead unit is active, except
  交办事项 assigned after the month and tasks whose latest judgement is 已完成.
- Recipients: the unit's 单位填报员 and 单位负责人 (active accounts). Each gets an in-app
  notification and, when their account has an address, an e-mail; the unit also gets
  one message per kind on the group robot (DUBAN_WEBHOOK_URL) when one is set.

Idempotent within a day: a send is claimed by creating its `ReminderLog` row (unique
per day, kind, unit, channel and recipient) before it is made, so a second run on the
same day sends nothing twice, and two runs at once cannot both send. A send that
failed (ok=False) is claimed again, and so retried, by the next run.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from duban.core.periods import Period
from duban.core.workdays import Calendar, CalendarGapError
from duban.ledger.models import KeyTask
from duban.notify import channels
from duban.notify.models import Notification, ReminderLog
from duban.org import roles as R
from duban.progress.deadlines import submission_deadline
from duban.progress.models import Judgement, Light, ProgressRules, Status, Submission

logger = logging.getLogger("duban.notify")

Kind = ReminderLog.Kind
Channel = ReminderLog.Channel
REPORTED_STATES = (
    Submission.State.PENDING_HEAD,
    Submission.State.SUBMITTED,
    Submission.State.ACCEPTED,
)
RECIPIENT_ROLES = (R.REPORTER, R.UNIT_HEAD)
KIND_ORDER = {Kind.REPORT_DUE: 0, Kind.REPORT_LATE: 1, Kind.RED_LIGHT: 2}
WEEKDAYS = "一二三四五六日"

SENT, FAILED, SKIPPED, PLANNED = "sent", "failed", "skipped", "planned"


def chinese_date(day, year=True):
    text = f"{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"
    return f"{day.year}年{text}" if year else text


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
class Reminder:
    """What one unit is told, of one kind, on one day."""

    kind: str
    unit: object
    items: list = field(default_factory=list)
    recipients: list = field(default_factory=list)

    @property
    def kind_label(self):
        return str(Kind(self.kind).label)

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
            f"请于{chinese_date(deadline, year=False)}前报送"
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
                    f"{period.label}重点工作进展的报送截止日期为{chinese_date(deadline)}，"
                    f"已逾期 {items[0].late_workdays} 个工作日，以下 {len(items)} 项仍未报送："
                )
            else:
                lines.append(
                    f"{period.label}重点工作进展的报送截止日期为{chinese_date(deadline)}，"
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

    def text(self):
        """Title, body and (with DUBAN_SITE_URL) a link: what e-mail and robot carry."""
        parts = [self.title, self.body]
        if settings.DUBAN_SITE_URL:
            parts.append(settings.DUBAN_SITE_URL + self.url)
        return "\n".join(parts)

    @property
    def summary(self):
        """What the reminder log keeps of a successful send."""
        return f"{self.title}：" + "、".join(item.code for item in self.items)


@dataclass
class Outcome:
    reminder: Reminder
    channel: str
    recipient: str
    status: str
    detail: str = ""


@dataclass
class RunReport:
    today: dt.date
    workday: bool
    dry_run: bool
    reminders: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def count(self, status, channel=None):
        return sum(
            1
            for outcome in self.outcomes
            if outcome.status == status and (channel is None or outcome.channel == channel)
        )

    @property
    def sent(self):
        return self.count(SENT)

    @property
    def failed(self):
        return self.count(FAILED)

    @property
    def skipped(self):
        return self.count(SKIPPED)

    @property
    def planned(self):
        return self.count(PLANNED)


# ----- who is reminded of what -----


def _active_tasks(period):
    """The tasks a lead unit answers for in `period`, with their latest judgement."""
    latest = Judgement.objects.filter(task=OuterRef("pk"), period__lte=period.key).order_by(
        "-period", "-as_of", "-pk"
    )
    tasks = (
        KeyTask.objects.filter(year=period.year, lead_unit__active=True)
        .exclude(assigned_on__gt=period.end)
        .select_related("lead_unit")
        .annotate(
            latest_status=Subquery(latest.values("status")[:1]),
            latest_light=Subquery(latest.values("light")[:1]),
            latest_period=Subquery(latest.values("period")[:1]),
        )
        .order_by("code", "pk")
    )
    return [task for task in tasks if task.latest_status != Status.COMPLETED]


def plan(today, calendar, rules, warnings=None):
    """The reminders due today, each with its recipients. Reads, never writes."""
    if not calendar.is_workday(today):
        return []
    reminders = {}

    def add(task, kind, item):
        key = (task.lead_unit_id, kind)
        if key not in reminders:
            reminders[key] = Reminder(kind, task.lead_unit)
        reminders[key].items.append(item)

    current = Period.containing(today)
    upcoming = current.next()
    # The previous month's deadline may have moved into this month, and a small
    # submission_day puts next month's deadline within reach of its reminders.
    for period in (current.previous(), current, upcoming):
        try:
            deadline = submission_deadline(period, calendar, rules)
            kind = report_kind(today, deadline, calendar, rules.remind_before_workdays)
        except CalendarGapError as error:
            if period != upcoming:
                raise
            # Next year's calendar may not be published yet; this month's reminders go on.
            if warnings is not None:
                warnings.append(str(error))
            continue
        if kind is None:
            continue
        late = calendar.workdays_between(deadline, today) if kind == Kind.REPORT_LATE else 0
        reported = set(
            Submission.objects.filter(period=period.key, state__in=REPORTED_STATES).values_list(
                "task_id", flat=True
            )
        )
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

    result = sorted(
        reminders.values(),
        key=lambda r: (r.unit.office_id, r.unit.order, r.unit.name, KIND_ORDER[r.kind]),
    )
    _attach_recipients(result)
    return result


def _attach_recipients(reminders):
    unit_ids = {reminder.unit.pk for reminder in reminders}
    people = {}
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            profile__unit_id__in=unit_ids,
            profile__roles__code__in=RECIPIENT_ROLES,
        )
        .select_related("profile")
        .distinct()
        .order_by("username")
    )
    for user in users:
        people.setdefault(user.profile.unit_id, []).append(user)
    for reminder in reminders:
        reminder.recipients = people.get(reminder.unit.pk, [])


# ----- sending -----


def _deliveries(reminder):
    """(channel, recipient, send) for every message a reminder makes."""
    for user in reminder.recipients:

        def notify(user=user):
            Notification.objects.create(
                user=user, title=reminder.title[:200], body=reminder.body, url=reminder.url
            )

        yield Channel.INAPP, user.username, notify

    addresses = {}
    for user in reminder.recipients:
        if user.email:
            addresses.setdefault(user.email.strip().lower(), user.email.strip())
    for address in addresses.values():

        def email(address=address):
            channels.send_email(address, reminder.title, reminder.text() + SIGNATURE)

        yield Channel.EMAIL, address, email

    if settings.DUBAN_WEBHOOK_URL:
        kind = settings.DUBAN_WEBHOOK_KIND

        def webhook():
            channels.post_webhook(settings.DUBAN_WEBHOOK_URL, reminder.text(), kind)

        # The log names the robot's kind, never its URL: the URL carries the access token.
        yield Channel.WEBHOOK, kind, webhook


SIGNATURE = "\n\n（本邮件由督办系统自动发送，请勿直接回复。）"


def _claim(today, reminder, channel, recipient):
    """The ReminderLog row this run may send under, or None when the send is not ours:
    already made today, or being made by another run."""
    log, created = ReminderLog.objects.get_or_create(
        day=today,
        kind=reminder.kind,
        unit=reminder.unit,
        channel=channel,
        recipient=recipient,
        defaults={"detail": reminder.summary},
    )
    if created:
        return log
    retried = ReminderLog.objects.filter(pk=log.pk, ok=False).update(
        ok=True, detail=reminder.summary
    )
    return log if retried else None


def _deliver(today, reminder, channel, recipient, send_one, dry_run):
    if dry_run:
        done = ReminderLog.objects.filter(
            day=today,
            kind=reminder.kind,
            unit=reminder.unit,
            channel=channel,
            recipient=recipient,
            ok=True,
        ).exists()
        return Outcome(reminder, channel, recipient, SKIPPED if done else PLANNED)
    if channel == Channel.INAPP:
        # The notification and its log row stand or fall together.
        with transaction.atomic():
            if _claim(today, reminder, channel, recipient) is None:
                return Outcome(reminder, channel, recipient, SKIPPED)
            send_one()
        return Outcome(reminder, channel, recipient, SENT)
    log = _claim(today, reminder, channel, recipient)
    if log is None:
        return Outcome(reminder, channel, recipient, SKIPPED)
    try:
        send_one()
    except channels.ChannelError as error:
        detail = str(error)
        ReminderLog.objects.filter(pk=log.pk).update(ok=False, detail=detail)
        logger.warning(
            "%s %s %s → %s 发送失败：%s",
            today,
            reminder.kind,
            reminder.unit.name,
            channel,
            detail,
        )
        return Outcome(reminder, channel, recipient, FAILED, detail)
    return Outcome(reminder, channel, recipient, SENT)


def run(today, calendar=None, rules=None, send=True):
    """Send (or with send=False, only work out) today's 催报 and 催办."""
    calendar = calendar or Calendar.load()
    rules = rules or ProgressRules.current()
    report = RunReport(today=today, workday=calendar.is_workday(today), dry_run=not send)
    report.reminders = plan(today, calendar, rules, report.warnings)
    for reminder in report.reminders:
        for channel, recipient, send_one in _deliveries(reminder):
            report.outcomes.append(
                _deliver(today, reminder, channel, recipient, send_one, dry_run=not send)
            )
    return report
