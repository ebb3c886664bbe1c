"""A notice on a resident request follows the request when it is dispatched to another
unit (退单 → 分单): the open notice's unit becomes the new unit, with an audited,
timestamped step, and the new unit is told. tickets sends a signal; it imports no
supervision."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from duban.notify.models import Notification
from duban.supervision import services
from duban.supervision.models import Notice, NoticeEvent
from duban.tickets import services as ticket_services
from duban.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
AUG5 = dt.date(2022, 8, 5)  # a Friday
MONDAY = dt.datetime(2022, 8, 8, 10, 0, tzinfo=TZ)


@pytest.fixture
def ticket(office, units):
    return Ticket.objects.create(
        office=office,
        source="hotline",
        source_number="H0001",
        received_at=dt.datetime(2022, 8, 4, 9, tzinfo=TZ),
        content="小区路灯不亮，请尽快维修",
        state="dispatched",
        unit=units["build"],
        dispatched_at=dt.datetime(2022, 8, 5, 9, tzinfo=TZ),
        deadline=dt.datetime(2022, 8, 12, 17, tzinfo=TZ),
    )


def _notice(ticket, people):
    return services.create_for_ticket(
        ticket, people["alice"], AUG5, level="blue", reason="群众反映强烈，请加快办理"
    )


def _redispatch(ticket, people, unit):
    ticket_services.apply(people["bob"], ticket, "return", reason="不属本单位职责", now=MONDAY)
    ticket_services.apply(
        people["alice"], ticket, "dispatch", unit=unit, now=MONDAY + dt.timedelta(hours=1)
    )


def test_an_open_notice_follows_the_request_to_its_new_unit(ticket, people, units):
    notice = _notice(ticket, people)
    services.sign(notice, people["bob"])
    Notification.objects.all().delete()
    _redispatch(ticket, people, units["east"])
    notice.refresh_from_db()
    assert notice.unit == units["east"]
    # the old unit's signature is not the new unit's: it signs again
    assert notice.state == Notice.State.ISSUED and notice.signed_at is None
    step = notice.events.get(action=NoticeEvent.Action.TRANSFER)
    assert step.comment.startswith("诉求改派至东苑居民区，督办单随转（原责任单位：城建中心）")
    assert step.actor == people["alice"] and step.at is not None
    assert notice.history.latest().unit_id == units["east"].pk  # the audit path
    told = Notification.objects.get(user=people["carol"])
    assert "随诉求改派转来" in told.title and "诉求由城建中心改派至你单位" in told.body
    assert told.url == f"/supervision/notices/{notice.pk}/"
    assert not Notification.objects.filter(user=people["bob"]).exists()
    # the new unit answers it; the old one no longer may
    services.sign(notice, people["carol"])
    with pytest.raises(services.SupervisionError):
        services.sign(notice, people["bob"])


def test_a_closed_notice_stays_with_the_unit_it_was_issued_to(ticket, people, units):
    notice = _notice(ticket, people)
    Notice.objects.filter(pk=notice.pk).update(state=Notice.State.CLOSED)
    _redispatch(ticket, people, units["east"])
    notice.refresh_from_db()
    assert notice.unit == units["build"]
    assert not notice.events.filter(action=NoticeEvent.Action.TRANSFER).exists()


def test_dispatching_back_to_the_same_unit_moves_nothing(ticket, people, units):
    notice = _notice(ticket, people)
    _redispatch(ticket, people, units["build"])
    notice.refresh_from_db()
    assert notice.unit == units["build"] and notice.state == Notice.State.ISSUED
    assert not notice.events.filter(action=NoticeEvent.Action.TRANSFER).exists()


def test_a_reimport_giving_the_request_another_unit_takes_its_open_notice_along(
    tmp_path, office, people, units
):
    """The import (a file, an API push) is the other way a request changes unit: one
    signal for all the requests it changed, and the open notice follows as after 分单."""
    from duban.tickets import signals
    from duban.tickets.importer import HEADERS, TicketImport
    from duban.tickets.models import TicketCategory
    from tests.tickets.test_tickets_import import row, write_csv

    TicketCategory.objects.create(name="市容环境")
    in_progress = {"状态": "办理中", "办结时间": "", "是否联系": "", "是否解决": "", "满意度": ""}
    rows = [row(f"GD00{n}", **in_progress) for n in range(1, 4)]
    TicketImport(office).apply(write_csv(tmp_path / "a.csv", HEADERS, rows))
    ticket = Ticket.objects.get(source_number="GD001")
    notice = _notice(ticket, people)
    untouched = _notice(Ticket.objects.get(source_number="GD002"), people)

    sent = []

    def listen(tickets, **kwargs):  # the query is read inside the import's transaction
        sent.append(sorted(tickets.values_list("source_number", flat=True)))

    signals.reassigned.connect(listen, sender=Ticket)
    try:
        rows[0] = row("GD001", 承办单位="东苑居民区", **in_progress)
        rows[2] = row("GD003", 承办单位="东苑居民区", **in_progress)
        report = TicketImport(office, user=people["alice"]).apply(
            write_csv(tmp_path / "b.csv", HEADERS, rows)
        )
    finally:
        signals.reassigned.disconnect(listen, sender=Ticket)
    assert report.ok and report.n_updated == 2
    assert sent == [["GD001", "GD003"]]  # one signal for the import, not one per row
    notice.refresh_from_db()
    assert notice.unit == units["east"]
    step = notice.events.get(action=NoticeEvent.Action.TRANSFER)
    assert step.comment.startswith("诉求改派至东苑居民区，督办单随转（原责任单位：城建中心）")
    assert step.actor == people["alice"]
    untouched.refresh_from_db()
    assert untouched.unit == units["build"]
    assert not untouched.events.filter(action=NoticeEvent.Action.TRANSFER).exists()
