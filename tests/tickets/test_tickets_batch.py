"""The office moves many requests at once from its inbox: 分单 after a 说事日, and the
committee's 审单 of a list — each request its own step, what cannot go ahead said by code."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from duban.org.models import Office
from duban.tickets import services
from duban.tickets.models import Ticket, TicketCategory, Transition
from tests.factories import UnitFactory

BATCH = reverse("tickets:batch")


def file(people, office, n, category=None):
    return services.receive(
        people["gina"], office=office, content=f"西苑{n}号楼门口路灯不亮", category=category
    )


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def filed(people, office):
    return [file(people, office, n) for n in range(1, 4)]


def test_the_office_dispatches_the_ticked_requests_to_one_unit(client, people, units, filed):
    client.force_login(people["alice"])
    response = client.post(
        BATCH,
        {
            "action": "dispatch",
            "unit": units["build"].pk,
            "ticket": [t.pk for t in filed[:2]],
            "next": "/tickets/?stage=dispatch",
        },
    )
    assert response.status_code == 302 and response.url == "/tickets/?stage=dispatch"
    states = dict(Ticket.objects.values_list("pk", "state"))
    assert [states[t.pk] for t in filed] == ["dispatched", "dispatched", "received"]
    assert set(Ticket.objects.filter(state="dispatched").values_list("unit_id", flat=True)) == {
        units["build"].pk
    }
    # each its own step in the timeline, by the one who ticked them
    steps = Transition.objects.filter(action="dispatch").values_list("ticket_id", "actor_id")
    assert sorted(steps) == sorted((t.pk, people["alice"].pk) for t in filed[:2])
    assert said(response) == [f"已分单 2 件给城建中心：{filed[0].code}、{filed[1].code}"]


def test_the_committee_approves_its_list_and_one_already_moved_is_named(
    client, people, units, office
):
    reviewed = TicketCategory.objects.create(name="加装电梯", needs_review=True)
    tickets = [file(people, office, n, category=reviewed) for n in range(1, 4)]
    client.force_login(people["alice"])
    response = client.post(
        BATCH,
        {"action": "dispatch", "unit": units["build"].pk, "ticket": [t.pk for t in tickets]},
    )
    assert set(Ticket.objects.values_list("state", flat=True)) == {"reviewing"}
    assert said(response) == [
        f"已分单 3 件给城建中心，其中 3 件待审单：{'、'.join(t.code for t in tickets)}"
    ]
    client.get(reverse("tickets:inbox"))  # the messages shown
    # someone approved the first meanwhile
    first = Ticket.objects.get(pk=tickets[0].pk)
    services.apply(people["alice"], first, "approve")
    response = client.post(BATCH, {"action": "approve", "ticket": [t.pk for t in tickets]})
    assert set(Ticket.objects.values_list("state", flat=True)) == {"dispatched"}
    messages = said(response)
    assert messages[0] == f"已审单通过 2 件：{tickets[1].code}、{tickets[2].code}"
    assert messages[1].startswith(f"1 件未能审单通过（{tickets[0].code}：")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "dispatch", "unit": "U"}, "请先勾选要批量处理的诉求"),
        ({"action": "dispatch", "ticket": ["abc"]}, "勾选的诉求编号有误，请刷新页面后重新勾选"),
        ({"action": "dispatch", "ticket": ["99999999"]}, "不存在或您无权处理"),
        ({"action": "claim", "ticket": ["T"]}, "请选择批量操作：分单或审单通过"),
        ({"ticket": ["T"]}, "请选择批量操作：分单或审单通过"),
        ({"action": "dispatch", "ticket": ["T"]}, "请选择承办单位"),
        ({"action": "dispatch", "ticket": ["T"], "unit": "中心"}, "请选择承办单位"),
        ({"action": "dispatch", "ticket": [str(n) for n in range(1, 200)]}, "一次最多批量处理"),
    ],
)
def test_bad_batches_change_nothing_and_say_why_in_chinese(
    client, people, units, filed, data, message
):
    data = {
        key: (
            [str(filed[0].pk) if v == "T" else v for v in value]
            if isinstance(value, list)
            else (units["build"].pk if value == "U" else value)
        )
        for key, value in data.items()
    }
    client.force_login(people["alice"])
    response = client.post(BATCH, data)
    assert response.status_code == 302
    assert any(message in m for m in said(response)), said(response)
    assert set(Ticket.objects.values_list("state", flat=True)) == {"received"}
    assert not Transition.objects.exclude(action="receive").exists()


def test_another_streets_request_cannot_be_ticked_in(client, people, units, filed):
    other = Office.objects.create(name="另一街道")
    stranger = Ticket.objects.create(
        office=other,
        source="hotline",
        source_number="X1",
        received_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        content="别处的诉求",
    )
    client.force_login(people["alice"])
    response = client.post(
        BATCH,
        {"action": "dispatch", "unit": units["build"].pk, "ticket": [filed[0].pk, stranger.pk]},
    )
    assert any("不存在或您无权处理" in m for m in said(response))
    assert set(Ticket.objects.values_list("state", flat=True)) == {"received"}


def test_a_unit_outside_the_street_is_refused_for_each_request(client, people, units, filed):
    other = Office.objects.create(name="另一街道")
    theirs = UnitFactory(office=other, name="别处的中心", kind="department")
    client.force_login(people["alice"])
    response = client.post(
        BATCH, {"action": "dispatch", "unit": theirs.pk, "ticket": [filed[0].pk]}
    )
    assert said(response) == ["所选承办单位不是本街道在用的单位，请重新选择"]
    assert Ticket.objects.get(pk=filed[0].pk).state == "received"


def test_only_the_office_may_batch(client, people, units, filed):
    client.force_login(people["bob"])
    response = client.post(
        BATCH, {"action": "dispatch", "unit": units["build"].pk, "ticket": [filed[0].pk]}
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=filed[0].pk).state == "received"


def test_the_inbox_offers_ticking_where_the_office_moves_many(client, people, units, filed):
    client.force_login(people["alice"])
    page = client.get(reverse("tickets:inbox") + "?stage=dispatch").content.decode()
    assert 'id="batch-form"' in page and "勾选的分给此单位" in page
    assert page.count('name="ticket"') == 3 and "tickets/batch.js" in page
    overdue = client.get(reverse("tickets:inbox") + "?stage=overdue").content.decode()
    assert 'id="batch-form"' not in overdue and 'name="ticket"' not in overdue
    review = client.get(reverse("tickets:inbox") + "?stage=review").content.decode()
    # nothing to review: no bar
    assert 'id="batch-form"' not in review
