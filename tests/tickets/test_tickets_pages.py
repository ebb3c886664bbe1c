"""The issue's scenario through the pages, permissions, masking and the audit trail."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.tickets import masking, services
from duban.tickets.flow import FlowError
from duban.tickets.models import PersonalDataView, Ticket, TicketCategory, Transition

# A Monday in a year chinesecalendar covers.
MONDAY = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def login(client, user):
    client.force_login(user)
    return client


def kpi(response, key):
    html = response.content.decode()
    start = html.index(f'data-key="{key}"')
    dd = html.index("<dd>", start) + 4
    return html[dd : html.index("</dd>", dd)]


@pytest.fixture
def category(db):
    return TicketCategory.objects.create(name="市容环境")


@time_machine.travel(MONDAY, tick=False)
def test_filed_dispatched_returned_redispatched_claimed_closed_rated(
    client, people, units, category
):
    gina, alice, bob, carol = people["gina"], people["alice"], people["bob"], people["carol"]
    # the 网格员 files a request from a phone
    login(client, gina)
    response = client.post(
        reverse("tickets:new"),
        {
            "content": "西苑3号楼门口路灯不亮",
            "category": category.pk,
            "urgency": "normal",
            "community": units["west"].pk,
            "reporter_name": "张三",
            "reporter_phone": "13812345678",
            "source": "grid",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.state == "received"
    assert ticket.created_by == gina

    login(client, alice)
    stats_before = client.get(reverse("tickets:stats"))
    assert kpi(stats_before, "awaiting_dispatch") == "1"
    inbox = client.get(reverse("tickets:inbox"))
    assert "西苑3号楼门口路灯不亮" in inbox.content.decode()
    assert "张*" in inbox.content.decode() and "138****5678" in inbox.content.decode()
    act = lambda action: reverse("tickets:act", args=[ticket.pk, action])  # noqa: E731
    client.post(act("dispatch"), {"unit": units["build"].pk})
    ticket.refresh_from_db()
    assert ticket.state == "dispatched" and ticket.unit == units["build"]
    assert ticket.deadline.date() == dt.date(2024, 3, 13)  # 7 working days

    # the unit returns it with a reason
    login(client, bob)
    assert "西苑3号楼" in client.get(reverse("tickets:unit_list")).content.decode()
    client.post(act("return"), {"reason": "路灯属城管所职责"})
    ticket.refresh_from_db()
    assert ticket.state == "returned" and ticket.unit is None

    # the office re-dispatches to the second unit
    login(client, alice)
    returned = client.get(reverse("tickets:inbox") + "?stage=returned").content.decode()
    assert "重新分单" in returned
    client.post(act("dispatch"), {"unit": units["east"].pk})

    # the second unit claims and closes it
    login(client, carol)
    client.post(act("claim"))
    client.post(act("close"), {"reason": "已联系城管所修复路灯"})
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.result == "已联系城管所修复路灯"

    # the rating is entered
    login(client, alice)
    client.post(
        act("follow_up"),
        {"contacted": "yes", "resolved": "yes", "satisfaction": "satisfied", "reason": "很好"},
    )
    ticket.refresh_from_db()
    assert ticket.state == "rated" and ticket.satisfaction == "satisfied"

    stats = client.get(reverse("tickets:stats"))
    assert kpi(stats, "closed") == "1" and kpi(stats, "awaiting_dispatch") == "0"
    assert kpi(stats, "satisfaction_rate") == "100%"
    # the tables print their rates as the cards do (100%, not 100.0)
    by_unit = stats.content.decode().split('id="table-by_unit"')[1].split("</table>")[0]
    assert by_unit.count(">100%</td>") == 3 and "100.0" not in by_unit
    steps = list(Transition.objects.filter(ticket=ticket).values_list("action", "actor__username"))
    assert steps == [
        ("receive", "gina"),
        ("dispatch", "alice"),
        ("return", "bob"),
        ("dispatch", "alice"),
        ("claim", "carol"),
        ("close", "carol"),
        ("follow_up", "alice"),
    ]
    assert Transition.objects.get(action="return").reason == "路灯属城管所职责"
    assert ticket.history.filter(channel="web").count() >= 6
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "路灯属城管所职责" in page and "已联系城管所修复路灯" in page


@pytest.fixture
def ticket(people, units, category):
    return services.receive(
        people["gina"],
        office=units["west"].office,
        content="噪声扰民",
        reporter_name="李四",
        reporter_phone="13900001111",
        community=units["west"],
        category=category,
    )


def test_another_units_request_answers_404(client, people, units, ticket):
    services.apply(people["alice"], ticket, "dispatch", unit=units["build"])
    login(client, people["carol"])  # 东苑居民区
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    login(client, people["bob"])  # 城建中心
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200


def test_only_the_holding_unit_may_claim_and_only_the_office_may_dispatch(people, units, ticket):
    with pytest.raises(FlowError, match="没有权限"):
        services.apply(people["bob"], ticket, "dispatch", unit=units["build"])
    services.apply(people["alice"], ticket, "dispatch", unit=units["build"])
    with pytest.raises(FlowError, match="没有权限"):
        services.apply(people["carol"], ticket, "claim")
    services.apply(people["hank"], ticket, "claim")
    assert ticket.state == "in_progress"


def test_a_stale_page_cannot_move_a_request_twice(people, units, ticket):
    stale = Ticket.objects.get(pk=ticket.pk)
    services.apply(people["alice"], ticket, "dispatch", unit=units["build"])
    with pytest.raises(FlowError, match="刚被他人处理"):
        services.apply(people["alice"], stale, "dispatch", unit=units["east"])


def test_personal_data_is_masked_unless_the_role_needs_it_and_views_are_logged(
    client, people, units, ticket
):
    assert masking.mask_name("欧阳娜娜") == "欧***"
    assert masking.mask_phone("13812345678") == "138****5678"
    login(client, people["lily"])  # 领导: sees the office, masked
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "李*" in page and "139****1111" in page and "13900001111" not in page
    assert PersonalDataView.objects.count() == 0
    login(client, people["alice"])  # 督查管理员 calls back: unmasked, logged
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "13900001111" in page
    assert PersonalDataView.objects.filter(user=people["alice"], ticket=ticket).count() == 1


def test_intake_refuses_a_phone_of_letters(client, people, units):
    login(client, people["gina"])
    response = client.post(
        reverse("tickets:new"),
        {"content": "问题", "urgency": "normal", "source": "grid", "reporter_phone": "abcdefg"},
    )
    assert response.status_code == 200
    assert "请填写正确的电话号码" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_the_intake_and_list_selects_say_what_to_choose(client, people, units, category):
    # Django's "---------" is no word a 网格员 or the office should have to read
    login(client, people["gina"])
    for name in ("new", "talk_day"):
        page = client.get(reverse(f"tickets:{name}")).content.decode()
        assert "---------" not in page and "请选择类别" in page and "请选择社区" in page
    login(client, people["lily"])
    page = client.get(reverse("tickets:list")).content.decode()
    assert "---------" not in page and "全部单位" in page and "全部社区" in page


@time_machine.travel(MONDAY, tick=False)
def test_talk_day_page_opens_on_today_in_the_date_pickers_own_format(client, people, units):
    # a browser's date picker shows only an ISO value: "2024/03/04" left the field empty
    # and the sitting could not be saved without typing the date again
    login(client, people["gina"])
    page = client.get(reverse("tickets:talk_day")).content.decode()
    assert 'type="date" name="held_on" value="2024-03-04"' in page


def test_talk_day_session_files_many_requests_at_once(client, people, units, category):
    login(client, people["gina"])
    data = {
        "community": units["west"].pk,
        "held_on": "2024-03-05",
        "place": "西苑议事亭",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-content": "楼道堆物",
        "items-0-urgency": "normal",
        "items-1-content": "健身器材损坏",
        "items-1-urgency": "urgent",
        "items-1-reporter_phone": "021-12345678",
        "items-2-content": "",
        "items-2-urgency": "normal",
    }
    response = client.post(reverse("tickets:talk_day"), data)
    assert response.status_code == 302
    assert list(Ticket.objects.order_by("pk").values_list("content", "source")) == [
        ("楼道堆物", "talk_day"),
        ("健身器材损坏", "talk_day"),
    ]


def test_navigation_shows_the_requests_entry(client, people):
    login(client, people["alice"])
    assert f'href="{reverse("tickets:inbox")}"' in client.get(reverse("home")).content.decode()
    login(client, people["gina"])
    assert f'href="{reverse("tickets:new")}"' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("who,url", [("alice", "tickets:inbox"), ("bob", "tickets:unit_list")])
def test_list_pages_do_not_grow_queries_with_rows(client, people, units, category, who, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            ticket = services.receive(
                people["gina"],
                office=units["build"].office,
                content=f"诉求{i}",
                category=category,
                community=units["west"],
            )
            if who == "bob":
                services.apply(people["alice"], ticket, "dispatch", unit=units["build"])

    login(client, people[who])
    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url)).status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(url)).status_code == 200
    assert len(many) == len(few)


def test_list_filters_and_exports_masked(client, people, units, category, ticket):
    from io import BytesIO

    from openpyxl import load_workbook

    services.receive(people["gina"], office=units["west"].office, content="垃圾清运不及时")
    login(client, people["lily"])
    page = client.get(reverse("tickets:list"), {"q": "噪声"}).content.decode()
    assert "噪声扰民" in page and "垃圾清运" not in page
    response = client.get(reverse("tickets:list"), {"q": "噪声", "format": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and len(rows) == 2
    assert rows[1][6:8] == ("李*", "139****1111")
    login(client, people["carol"])  # another unit: nothing of theirs
    assert "噪声扰民" not in client.get(reverse("tickets:list")).content.decode()


def test_closing_with_evidence_and_a_fake_file_stops_the_close(client, people, units, ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.apply(people["alice"], ticket, "dispatch", unit=units["build"])
    services.apply(people["bob"], ticket, "claim")
    login(client, people["bob"])
    url = reverse("tickets:act", args=[ticket.pk, "close"])
    fake = SimpleUploadedFile("现场.jpg", b"not an image at all")
    client.post(url, {"reason": "已处理", "evidence": fake})
    ticket.refresh_from_db()
    assert ticket.state == "in_progress" and not ticket.evidence.exists()
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    client.post(url, {"reason": "已处理", "evidence": photo})
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    item = ticket.evidence.get()
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "现场.png" in page
    assert client.get(reverse("tickets:evidence", args=[item.pk])).status_code == 200
    login(client, people["carol"])  # another unit
    assert client.get(reverse("tickets:evidence", args=[item.pk])).status_code == 404


def test_a_category_with_its_own_deadline_wins_over_the_default(people, units, category):
    category.normal_workdays = 3
    category.save()
    ticket = services.receive(
        people["gina"], office=units["west"].office, content="井盖缺失", category=category
    )
    services.apply(people["alice"], ticket, "dispatch", unit=units["build"], now=MONDAY)
    # Monday + 3 working days = Thursday, same time of day
    assert ticket.deadline == MONDAY + dt.timedelta(days=3)


def test_intake_refuses_a_source_number_already_filed(client, people, units):
    login(client, people["alice"])
    data = {"content": "问题", "urgency": "normal", "source": "hotline", "source_number": "H1"}
    assert client.post(reverse("tickets:new"), data).status_code == 302
    response = client.post(reverse("tickets:new"), data)
    assert "该来源下已有这个工单编号的诉求" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_dispatch_to_another_offices_or_a_disabled_unit_is_refused(people, units, ticket):
    from tests.factories import OfficeFactory, UnitFactory

    elsewhere = UnitFactory(office=OfficeFactory(name="别的街道"), name="别的街道城建中心")
    with pytest.raises(FlowError, match="不是本街道在用的单位"):
        services.apply(people["alice"], ticket, "dispatch", unit=elsewhere)
    units["build"].active = False
    units["build"].save()
    with pytest.raises(FlowError, match="不是本街道在用的单位"):
        services.apply(people["alice"], ticket, "dispatch", unit=units["build"])
    assert Ticket.objects.get(pk=ticket.pk).state == "received"
