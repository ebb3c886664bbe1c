"""催办 of resident requests, sent by `duban remind` through notify's registry.

- 诉求即将到期 `ticket_due`: on a working day, a unit holding requests (待领单 or 办理中)
  whose deadline falls before the end of the next working day.
- 诉求已超期 `ticket_overdue`: every working day, a unit holding requests past their
  deadline.
Recipients: the unit's 单位负责人 and 单位填报员 (active accounts).

A message names how many requests the unit holds of its kind and lists the `LISTED`
earliest-due of them: one query numbers each unit's requests by deadline and keeps those
(so a city's backlog of late requests is counted in the database, not loaded).
"""

import datetime as dt

from django.db import models
from django.db.models import Case, Count, F, Value, When, Window
from django.db.models.functions import RowNumber
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
LISTED = 20


def due_tickets(today, calendar, listed=None):
    """{(unit id, kind): (total, [the first `listed` tickets by deadline])} of the
    requests units hold that are due soon or late."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    next_workday = calendar.add_workdays(today, 1)
    horizon = dt.datetime.combine(next_workday + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    listed = listed or LISTED
    group = [F("unit_id"), F("due_kind")]
    tickets = (
        Ticket.objects.filter(state__in=HELD, deadline__isnull=False, deadline__lt=horizon)
        .annotate(
            due_kind=Case(
                When(deadline__lt=start, then=Value(Kind.OVERDUE.value)),
                default=Value(Kind.DUE.value),
            )
        )
        .annotate(
            place=Window(RowNumber(), partition_by=group, order_by=[F("deadline"), F("pk")]),
            total=Window(Count("pk"), partition_by=group),
        )
        .filter(place__lte=listed)
        .select_related("unit")
        .only("source_number", "content", "deadline", "unit")
        .order_by("deadline", "pk")
    )
    found = {}
    for ticket in tickets:
        key = (ticket.unit_id, Kind(ticket.due_kind))
        found.setdefault(key, (ticket.total, []))[1].append(ticket)
    return found


class TicketReminders(ReminderSource):
    kinds = dict(Kind.choices)

    def plan(self, today, calendar, warnings):
        if not calendar.is_workday(today):
            return []
        found = due_tickets(today, calendar)
        people = unit_people({unit_id for unit_id, _ in found}, (R.UNIT_HEAD, R.REPORTER))
        reminders = []
        for (unit_id, kind), (total, tickets) in sorted(
            found.items(), key=lambda p: (p[0][1], p[0][0])
        ):
            unit = tickets[0].unit
            word = "已超过办理时限" if kind == Kind.OVERDUE else "即将到期"
            lines = [f"{unit.name}：", f"以下 {total} 件民生诉求{word}，请抓紧办理："]
            lines += [
                f"· {t.code} {t.content[:30]}（时限 {timezone.localtime(t.deadline):%m-%d %H:%M}）"
                for t in tickets
            ]
            more = ""
            if total > len(tickets):
                lines.append(
                    f"以上是时限最早的 {len(tickets)} 件，其余 {total - len(tickets)} 件"
                    "请登录督办系统，在「诉求办理」中查看。"
                )
                more = f"等 {total} 件"
            title = f"【督办】催办：{unit.name}有 {total} 件民生诉求{word}"
            reminders.append(
                Reminder(
                    kind=kind.value,
                    kind_label=str(kind.label),
                    unit=unit,
                    title=title,
                    body="\n".join(lines),
                    url=reverse("tickets:unit_list"),
                    summary=f"{title}：" + "、".join(t.code for t in tickets) + more,
                    items=tickets,
                    total=total,
                    recipients=people.get(unit_id, []),
                    order=10 + (1 if kind == Kind.OVERDUE else 0),
                )
            )
        return reminders
