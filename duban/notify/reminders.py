"""The daily reminder run (`duban remind`): ask every registered source
(`duban.notify.registry`) for today's reminders and send each through in-app
notifications, e-mail and the group robot, logging every send.

Claim first, confirm after: a send is claimed by creating its `ReminderLog` row (unique
per day, kind, unit, channel and recipient; `ok` is None while unconfirmed) before it is
made, and confirmed (`ok=True`) only once the channel accepted it. So:

- a second run the same day skips what is confirmed, and two runs at once cannot both
  make the same send (only one creates or takes over the row);
- a send that failed (`ok=False`) is retried by the next run;
- a claim left unconfirmed by a run that died (kill -9 during a slow webhook) is taken
  over by a later run once it is older than `CLAIM_LEASE`, and the send is made — the
  robot may then see a message twice only if the dead run had delivered it in the very
  moment before dying; a reminder is never silently lost.
In-app notifications are written with their log row in one transaction, so they are
never doubled.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from duban.core.workdays import Calendar
from duban.notify import channels, registry
from duban.notify.models import Notification, ReminderLog

logger = logging.getLogger("duban.notify")

Channel = ReminderLog.Channel
SENT, FAILED, SKIPPED, PLANNED = "sent", "failed", "skipped", "planned"
# An unconfirmed claim older than this belongs to a run that died; a live run finishes a
# send well within it (the channels time out after 10 seconds).
CLAIM_LEASE = dt.timedelta(minutes=5)
SIGNATURE = "\n\n（本邮件由督办系统自动发送，请勿直接回复。）"


def text(reminder):
    """Title, body and (with DUBAN_SITE_URL) a link: what e-mail and robot carry."""
    parts = [reminder.title, reminder.body]
    if settings.DUBAN_SITE_URL:
        parts.append(settings.DUBAN_SITE_URL + reminder.url)
    return "\n".join(parts)


@dataclass
class Outcome:
    reminder: registry.Reminder
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
            channels.send_email(address, reminder.title, text(reminder) + SIGNATURE)

        yield Channel.EMAIL, address, email

    if settings.DUBAN_WEBHOOK_URL:
        kind = settings.DUBAN_WEBHOOK_KIND

        def webhook():
            channels.post_webhook(settings.DUBAN_WEBHOOK_URL, text(reminder), kind)

        # The log names the robot's kind, never its URL: the URL carries the access token.
        yield Channel.WEBHOOK, kind, webhook


def _claim(today, reminder, channel, recipient):
    """The ReminderLog row this run may send under, or None when the send is not ours:
    confirmed already, or claimed by another run that is still within its lease."""
    key = {
        "day": today,
        "kind": reminder.kind,
        "unit": reminder.unit,
        "channel": channel,
        "recipient": recipient,
    }
    now = timezone.now()
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                **key, ok=None, claimed_at=now, detail=reminder.summary
            )
    except IntegrityError:
        pass
    takeover = Q(ok=False) | Q(ok__isnull=True, claimed_at__lt=now - CLAIM_LEASE)
    taken = ReminderLog.objects.filter(takeover, **key).update(
        ok=None, claimed_at=now, detail=reminder.summary
    )
    return ReminderLog.objects.get(**key) if taken else None


def _confirm(log, reminder):
    ReminderLog.objects.filter(pk=log.pk).update(
        ok=True, detail=reminder.summary, sent_at=timezone.now()
    )


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
            log = _claim(today, reminder, channel, recipient)
            if log is None:
                return Outcome(reminder, channel, recipient, SKIPPED)
            send_one()
            _confirm(log, reminder)
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
    _confirm(log, reminder)
    return Outcome(reminder, channel, recipient, SENT)


def send_now(reminder, today, dry_run=False):
    """Deliver one reminder now through every channel, each send claimed and confirmed as
    the daily run does; returns the outcomes. A page that reminds a unit at once (催报 from
    the reporting board) calls this, so a second click the same day sends nothing twice."""
    return [
        _deliver(today, reminder, channel, recipient, send_one, dry_run)
        for channel, recipient, send_one in _deliveries(reminder)
    ]


def plan(today, calendar, warnings=None):
    """Today's reminders of every registered source. Reads, never writes."""
    warnings = [] if warnings is None else warnings
    found = []
    for source in registry.sources():
        found += source.plan(today, calendar, warnings)
    return found


def run(today, calendar=None, send=True):
    """Send (or with send=False, only work out) today's reminders."""
    calendar = calendar or Calendar.load()
    report = RunReport(today=today, workday=calendar.is_workday(today), dry_run=not send)
    report.reminders = plan(today, calendar, report.warnings)
    report.warnings += calendar.warnings()  # years whose working days rest on a fallback
    for reminder in report.reminders:
        report.outcomes += send_now(reminder, today, dry_run=not send)
    return report
