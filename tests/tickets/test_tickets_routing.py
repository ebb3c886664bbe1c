"""分单规则: the pure matching, 自动分单 at intake, the one-click proposal and the page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.tickets import routing, services
from duban.tickets.flow import FlowError
from duban.tickets.models import RoutingRule, Ticket, TicketCategory, Transition
from duban.tickets.routing import Rule

MONDAY = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# ----- pure -----


def test_the_most_specific_rule_wins():
    rules = [
        Rule(id=1, unit=10, category=100),  # 大类 anywhere
        Rule(id=2, unit=20, category=101),  # 小类 anywhere
        Rule(id=3, unit=30, category=100, community=7),  # 大类 in community 7
        Rule(id=4, unit=40, community=7),  # anything in community 7
    ]
    # the request's own category (小类 101, under 100) beats its parent's
    assert routing.match(rules, [101, 100], 7).id == 2
    # the parent's rule naming the community beats the one that does not
    assert routing.match(rules, [102, 100], 7).id == 3
    assert routing.match(rules, [102, 100], 8).id == 1
    # no category: only the community rule
    assert routing.match(rules, [], 7).id == 4
    assert routing.match(rules, [], 8) is None
    assert routing.match(rules, [999], None) is None


def test_a_rule_naming_nothing_never_matches():
    assert routing.match([Rule(id=1, unit=10)], [5], 7) is None


# ----- services -----


@pytest.fixture
def categories(db):
    parent = TicketCategory.objects.create(name="市容环境")
    return {"parent": parent, "lamp": TicketCategory.objects.create(name="路灯", parent=parent)}


def _file(people, units, category, **more):
    return services.receive(
        people["gina"],
        office=units["west"].office,
        content="西苑路灯不亮",
        community=units["west"],
        category=category,
        **more,
    )


@time_machine.travel(MONDAY, tick=False)
def test_auto_dispatch_at_intake_writes_the_rule_as_the_reason(people, units, categories):
    RoutingRule.objects.create(
        office=units["west"].office,
        category=categories["parent"],
        community=units["west"],
        unit=units["build"],
        auto_dispatch=True,
    )
    ticket = _file(people, units, categories["lamp"])
    ticket.refresh_from_db()
    assert ticket.state == "dispatched" and ticket.unit == units["build"]
    assert ticket.deadline is not None
    step = Transition.objects.get(ticket=ticket, action="dispatch")
    assert step.actor is None
    assert step.reason == "自动分单：市容环境 · 西苑居民区 → 城建中心"


@time_machine.travel(MONDAY, tick=False)
def test_a_rule_without_auto_only_proposes_and_the_office_accepts_in_one_click(
    client, people, units, categories
):
    RoutingRule.objects.create(
        office=units["west"].office, category=categories["lamp"], unit=units["build"]
    )
    ticket = _file(people, units, categories["lamp"])
    assert ticket.state == "received"
    assert services.proposed_rule(ticket).unit == units["build"]
    with pytest.raises(FlowError, match="没有权限"):
        services.accept_proposal(people["bob"], ticket)
    client.force_login(people["alice"])
    inbox = client.get(reverse("tickets:inbox")).content.decode()
    assert "建议：城建中心" in inbox and "一键分单" in inbox
    client.post(reverse("tickets:route", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.state == "dispatched" and ticket.unit == units["build"]
    step = Transition.objects.get(ticket=ticket, action="dispatch")
    assert step.actor == people["alice"] and step.reason.startswith("按分单规则：")


def test_an_inactive_rule_proposes_nothing(people, units, categories):
    RoutingRule.objects.create(
        office=units["west"].office,
        category=categories["lamp"],
        unit=units["build"],
        auto_dispatch=True,
        active=False,
    )
    ticket = _file(people, units, categories["lamp"])
    assert ticket.state == "received" and services.proposed_rule(ticket) is None


# ----- the page -----


def test_only_the_office_edits_rules(client, people, units, categories):
    for who in ("bob", "gina", "lily"):
        client.force_login(people[who])
        assert client.get(reverse("tickets:routing")).status_code == 403
    client.force_login(people["alice"])
    response = client.post(
        reverse("tickets:routing"),
        {
            "category": categories["lamp"].pk,
            "unit": units["build"].pk,
            "auto_dispatch": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.auto_dispatch and rule.office == units["west"].office
    page = client.get(reverse("tickets:routing")).content.decode()
    assert "城建中心" in page
    client.post(
        reverse("tickets:routing_rule", args=[rule.pk]),
        {"category": categories["lamp"].pk, "unit": units["east"].pk, "active": "on"},
    )
    rule.refresh_from_db()
    assert rule.unit == units["east"] and not rule.auto_dispatch
    client.post(reverse("tickets:routing_rule", args=[rule.pk]), {"delete": "1"})
    assert not RoutingRule.objects.exists()


def test_the_rule_form_says_what_is_wrong_in_chinese(client, people, units, categories):
    client.force_login(people["alice"])
    page = client.post(reverse("tickets:routing"), {"unit": units["build"].pk}).content.decode()
    assert "请至少选择诉求类别或社区之一" in page
    page = client.post(reverse("tickets:routing"), {"category": categories["lamp"].pk})
    assert "请选择承办单位" in page.content.decode()
    RoutingRule.objects.create(
        office=units["west"].office, category=categories["lamp"], unit=units["build"]
    )
    page = client.post(
        reverse("tickets:routing"), {"category": categories["lamp"].pk, "unit": units["east"].pk}
    ).content.decode()
    assert "已有相同条件的分单规则" in page
    assert RoutingRule.objects.count() == 1
    assert Ticket.objects.count() == 0


def test_auto_dispatch_at_import_only_for_rows_awaiting_dispatch(tmp_path, office, units):
    from duban.tickets.importer import TicketImport
    from tests.tickets.test_tickets_import import HEADERS, row, write_csv

    category = TicketCategory.objects.create(name="市容环境")
    RoutingRule.objects.create(
        office=office, category=category, unit=units["build"], auto_dispatch=True
    )
    empty = dict(办结时间="", 是否联系="", 是否解决="", 满意度="")
    path = write_csv(
        tmp_path / "gd.csv",
        HEADERS,
        [
            row("W1", 状态="待分派", 承办单位="", **empty),
            row("W2", 状态="办理中", 承办单位="东苑居民区", **empty),
        ],
    )
    report = TicketImport(office).apply(path)
    assert report.ok, report.errors
    routed = Ticket.objects.get(source_number="W1")
    assert routed.state == "dispatched" and routed.unit == units["build"]
    assert Transition.objects.get(ticket=routed, action="dispatch").reason.startswith("自动分单")
    kept = Ticket.objects.get(source_number="W2")
    assert kept.state == "in_progress" and kept.unit == units["east"]
    # the same file again, the export not yet knowing of the dispatch: nothing changes
    steps = Transition.objects.count()
    again = TicketImport(office).apply(path)
    assert (again.n_created, again.n_updated, again.n_unchanged) == (0, 0, 2), [
        c.changes for c in again.updated
    ]
    routed.refresh_from_db()
    assert routed.state == "dispatched" and routed.unit == units["build"]
    assert Transition.objects.count() == steps
    # the platform dispatching it itself is news: the row updates the request
    moved = write_csv(
        tmp_path / "gd2.csv",
        HEADERS,
        [row("W1", 状态="办理中", 承办单位="东苑居民区", **empty)],
    )
    assert TicketImport(office).apply(moved).n_updated == 1
    routed.refresh_from_db()
    assert routed.state == "in_progress" and routed.unit == units["east"]
