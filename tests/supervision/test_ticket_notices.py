"""督办单 for resident requests (诉求): issued by the office to the unit holding the
request, one active notice per request (一事一单), proposed when a request is overdue,
seen by the unit in its inbox, with the resident's name and phone masked."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from docx import Document

from duban.supervision import ladder, services
from duban.supervision.models import Notice
from duban.supervision.services import SupervisionError
from duban.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
AUG5 = dt.date(2022, 8, 5)  # a Friday
State = Notice.State


def make_ticket(office, unit, n, deadline, *, state="in_progress"):
    return Ticket.objects.create(
        office=office,
        source="hotline",
        source_number=f"H{n:04d}",
        received_at=deadline - dt.timedelta(days=10),
        content=f"小区路灯不亮{n}，请尽快维修",
        reporter_name="张三丰",
        reporter_phone="13812345678",
        state=state,
        unit=unit,
        dispatched_at=deadline - dt.timedelta(days=9),
        deadline=deadline,
    )


@pytest.fixture
def tickets(office, units):
    return {
        # 4 working days late on Aug 5 → blue
        "late": make_ticket(office, units["build"], 1, dt.datetime(2022, 8, 1, 17, tzinfo=TZ)),
        # 12 working days late → yellow
        "long": make_ticket(office, units["east"], 2, dt.datetime(2022, 7, 20, 17, tzinfo=TZ)),
        "closed": make_ticket(
            office, units["build"], 3, dt.datetime(2022, 7, 20, 17, tzinfo=TZ), state="closed"
        ),
        "in_time": make_ticket(office, units["build"], 4, dt.datetime(2022, 8, 10, 17, tzinfo=TZ)),
    }


def test_the_ladder_proposes_blue_for_an_overdue_request_and_yellow_when_long_overdue():
    item = ladder.TicketIn(1, "H1", "路灯", "城建中心", overdue=True, overdue_workdays=3)
    assert ladder.propose_for_ticket(item, AUG5).level == ladder.BLUE
    long = ladder.TicketIn(2, "H2", "路灯", "城建中心", overdue=True, overdue_workdays=6)
    proposal = ladder.propose_for_ticket(long, AUG5)
    assert proposal.level == ladder.YELLOW and proposal.urgent_reason
    assert proposal.ticket_id == 2 and proposal.task_id is None
    assert (
        ladder.propose_for_ticket(ladder.TicketIn(3, "H3", "路灯", "城建中心", overdue=False), AUG5)
        is None
    )
    out = ladder.NoticeIn(9, ladder.BLUE, ladder.SIGNED, dt.date(2022, 8, 1))
    after_blue = ladder.TicketIn(
        4, "H4", "路灯", "城建中心", overdue=True, overdue_workdays=2, notices=(out,)
    )
    proposal = ladder.propose_for_ticket(after_blue, AUG5)
    assert proposal.level == ladder.YELLOW and proposal.previous_id == 9
    in_time = ladder.NoticeIn(9, ladder.BLUE, ladder.ISSUED, dt.date(2022, 8, 8))
    waiting = ladder.TicketIn(5, "H5", "", "", overdue=True, notices=(in_time,))
    assert ladder.propose_for_ticket(waiting, AUG5) is None


def test_the_office_issues_a_notice_for_a_request_to_the_unit_holding_it(
    office, units, people, tickets
):
    notice = services.create_for_ticket(
        tickets["late"], people["alice"], AUG5, level="blue", reason="诉求超期未办结"
    )
    assert notice.state == State.ISSUED and notice.number == "督办〔2022〕1号"
    assert notice.ticket == tickets["late"] and notice.task is None
    assert notice.unit == units["build"]
    assert notice.facts["deadline"] == "2022-08-01 17:00"
    assert notice.facts["overdue_days"] == 4 and notice.facts["status_label"] == "办理中"
    assert notice.subject.startswith("H0001 小区路灯不亮1")


def test_one_active_notice_per_request(office, people, tickets):
    first = services.create_for_ticket(
        tickets["late"], people["alice"], AUG5, level="blue", reason="超期"
    )
    with pytest.raises(SupervisionError, match="一事一单"):
        services.create_for_ticket(
            tickets["late"], people["alice"], AUG5, level="blue", reason="再发"
        )
    assert Notice.objects.filter(ticket=tickets["late"]).count() == 1
    # The database keeps it too, and a notice is about a task or a request, never both.
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(
            office=office,
            ticket=tickets["late"],
            unit=first.unit,
            level="yellow",
            state=State.ISSUED,
            year=2022,
            reason="x",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(
            office=office, unit=first.unit, level="blue", year=2022, reason="无事项"
        )
    # Past its reply-by date unanswered, the request's notice escalates to yellow.
    later = first.reply_by + dt.timedelta(days=3)
    yellow = services.escalate(first, people["alice"], later, reason="逾期未答复")
    first.refresh_from_db()
    assert first.state == State.ESCALATED
    assert yellow.ticket == tickets["late"] and yellow.level == "yellow"
    assert yellow.previous == first


def test_a_closed_or_undispatched_request_gets_no_notice(office, people, tickets):
    with pytest.raises(SupervisionError, match="已办结"):
        services.create_for_ticket(
            tickets["closed"], people["alice"], AUG5, level="blue", reason="超期"
        )


@pytest.mark.parametrize("chunk", [1000, 1])
def test_propose_includes_overdue_requests_once(office, people, tickets, chunk, monkeypatch):
    # chunk 1: the late requests are read a chunk at a time, each with its own notices
    monkeypatch.setattr(services, "TICKET_CHUNK", chunk)
    found, created = services.propose(office, "2022-07", AUG5, dry_run=True)
    by_ticket = {p.ticket_id: p.level for p in found if p.ticket_id}
    assert by_ticket == {tickets["late"].pk: "blue", tickets["long"].pk: "yellow"}
    assert created == []
    _found, created = services.propose(office, "2022-07", AUG5)
    assert {n.ticket_id for n in created} == {tickets["late"].pk, tickets["long"].pk}
    long = Notice.objects.get(ticket=tickets["long"])
    assert long.state == State.PROPOSED and long.rule == ladder.RULE_TICKET_OVERDUE
    assert long.unit.name == "东苑居民区" and long.urgent_reason
    _found, again = services.propose(office, "2022-07", AUG5)
    assert [n for n in again if n.ticket_id] == []
    services.confirm(long, people["alice"], AUG5)
    long.refresh_from_db()
    assert long.state == State.ISSUED


def test_propose_reads_late_requests_in_queries_that_do_not_grow_with_them(office, units, tickets):
    """A dry run asks the same queries however many requests are late; a real run adds
    the same few per notice (no request, unit or notice read one by one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(dry_run):
        Notice.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            services.propose(office, "2022-07", AUG5, dry_run=dry_run)
        return len(captured)

    late = dt.datetime(2022, 8, 1, 17, tzinfo=TZ)
    dry, real = queries(True), queries(False)  # the fixture's two late requests
    make_ticket(office, units["build"], 10, late)
    per_notice = queries(False) - real
    for n in range(11, 20):
        make_ticket(office, units["build"], n, late)
    assert queries(True) == dry
    assert queries(False) == real + 10 * per_notice
    assert 0 < per_notice <= 6


def test_the_unit_sees_the_request_notice_in_its_inbox_masked(client, office, people, tickets):
    notice = services.create_for_ticket(
        tickets["late"], people["alice"], AUG5, level="blue", reason="诉求超期未办结"
    )
    client.force_login(people["bob"])  # 城建中心 holds the request
    inbox = client.get("/supervision/inbox/").content.decode()
    assert "H0001" in inbox and f"/supervision/notices/{notice.pk}/" in inbox
    page = client.get(f"/supervision/notices/{notice.pk}/").content.decode()
    assert 'id="notice-ticket"' in page and "小区路灯不亮1" in page
    assert "张**" in page and "138****5678" in page
    assert "张三丰" not in page and "13812345678" not in page
    home = client.get("/").content.decode()  # 工作台: the notice to sign
    assert f"/supervision/notices/{notice.pk}/" in home and "诉求 H0001" in home
    services.sign(notice, people["bob"])
    notice.refresh_from_db()
    assert notice.state == State.SIGNED
    response = client.get(f"/supervision/notices/{notice.pk}/docx/")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "小区路灯不亮1" in text and "张**" in text and "张三丰" not in text
    assert "4个工作日" in text


def test_only_the_office_issues_and_other_units_do_not_see_it(client, office, people, tickets):
    with pytest.raises(SupervisionError, match="督查管理员"):
        services.create_for_ticket(
            tickets["late"], people["bob"], AUG5, level="blue", reason="超期"
        )
    client.force_login(people["bob"])
    assert client.get(f"/supervision/tickets/{tickets['late'].pk}/new/").status_code == 403
    notice = services.create_for_ticket(
        tickets["late"], people["alice"], AUG5, level="blue", reason="超期"
    )
    client.force_login(people["carol"])  # 东苑居民区: not its request
    assert client.get(f"/supervision/notices/{notice.pk}/").status_code == 404
    assert "H0001" not in client.get("/supervision/inbox/").content.decode()


@time_machine.travel(dt.datetime(2022, 8, 5, 10, tzinfo=TZ), tick=False)
def test_the_board_lists_overdue_requests_with_a_button(client, office, people, tickets):
    client.force_login(people["alice"])
    board = client.get("/supervision/").content.decode()
    assert 'id="ticket-supervision"' in board
    assert f"/supervision/tickets/{tickets['late'].pk}/new/" in board
    assert f'id="ticket-{tickets["closed"].pk}"' not in board
    assert f'id="ticket-{tickets["in_time"].pk}"' not in board
    url = f"/supervision/tickets/{tickets['late'].pk}/new/"
    form = client.get(url).content.decode()
    assert "张**" in form and "张三丰" not in form
    response = client.post(url, {"level": "blue", "reason": "请抓紧办理"})
    notice = Notice.objects.get(ticket=tickets["late"])
    assert response.status_code == 302 and notice.state == State.ISSUED
    board = client.get("/supervision/").content.decode()
    assert f"/supervision/tickets/{tickets['late'].pk}/new/" not in board
    # Bad input: yellow without a reason for skipping blue changes nothing.
    url = f"/supervision/tickets/{tickets['long'].pk}/new/"
    page = client.post(url, {"level": "yellow", "reason": "超期"}, follow=True)
    assert "越级理由" in page.content.decode()
    assert not Notice.objects.filter(ticket=tickets["long"]).exists()


def test_the_propose_command_prints_request_proposals(office, people, tickets):
    out = io.StringIO()
    call_command(
        "supervise",
        "propose",
        "--period",
        "2022-07",
        "--as-of",
        "2022-08-05",
        "--dry-run",
        stdout=out,
    )
    text = out.getvalue()
    assert "诉求 H0001 小区路灯不亮1，请尽快维修｜城建中心｜蓝色提醒单｜诉求超期" in text
    assert "诉求 H0002" in text and "黄色警示单" in text
    assert not Notice.objects.exists()


@time_machine.travel(dt.datetime(2022, 8, 5, 10, tzinfo=TZ), tick=False)
def test_the_request_page_shows_its_notices_and_offers_one_when_overdue(
    client, office, people, tickets
):
    late = f"/tickets/{tickets['late'].pk}/"
    client.force_login(people["alice"])
    page = client.get(late).content.decode()
    assert 'id="ticket-notices"' in page
    assert f"/supervision/tickets/{tickets['late'].pk}/new/" in page
    # in time, or closed: nothing to supervise, no section
    for key in ("in_time", "closed"):
        assert (
            'id="ticket-notices"' not in client.get(f"/tickets/{tickets[key].pk}/").content.decode()
        )
    notice = services.create_for_ticket(
        tickets["late"], people["alice"], AUG5, level="blue", reason="诉求超期未办结"
    )
    page = client.get(late).content.decode()
    assert f"/supervision/notices/{notice.pk}/" in page and "督办〔2022〕1号" in page
    assert f"/supervision/tickets/{tickets['late'].pk}/new/" not in page  # 一事一单
    # the unit holding it sees the notice, and may not issue one
    client.force_login(people["bob"])
    page = client.get(late).content.decode()
    assert f"/supervision/notices/{notice.pk}/" in page
    assert "/supervision/tickets/" not in page
