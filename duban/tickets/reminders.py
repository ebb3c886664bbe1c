"""催办 of resident requests, sent by `duban remind` through notify's registry.

- 诉求即将到期 `ticket_due`: on a working day, a unit holding requests (待领单 or 办理中)
  whose deadline falls before the end of the next working day.
- 诉求已超期 `ticket_overdue`: every working day, a unit holding requests past their
  deadline.
Recipients: the unit's 单位负责人 and 单位填报员 (active accounts).
"""

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.notify.recipients import unit_people
from duban.notify.registry import Reminder, ReminderSource
from duban.org import roles as R
from duban.tickets import flow
from duban.tickets.models import Ticket


class Kind(models.TextChoices):
    DUE = "ticket_due", _("诉求即将到期")
    OVERDUE = "ticket_overdue", _("诉求已超期")


HELD = [flow.State.DISPATCHED.value, flow.State.IN_PROGRESS.value]


def due_tickets(today, calendar):
    """{(unit id, kind): [tickets]} of the requests units hold that are due soon or late."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    next_workday = calendar.add_workdays(today, 1)
    horizon = dt.datetime.combine(next_workday + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    found = {}
    tickets = (
        Ticket.objects.filter(state__in=HELD, deadline__isnull=False, deadline__lt=horizon)
        .select_related("unit")
        .order_by("deadline", "pk")
    )
    for ticket in tickets:
        kind = Kind.OVERDUE if ticket.deadline < start else Kind.DUE
        found.setdefault((ticket.unit_id, kind), []).append(ticket)
    return found


class TicketReminders(ReminderSource):
    kinds = dict(Kind.choices)

    def plan(self, today, calendar, warnings):
        if not calendar.is_workday(today):
            return []
        found = due_tickets(today, calendar)
        people = unit_people({unit_id for unit_id, _ in found}, (R.UNIT_HEAD, R.REPORTER))
        reminders = []
        for (unit_id, kind), tickets in sorted(found.items(), key=lambda p: (p[0][1], p[0][0])):
            unit = tickets[0].unit
            word = "已超过办理时限" if kind == Kind.OVERDUE else "即将到期"
            lines = [f"{unit.name}：", f"以下 {len(tickets)} 件民生诉求{word}，请抓紧办理："]
            lines += [
                f"· {t.code} {t.content[:30]}（时限 {timezone.localtime(t.deadline):%m-%d %H:%M}）"
                for t in tickets
            ]
            title = f"【督办】催办：{unit.name}有 {len(tickets)} 件民生诉求{word}"
            reminders.append(
                Reminder(
                    kind=kind.value,
                    kind_label=str(kind.label),
                    unit=unit,
                    title=title,
                    body="\n".join(lines),
                    url=reverse("tickets:unit_list"),
                    summary=f"{title}：" + "、".join(t.code for t in tickets),
                    items=tickets,
                    recipients=people.get(unit_id, []),
                    order=10 + (1 if kind == Kind.OVERDUE else 0),
                )
            )
        return reminders
