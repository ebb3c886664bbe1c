"""The demo's 民生诉求: the 五单 loop played through the services, in every stage."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from duban.org.models import Office
from duban.reports import dashboard, figures
from duban.reports.monthly_text import blocks
from duban.tickets import metrics, services
from duban.tickets.flow import Action, State
from duban.tickets.models import (
    ExtensionRequest,
    FollowUp,
    RoutingRule,
    Source,
    Ticket,
    TicketCategory,
    Transition,
)

TODAY = "2022-08-01"  # the demo: January to July 2022


@pytest.fixture
def demo(db):
    call_command("demo", "--date", TODAY, "--quiet", "--password", "Xk7mPq2wLs", stdout=StringIO())
    return Office.objects.order_by("id").first()


def test_the_demo_has_requests_from_every_source_in_every_stage(demo):
    tickets = Ticket.objects.filter(office=demo)
    assert 12 * 7 <= tickets.count() <= 300  # about 15 a month
    sources = Counter(tickets.values_list("source", flat=True))
    for source in (Source.GRID, Source.TALK_DAY, Source.HOTLINE, Source.VISIT):
        assert sources[source] >= 5, source
    states = Counter(tickets.values_list("state", flat=True))
    for state in (State.RECEIVED, State.DISPATCHED, State.IN_PROGRESS, State.CLOSED):
        assert states[state] >= 1, state
    assert states[State.RATED] + states[State.ARCHIVED] > tickets.count() / 2
    # 说事日 on the 5th, 15th and 25th, each request of a sitting in its community
    talk = tickets.filter(source=Source.TALK_DAY)
    assert {t.received_at.astimezone().day for t in talk} <= {5, 15, 25}
    assert all(t.session.community_id == t.community_id for t in talk)
    # varied contents, everything within the demo months
    assert len(set(tickets.values_list("content", flat=True))) > tickets.count() * 0.6
    start = timezone.make_aware(dt.datetime(2022, 1, 1))
    end = timezone.make_aware(dt.datetime(2022, 8, 1))
    times = Transition.objects.filter(ticket__office=demo).values_list("at", flat=True)
    assert start <= min(times) and max(times) < end
    # the open requests of the last weeks, some overdue
    assert services.overdue(tickets, now=end).exists()
    assert tickets.filter(urgency="normal").count() > tickets.count() * 0.8


def test_every_step_was_taken_by_the_person_who_may_take_it(demo):
    actions = Counter(Transition.objects.values_list("action", flat=True))
    for action in (
        Action.RECEIVE,
        Action.DISPATCH,
        Action.APPROVE,
        Action.CLAIM,
        Action.RETURN,
        Action.CLOSE,
        Action.FOLLOW_UP,
        Action.ARCHIVE,
        Action.EXT_REQUEST,
        Action.EXT_APPROVE,
    ):
        assert actions[action] >= 1, action
    assert actions[Action.RECEIVE] == Ticket.objects.count()
    admin = get_user_model().objects.get(username="demo_admin")
    office_steps = Transition.objects.filter(
        action__in=[Action.APPROVE, Action.FOLLOW_UP, Action.ARCHIVE]
    )
    assert set(office_steps.values_list("actor", flat=True)) == {admin.pk}
    for step in Transition.objects.filter(action__in=[Action.CLAIM, Action.CLOSE]):
        assert step.actor.profile.unit_id == step.unit_id
    returned = Transition.objects.filter(action=Action.RETURN)
    assert all(t.reason and t.actor.profile.unit_id == t.unit_id for t in returned)
    # the requests returned were dispatched again (or wait 已退单 at the office)
    for ticket in Ticket.objects.filter(transitions__action=Action.RETURN).distinct():
        assert (
            ticket.state == State.RETURNED
            or ticket.transitions.filter(action=Action.DISPATCH).count() >= 2
        )
    # automatic routing for 路灯损坏 (no actor), a rule proposed for 物业管理
    assert RoutingRule.objects.filter(auto_dispatch=True).exists()
    assert Transition.objects.filter(action=Action.DISPATCH, actor=None).exists()
    assert Transition.objects.filter(reason__startswith="按分单规则").exists()
    assert ExtensionRequest.objects.filter(decision="approved").count() == 1
    assert TicketCategory.objects.filter(parent=None).count() >= 4
    assert FollowUp.objects.count() == actions[Action.FOLLOW_UP]


def test_the_statistics_add_up_and_the_rates_are_realistic(demo):
    tickets = Ticket.objects.filter(office=demo)
    total = metrics.totals(tickets)
    assert total["received"] == (
        total["closed"] + total["returned"] + total["in_progress"] + total["awaiting_dispatch"]
    )
    assert total["received"] == tickets.exclude(state=State.MERGED).count()
    for key in ("satisfaction_rate", "on_time_rate"):
        assert 80 <= total[key] <= 97, (key, total[key])
    assert services.duplicate_pairs(tickets)


def test_the_demo_report_and_dashboard_have_the_requests(demo):
    data = figures.monthly(demo, "2022-07", today=dt.date(2022, 8, 1))
    assert data["tickets"]["received"] > 0
    text = "\n".join(str(b.get("text", "")) for b in blocks(data))
    assert "民生诉求办理情况" in text
    assert f"共受理民生诉求{data['tickets']['received']}件" in text
    admin = get_user_model().objects.get(username="demo_admin")
    board = dashboard.build(admin, year=2022, today=dt.date(2022, 8, 1))
    assert board["tickets"]["received"] > 0
