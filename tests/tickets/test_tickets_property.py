"""Property: whatever people do, in whatever order, through the services (permissions,
conditional updates, transitions), no request is lost from the statistics and every one
stays in a state the rules know."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duban.core.workdays import Calendar
from duban.tickets import flow, metrics, services
from duban.tickets.flow import FlowError
from duban.tickets.models import Ticket, Transition

TZ = dt.timezone(dt.timedelta(hours=8))
CAL = Calendar(manual_years={2024})
START = dt.datetime(2024, 3, 4, 9, 0, tzinfo=TZ)

steps = st.lists(
    st.tuples(
        st.sampled_from(["alice", "bob", "carol", "gina", "lily"]),
        st.sampled_from(
            [a.value for a in flow.Action if a not in (flow.Action.RECEIVE, flow.Action.IMPORT)]
        ),
        st.sampled_from(["build", "east", None]),
        st.sampled_from(["", "理由"]),
        st.sampled_from([None, *(s.value for s in flow.Satisfaction)]),
        st.integers(min_value=0, max_value=3),
    ),
    max_size=12,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=steps)
def test_no_sequence_of_actions_loses_a_request(people, units, actions):
    now = START
    ticket = services.receive(people["gina"], office=units["build"].office, content="诉求", now=now)
    moved = 0
    for who, action, unit, reason, satisfaction, days in actions:
        now += dt.timedelta(days=days)
        try:
            services.apply(
                people[who],
                ticket,
                action,
                now=now,
                calendar=CAL,
                unit=units[unit] if unit else None,
                reason=reason,
                satisfaction=satisfaction,
            )
            moved += 1
        except FlowError:
            pass
        stored = Ticket.objects.get(pk=ticket.pk)
        assert stored.state == ticket.state  # the object and the row never disagree
        assert stored.state in {s.value for s in flow.State}
        if flow.State(stored.state) in flow.WITH_UNIT:
            assert stored.unit_id is not None
    assert Transition.objects.filter(ticket=ticket).count() == moved + 1
    stats = metrics.compute(Ticket.objects.all())
    assert metrics.summarized() == stats  # the summary table kept up by every step
    assert stats["received"] == Ticket.objects.count()
    assert stats["received"] == sum(
        stats[k] for k in ("closed", "returned", "in_progress", "awaiting_dispatch")
    )
