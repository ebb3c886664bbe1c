"""The statistics' summary table (`tickets.summary`) gives exactly the row-based
statistics (`metrics.compute`): on random requests and periods, after a request is
saved, moved to another day or deleted, after every kind of step of the loop (also
in test_tickets_property) and after imports that create and update."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.core.workdays import Calendar
from duban.tickets import flow, metrics, services, summary
from duban.tickets.importer import HEADERS, TicketImport
from duban.tickets.models import DayCount, Ticket, TicketCategory
from tests.tickets.test_tickets_import import write_csv
from tests.tickets.test_tickets_import_staged import orders

TZ = dt.timezone(dt.timedelta(hours=8))
CAL = Calendar(manual_years={2024})
# near midnight on both sides (local days, not UTC days), across a month's end
MOMENTS = st.builds(
    lambda day, minutes: (
        dt.datetime(2024, 1, 30, tzinfo=TZ) + dt.timedelta(days=day, minutes=minutes)
    ),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([0, 1, 7 * 60, 16 * 60 - 1, 16 * 60, 24 * 60 - 1]),
)
TICKET = st.fixed_dictionaries(
    {
        "received_at": MOMENTS,
        "state": st.sampled_from([s.value for s in flow.State]),
        "unit": st.sampled_from(["build", "party", None]),
        "community": st.sampled_from(["east", "west", None]),
        "category": st.booleans(),
        "followed_up": st.booleans(),
        "contacted": st.sampled_from([True, False, None]),
        "resolved": st.sampled_from([True, False, None]),
        "satisfaction": st.sampled_from(["", *(s.value for s in flow.Satisfaction)]),
        "late": st.sampled_from([None, -1, 0, 1]),
    }
)


def same(start=None, end=None):
    """The summary's statistics equal the row-based ones, for the period."""
    rows = metrics.compute(metrics.between(Ticket.objects.all(), start, end))
    assert metrics.summarized(None, start, end) == rows
    return rows


@pytest.mark.django_db
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tickets=st.lists(TICKET, max_size=8),
    first=st.integers(min_value=0, max_value=4),
    length=st.integers(min_value=0, max_value=4),
)
def test_random_requests_and_periods(units, tickets, first, length):
    Ticket.objects.all().delete()
    category = TicketCategory.objects.get_or_create(name="市容环境")[0]
    for t in tickets:
        deadline = t["received_at"] + dt.timedelta(days=2)
        Ticket.objects.create(
            office=units["build"].office,
            source="grid",
            content="诉求",
            received_at=t["received_at"],
            state=t["state"],
            unit=units[t["unit"]] if t["unit"] else None,
            community=units[t["community"]] if t["community"] else None,
            category=category if t["category"] else None,
            followed_up=t["followed_up"],
            contacted=t["contacted"],
            resolved=t["resolved"],
            satisfaction=t["satisfaction"],
            deadline=deadline,
            closed_at=None if t["late"] is None else deadline + dt.timedelta(hours=t["late"]),
        )
    start = dt.date(2024, 1, 29) + dt.timedelta(days=first)
    stats = same(start, start + dt.timedelta(days=length))
    assert same()["received"] == sum(t["state"] != flow.State.MERGED.value for t in tickets)
    assert stats["received"] <= len(tickets)


def test_a_request_saved_moved_to_another_day_and_deleted(units):
    office = units["build"].office
    ticket = Ticket.objects.create(
        office=office,
        source="grid",
        content="诉求",
        received_at=dt.datetime(2024, 2, 1, 8, tzinfo=TZ),
    )
    assert same()["received"] == 1
    ticket.received_at = dt.datetime(2024, 3, 5, 23, 30, tzinfo=TZ)  # the admin's form
    ticket.community = units["east"]
    ticket.save()
    assert same(dt.date(2024, 2, 1), dt.date(2024, 2, 1))["received"] == 0
    assert same(dt.date(2024, 3, 5), dt.date(2024, 3, 5))["by_community"][0]["name"] == "东苑居民区"
    ticket.delete()
    assert same()["received"] == 0
    assert not DayCount.objects.exists()


