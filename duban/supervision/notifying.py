"""Telling a unit about its notices, through duban.notify's channels.

- A notice issued (下发) reaches the unit's 单位填报员 and 单位负责人 at once: an in-app
  notification written with the notice, in its transaction, and after the commit an
  e-mail to each who has an address and one message to the group robot. A failed
  outside send is logged, never raised: the notice stands. (Not through the daily
  run's claim: its one-per-day key would swallow a unit's second notice of the day.)
- Reply dates are chased by the daily run (`reminders.NoticeReminders`).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from duban.core.dates import chinese_date
from duban.notify import channels
from duban.notify.models import Notification
from duban.notify.recipients import unit_people
from duban.org import roles as R

logger = logging.getLogger("duban.supervision")

RECIPIENT_ROLES = (R.REPORTER, R.UNIT_HEAD)
SIGNATURE = "\n\n（本消息由督办系统自动发送，请勿直接回复。）"


def recipients_of(unit):
    return unit_people({unit.pk}, RECIPIENT_ROLES).get(unit.pk, [])


def issued_message(notice):
    title = f"【督办】{notice.get_level_display()}：{notice.subject}"
    lines = [
        f"{notice.unit.name}：",
        f"党政办向你单位下发{notice.get_level_display()}（{notice.number}）：",
        f"{'督办诉求' if notice.ticket_id else '督办事项'}：{notice.subject}",
        f"督办事由：{notice.reason}",
    ]
    if notice.reply_by:
        lines.append(f"请于{chinese_date(notice.reply_by)}前签收并答复整改措施。")
    return title, "\n".join(lines), reverse("supervision:notice", args=[notice.pk])


def _send_later(label, send):
    def run():
        try:
            send()
        except channels.ChannelError as error:
            logger.warning("%s 发送失败：%s", label, error)

    transaction.on_commit(run)


def tell_unit(notice, today):
    """The unit learns of a notice just issued."""
    return _deliver(notice.unit, *issued_message(notice))


def transferred_message(notice, from_unit):
    title, body, url = issued_message(notice)
    title = f"{title}（随诉求改派转来）"
    body = body.replace(
        f"党政办向你单位下发{notice.get_level_display()}",
        f"诉求由{from_unit}改派至你单位，原{notice.get_level_display()}随转",
        1,
    )
    return title, body, url


def tell_transferred(notice, from_unit):
    """The new unit learns of a notice that followed its request (诉求改派)."""
    return _deliver(notice.unit, *transferred_message(notice, from_unit))


def _deliver(unit, title, body, url):
    people = recipients_of(unit)
    for user in people:
        Notification.objects.create(user=user, title=title[:200], body=body, url=url)
    link = settings.DUBAN_SITE_URL + url if settings.DUBAN_SITE_URL else ""
    text = "\n".join(part for part in (title, body, link) if part)
    addresses = {u.email.strip().lower(): u.email.strip() for u in people if u.email}
    for address in addresses.values():
        _send_later(
            f"{title} → {address}",
            lambda a=address: channels.send_email(a, title, text + SIGNATURE),
        )
    if settings.DUBAN_WEBHOOK_URL:
        _send_later(
            f"{title} → 群机器人",
            lambda: channels.post_webhook(
                settings.DUBAN_WEBHOOK_URL, text, settings.DUBAN_WEBHOOK_KIND
            ),
        )
    return people
