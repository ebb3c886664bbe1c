"""延期: the unit asks, the office approves or rejects; the deadline moves only on approval."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.core.workdays import Calendar
from duban.tickets import flow, metrics, services
from duban.tickets.flow import FlowError, Snapshot, State
from duban.tickets.models import ExtensionRequest, Ticket, Transition

TZ = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2024, 3, 4, 9, 0, tzinfo=TZ)
CAL = Calendar(manual_years={2023, 2024})

# ----- pure -----


def test_extended_deadline_counts_working_days_from_the_deadline():
    friday = dt.datetime(2024, 3, 8, 17, 0, tzinfo=TZ)
    assert flow.extended_deadline(friday, 3, CAL) == dt.datetime(2024, 3, 13, 17, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("snapshot", "workdays", "reason", "pending", "message"),
    [
        (Snapshot(State.CLOSED, unit=1, deadline=MONDAY), 3, "理由", False, "不能申请延期"),
        (Snapshot(State.IN_PROGRESS, unit=1), 3, "理由", False, "没有办理时限"),
        (Snapshot(State.IN_PROGRESS, unit=1, deadline=MONDAY), 3, "理由", True, "待审批"),
        (Snapshot(State.IN_PROGRESS, unit=1, deadline=MONDAY), 0, "理由", False, "1 至 30"),
        (Snapshot(State.IN_PROGRESS, unit=1, deadline=MONDAY), 31, "理由", False, "1 至 30"),
        (Snapshot(State.IN_PROGRESS, unit=1, deadline=MONDAY), 3, " ", False, "写明理由"),
    ],
)
def test_an_extension_request_is_refused_with_words(snapshot, workdays, reason, pending, message):
    with pytest.raises(FlowError, match=message):
        flow.check_extension(snapshot, workdays, reason, pending=pending)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2024, 11, 30)),
    hour=st.integers(min_value=0, max_value=23),
    workdays=st.integers(min_value=1, max_value=flow.MAX_EXTENSION_WORKDAYS),
)
def test_an_extension_moves_the_deadline_later_by_exactly_that_many_working_days(
    day, hour, workdays
):
    deadline = dt.datetime.combine(day, dt.time(hour), TZ)
    later = flow.extended_deadline(deadline, workdays, CAL)
    assert later > deadline and later.time() == deadline.time()
    assert CAL.add_workdays(deadline.date(), workdays) == later.date()


def test_a_rejection_needs_a_reason():
    with pytest.raises(FlowError, match="驳回延期须写明理由"):
        flow.check_decision(Snapshot(State.IN_PROGRESS), False, "")


# ----- services and pages -----


@pytest.fixture
def ticket(people, units):
    with time_machine.travel(MONDAY, tick=False):
        t = services.receive(
            people["gina"], office=units["west"].office, content="井盖缺失", now=MONDAY
        )
        services.apply(
            people["alice"], t, "dispatch", unit=units["build"], now=MONDAY, calendar=CAL
        )
        services.apply(people["bob"], t, "claim", now=MONDAY, calendar=CAL)
    return t


def test_the_deadline_changes_only_on_approval_and_the_on_time_rate_follows(people, units, ticket):
    due = ticket.deadline
    assert due == dt.datetime(2024, 3, 13, 9, 0, tzinfo=TZ)
    with pytest.raises(FlowError, match="只有承办单位"):
        services.request_extension(people["carol"], ticket, 3, "需要协调")
    ext = services.request_extension(people["bob"], ticket, 3, "需协调供电部门", calendar=CAL)
    ticket.refresh_from_db()
    assert ticket.deadline == due  # not yet
    with pytest.raises(FlowError, match="待审批"):
        services.request_extension(people["hank"], ticket, 2, "再延", calendar=CAL)
    with pytest.raises(FlowError, match="只有督查管理员"):
        services.decide_extension(people["bob"], ext, True)
    services.decide_extension(people["alice"], ext, True, calendar=CAL)
    ticket.refresh_from_db()
    assert ticket.deadline == dt.datetime(2024, 3, 18, 9, 0, tzinfo=TZ)
    assert ExtensionRequest.objects.get().decision == "approved"
    actions = list(Transition.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions[-2:] == ["ext_request", "ext_approve"]
    # closed after the first deadline but within the approved one: on time
    services.apply(
        people["bob"],
        ticket,
        "close",
        reason="已补装",
        now=dt.datetime(2024, 3, 15, 9, 0, tzinfo=TZ),
    )
    assert metrics.compute(Ticket.objects.all())["on_time_rate"] == 100


def test_a_rejected_extension_keeps_the_deadline(people, ticket):
    due = ticket.deadline
    ext = services.request_extension(people["bob"], ticket, 3, "需协调", calendar=CAL)
    with pytest.raises(FlowError, match="驳回延期须写明理由"):
        services.decide_extension(people["alice"], ext, False, "")
    services.decide_extension(people["alice"], ext, False, "时限内可以办完")
    ticket.refresh_from_db()
    assert ticket.deadline == due
    step = Transition.objects.filter(ticket=ticket).last()
    assert step.action == "ext_reject" and "时限内可以办完" in step.reason
    with pytest.raises(FlowError, match="已驳回"):
        services.decide_extension(people["alice"], ext, True)


def test_extension_through_the_pages(client, people, ticket):
    url = reverse("tickets:extension", args=[ticket.pk])
    client.force_login(people["bob"])
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "申请延期" in page
    response = client.post(url, {"workdays": "abc", "reason": "x"}, follow=True)
    assert "延期工作日须是整数" in response.content.decode()
    response = client.post(url, {"workdays": "3", "reason": ""}, follow=True)
    assert "请写明延期理由" in response.content.decode()
    response = client.post(url, {"workdays": "40", "reason": "太久"}, follow=True)
    assert "延期工作日最多为 30" in response.content.decode()
    assert not ExtensionRequest.objects.exists()
    client.post(url, {"workdays": "2", "reason": "等材料"})
    ext = ExtensionRequest.objects.get()
    decide = reverse("tickets:extension_decide", args=[ext.pk, "approve"])
    assert client.post(decide).status_code == 302
    ext.refresh_from_db()
    assert ext.decision == "pending"  # a unit cannot approve its own
    client.force_login(people["alice"])
    assert "等材料" in client.get(reverse("tickets:extensions")).content.decode()
    client.post(decide)
    ext.refresh_from_db()
    assert ext.decision == "approved"
    client.force_login(people["bob"])
    assert client.get(reverse("tickets:extensions")).status_code == 403
    client.force_login(people["carol"])  # another unit: 404
    assert client.post(url, {"workdays": "2", "reason": "x"}).status_code == 404
