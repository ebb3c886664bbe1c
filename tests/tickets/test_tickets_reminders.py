"""`duban remind` covers requests near and past their deadline (through notify's registry)."""

import datetime as dt

from duban.core.workdays import Calendar
from duban.notify import reminders
from duban.notify.models import Notification
from duban.tickets import services
from duban.tickets.models import Ticket

TZ = dt.timezone(dt.timedelta(hours=8))


def _held(people, units, content, dispatched_at):
    ticket = services.receive(
        people["gina"], office=units["build"].office, content=content, now=dispatched_at
    )
    services.apply(people["alice"], ticket, "dispatch", unit=units["build"], now=dispatched_at)
    return ticket


def test_units_are_reminded_of_requests_due_tomorrow_and_overdue(people, units):
    calendar = Calendar()
    # 2024-03-04 (Mon) dispatched: due 2024-03-13 (Wed, 7 working days)
    _held(people, units, "路灯不亮", dt.datetime(2024, 3, 4, 9, 0, tzinfo=TZ))
    late = _held(people, units, "井盖缺失", dt.datetime(2024, 2, 26, 9, 0, tzinfo=TZ))
    services.apply(people["bob"], late, "claim")
    report = reminders.run(dt.date(2024, 3, 12), calendar=calendar)
    kinds = sorted((r.kind, r.unit.name, len(r.items)) for r in report.reminders)
    assert kinds == [("ticket_due", "城建中心", 1), ("ticket_overdue", "城建中心", 1)]
    titles = set(Notification.objects.filter(user=people["bob"]).values_list("title", flat=True))
    assert "【督办】催办：城建中心有 1 件民生诉求已超过办理时限" in titles
    assert "【督办】催办：城建中心有 1 件民生诉求即将到期" in titles


def test_closed_requests_are_not_reminded(people, units):
    ticket = _held(people, units, "路灯不亮", dt.datetime(2024, 2, 26, 9, 0, tzinfo=TZ))
    services.apply(people["bob"], ticket, "claim")
    services.apply(people["bob"], ticket, "close", reason="已修复")
    assert Ticket.objects.get().state == "closed"
    report = reminders.run(dt.date(2024, 3, 12), calendar=Calendar(), send=False)
    assert [r for r in report.reminders if r.kind.startswith("ticket")] == []


def test_a_unit_with_many_late_requests_is_told_the_number_and_the_earliest(
    people, units, monkeypatch
):
    """A city's backlog is counted in the database: the message names every late request
    of the unit in its number and lists only the earliest-due ones."""
    from duban.tickets import reminders as ticket_reminders

    monkeypatch.setattr(ticket_reminders, "LISTED", 2)
    codes = []
    for day in (20, 21, 22):
        ticket = _held(people, units, f"井盖缺失{day}", dt.datetime(2024, 2, day, 9, 0, tzinfo=TZ))
        codes.append(ticket.code)
    report = reminders.run(dt.date(2024, 3, 12), calendar=Calendar())
    (late,) = [r for r in report.reminders if r.kind == "ticket_overdue"]
    assert late.total == 3
    assert [t.code for t in late.items] == codes[:2]
    assert late.title == "【督办】催办：城建中心有 3 件民生诉求已超过办理时限"
    assert "以下 3 件民生诉求已超过办理时限" in late.body
    assert "井盖缺失22" not in late.body
    assert "以上是时限最早的 2 件，其余 1 件" in late.body
    assert late.summary.endswith(f"{codes[0]}、{codes[1]}等 3 件")
    note = Notification.objects.filter(user=people["bob"]).get(title=late.title)
    assert note.body == late.body
