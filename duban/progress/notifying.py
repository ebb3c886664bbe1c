"""Telling people about reports, through duban.notify's channels.

- 退回, 采纳 and 更正 reach the person who submitted the report: an in-app notification
  (written with the decision, in its transaction) and, when the account has an address,
  an e-mail; a 退回 — the one decision the unit must act on — also goes to the group
  robot when one is set. Several reports decided at once (批量采纳) make one message per
  reporter. E-mail and robot are sent after the decision is committed; a failure is
  logged, never raised: the decision stands.
- 催报 from the reporting board reaches the unit's 单位填报员 and 单位负责人 (in-app and
  e-mail) and the group robot, through `notify.reminders.send_now` — the daily run's own
  claim-then-confirm delivery, kind report_urge — so a second click the same day sends
  nothing twice and a failed send is retried by the next.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from duban.core.periods import Period
from duban.notify import channels, reminders
from duban.notify.models import Notification
from duban.notify.recipients import unit_people
from duban.notify.registry import Reminder
from duban.progress.models import Review
from duban.progress.reminders import RECIPIENT_ROLES, Kind

logger = logging.getLogger("duban.progress")

SIGNATURE = "\n\n（本消息由督办系统自动发送，请勿直接回复。）"
WORDS = {
    Review.Action.RETURN: "退回",
    Review.Action.HEAD_RETURN: "退回",
    Review.Action.ACCEPT: "采纳",
    Review.Action.CORRECT: "更正",
}
WHO = {
    Review.Action.RETURN: "党政办",
    Review.Action.HEAD_RETURN: "本单位负责人",
    Review.Action.ACCEPT: "党政办",
    Review.Action.CORRECT: "党政办",
}


def _link(path):
    return settings.DUBAN_SITE_URL + path if settings.DUBAN_SITE_URL else ""


def _send_later(label, send):
    """Run an outside send after the commit; log its failure."""

    def run():
        try:
            send()
        except channels.ChannelError as error:
            logger.warning("%s 发送失败：%s", label, error)

    transaction.on_commit(run)


def _message(action, submissions, comment):
    word = WORDS[action]
    first = submissions[0]
    period = Period.parse(first.period)
    if len(submissions) == 1:
        task = first.task
        title = f"【督办】填报已{word}：{task.code} {task.title}（{period.label}）"
    else:
        title = f"【督办】{period.label}等 {len(submissions)} 项填报已{word}"
    lines = [f"{WHO[action]}{word}了你报送的重点工作进展："]
    lines += [
        f"· {s.task.code} {s.task.title}（{Period.parse(s.period).label}）" for s in submissions
    ]
    if comment:
        label = "更正理由" if action == Review.Action.CORRECT else f"{word}意见"
        lines.append(f"{label}：{comment}")
    if word == "退回":
        lines.append("请在「进展填报」中修改后重新提交。")
        url = f"{reverse('progress:batch')}?period={first.period}"
    elif len(submissions) == 1:
        url = reverse("progress:submission", args=[first.pk])
    else:
        url = f"{reverse('progress:batch')}?period={first.period}"
    return title, "\n".join(lines), url


def tell_reporters(submissions, action, comment=""):
    """One message per reporter about `submissions` just decided with `action`."""
    by_user = {}
    for submission in submissions:
        user = submission.submitted_by
        if user is not None and user.is_active:
            by_user.setdefault(user.pk, (user, []))[1].append(submission)
    for user, theirs in by_user.values():
        title, body, url = _message(action, theirs, comment)
        Notification.objects.create(user=user, title=title[:200], body=body, url=url)
        text = "\n".join(part for part in (title, body, _link(url)) if part)
        if user.email:
            address = user.email.strip()
            _send_later(
                f"{title} → {address}",
                lambda a=address, t=title, x=text: channels.send_email(a, t, x + SIGNATURE),
            )
        if WORDS[action] == "退回" and settings.DUBAN_WEBHOOK_URL:
            _send_later(
                f"{title} → 群机器人",
                lambda x=text: channels.post_webhook(
                    settings.DUBAN_WEBHOOK_URL, x, settings.DUBAN_WEBHOOK_KIND
                ),
            )


# ----- 催报 from the board -----


@dataclass
class UrgeResult:
    sent: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    recipients: int = 0


def recipients_of(unit):
    return unit_people({unit.pk}, RECIPIENT_ROLES).get(unit.pk, [])


def urge(unit, period, tasks, day=None):
    """催报 `unit` about `tasks` (not yet reported for `period`); at most once a day."""
    day = day or timezone.localdate()
    period = period if isinstance(period, Period) else Period.parse(str(period))
    title = f"【督办】催报：请尽快报送{unit.name}{period.label}重点工作进展"
    lines = [
        f"{unit.name}：",
        f"党政办提醒：{period.label}以下 {len(tasks)} 项重点工作进展尚未报送：",
    ]
    lines += [f"· {task.code} {task.title}" for task in tasks]
    lines.append("请登录督办系统，在「进展填报」中报送。")
    body = "\n".join(lines)
    url = f"{reverse('progress:batch')}?period={period.key}"
    detail = f"{title}：" + "、".join(task.code for task in tasks)
    reminder = Reminder(
        kind=Kind.REPORT_URGE,
        kind_label=str(Kind.REPORT_URGE.label),
        unit=unit,
        title=title,
        body=body,
        url=url,
        summary=detail,
        items=list(tasks),
        recipients=recipients_of(unit),
    )
    result = UrgeResult(recipients=len(reminder.recipients))
    for outcome in reminders.send_now(reminder, day):
        target = {reminders.SENT: result.sent, reminders.FAILED: result.failed}
        target.get(outcome.status, result.skipped).append((outcome.channel, outcome.recipient))
    return result
