"""The notices' reply dates in the daily reminder run (`duban remind`), registered with
duban.notify in SupervisionConfig.ready (notify imports no app).

On a working day, for each unit with notices out (issued or signed, not replied):
- notice_reply_due: the reply-by date is today or the next working day;
- notice_reply_late: the reply-by date has passed.
One message per unit and kind, listing its notices, to its 单位填报员 and 单位负责人.
"""

from dataclasses import dataclass

from django.urls import reverse

from duban.core.dates import chinese_date
from duban.notify.recipients import unit_people
from duban.notify.registry import Reminder, ReminderSource
from duban.supervision.models import Notice
from duban.supervision.notifying import RECIPIENT_ROLES

DUE, LATE = "notice_reply_due", "notice_reply_late"


@dataclass(frozen=True)
class Item:
    """One notice in a reminder, as `duban remind` lists it (by `code`)."""

    notice_id: int
    code: str
    title: str
    reply_by: object


KINDS = {DUE: "督办单临近答复期限", LATE: "督办单逾期未答复"}


def plan(today, calendar):
    if not calendar.is_workday(today):
        return []
    soon = calendar.add_workdays(today, 1)
    notices = (
        Notice.objects.filter(
            state__in=(Notice.State.ISSUED, Notice.State.SIGNED), reply_by__isnull=False
        )
        .select_related("unit", "task")
        .order_by("unit__order", "unit__name", "reply_by", "pk")
    )
    groups = {}
    for notice in notices:
        if notice.reply_by < today:
            kind = LATE
        elif notice.reply_by <= soon:
            kind = DUE
        else:
            continue
        groups.setdefault((notice.unit_id, kind), (notice.unit, kind, []))[2].append(notice)
    people = unit_people({unit.pk for unit, _k, _n in groups.values()}, RECIPIENT_ROLES)
    found = []
    for unit, kind, items in groups.values():
        title = f"【督办】{KINDS[kind]}：{unit.name} {len(items)} 张督办单"
        lines = [
            f"{unit.name}：",
            f"以下督办单{'已过答复期限，尚未答复' if kind == LATE else '即将到答复期限'}：",
        ]
        lines += [
            f"· {n.get_level_display()} {n.number} {n.task.code} {n.task.title}"
            f"（答复期限 {chinese_date(n.reply_by)}）"
            for n in items
        ]
        lines.append("请登录督办系统，在「督办单」中签收并答复。")
        found.append(
            Reminder(
                kind=kind,
                kind_label=KINDS[kind],
                unit=unit,
                title=title,
                body="\n".join(lines),
                url=reverse("supervision:inbox"),
                summary=title + "：" + "、".join(n.number for n in items),
                items=[
                    Item(n.pk, n.number, f"{n.task.code} {n.task.title}", n.reply_by) for n in items
                ],
                recipients=people.get(unit.pk, []),
            )
        )
    return found


class NoticeReminders(ReminderSource):
    kinds = KINDS

    def plan(self, today, calendar, warnings):
        return plan(today, calendar)