def test_every_step_of_the_loop_and_an_extension_and_a_merge(people, units):
    now = dt.datetime(2024, 3, 4, 9, tzinfo=TZ)
    alice, bob = people["alice"], people["bob"]
    office = units["build"].office
    one = services.receive(people["gina"], office=office, content="路灯不亮", now=now)
    two = services.receive(alice, office=office, content="路灯不亮", now=now)
    same()
    steps = [
        (alice, flow.Action.DISPATCH, {"unit": units["build"]}),
        (bob, flow.Action.RETURN, {"reason": "不归我们管"}),
        (alice, flow.Action.DISPATCH, {"unit": units["build"]}),
        (bob, flow.Action.CLAIM, {}),
    ]
    for user, action, extra in steps:
        services.apply(user, one, action, now=now, calendar=CAL, **extra)
        same()
    extension = services.request_extension(bob, one, 3, "材料未到", now=now, calendar=CAL)
    services.decide_extension(alice, extension, True, now=now, calendar=CAL)
    same()
    for user, action, extra in [
        (bob, flow.Action.CLOSE, {"reason": "已修复"}),
        (
            alice,
            flow.Action.FOLLOW_UP,
            {"contacted": True, "resolved": False, "satisfaction": "unsatisfied"},
        ),
        (alice, flow.Action.REOPEN, {"reason": "未修好"}),
        (bob, flow.Action.CLOSE, {"reason": "已更换"}),
        (
            alice,
            flow.Action.FOLLOW_UP,
            {"contacted": True, "resolved": True, "satisfaction": "satisfied"},
        ),
        (alice, flow.Action.ARCHIVE, {}),
    ]:
        services.apply(user, one, action, now=now + dt.timedelta(days=1), calendar=CAL, **extra)
        same()
    services.merge(alice, two, one, now=now)
    stats = same()
    assert stats["received"] == 1 and stats["closed"] == 1 and stats["satisfied"] == 1


def test_imports_that_create_and_update(tmp_path, office, units, monkeypatch):
    monkeypatch.setattr(summary, "SCAN_ROWS", 0)  # SQLite: the plain scan of a large span
    TicketCategory.objects.create(name="市容环境")
    rows = orders(40)
    assert TicketImport(office).apply(write_csv(tmp_path / "a.csv", HEADERS, rows)).ok
    assert same()["received"] == 40
    # the same file again changes nothing; then states, follow-ups and a day move
    assert TicketImport(office).apply(write_csv(tmp_path / "a.csv", HEADERS, rows)).ok
    same()
    changed = orders(45)
    for r in changed[:10]:
        r[HEADERS.index("状态")] = "已办结"
        r[HEADERS.index("办结时间")] = "2023-04-03 10:00"
        r[HEADERS.index("满意度")] = "满意"
    changed[11][HEADERS.index("受理时间")] = "2023-05-20 23:59"
    assert TicketImport(office).apply(write_csv(tmp_path / "b.csv", HEADERS, changed)).ok
    stats = same()
    assert stats["received"] == 45
    assert same(dt.date(2023, 5, 20), dt.date(2023, 5, 20))["received"] == 1


def test_rebuild_gives_the_same_rows(units):
    office = units["build"].office
    for day in range(3):
        Ticket.objects.create(
            office=office,
            source="grid",
            content="诉求",
            received_at=dt.datetime(2024, 2, 1 + day, 23, 30, tzinfo=TZ),
            unit=units["build"],
        )
    before = sorted(DayCount.objects.values_list("day", "dimension", "key", "received"))
    summary.rebuild()
    assert sorted(DayCount.objects.values_list("day", "dimension", "key", "received")) == before
    assert len(before) == 9
