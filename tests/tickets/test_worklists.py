"""The requests' work lists in the order of work, paged no further than their cap."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from duban.tickets import worklists
from duban.tickets.models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2024, 3, 4, 9, tzinfo=TZ)
DAY = dt.timedelta(days=1)


def make(office, n, state, deadline, *, unit=None, received=None):
    return Ticket.objects.create(
        office=office,
        source="hotline",
        source_number=f"H{n:04d}",
        received_at=received or NOW - 20 * DAY,
        content=f"诉求{n}",
        state=state,
        unit=unit,
        deadline=deadline,
    )


def in_order(stage_list, states, start, stop):
    return [t.pk for t in worklists.InOrder(stage_list, states)[start:stop]]


def test_the_overdue_stage_merged_state_by_state_is_the_order_of_one_query(people, units, office):
    # ties on the deadline, then on the received time: the merge keeps the query's order
    same = NOW - 3 * DAY
    made = [
        make(office, 1, "received", same),
        make(office, 2, "returned", same),
        make(office, 3, "dispatched", same, unit=units["build"], received=NOW - 30 * DAY),
        make(office, 4, "in_progress", NOW - 9 * DAY, unit=units["build"]),
        make(office, 5, "reviewing", NOW - 1 * DAY),
        make(office, 6, "in_progress", same, unit=units["east"]),
        make(office, 7, "returned", NOW - 12 * DAY),
        make(office, 8, "received", NOW - 2 * DAY),
        make(office, 9, "dispatched", NOW - 5 * DAY, unit=units["east"]),
    ]
    make(office, 10, "in_progress", NOW + 2 * DAY, unit=units["build"])  # not yet late
    make(office, 11, "closed", NOW - 40 * DAY, unit=units["build"])  # done: not overdue
    make(office, 12, "received", None)  # no deadline yet
    stage = worklists.inbox(people["alice"], NOW)["overdue"]
    states = worklists.states_of(worklists.INBOX_STAGES, "overdue")
    one_query = list(stage.order_by(*worklists.ORDER).values_list("pk", flat=True))
    assert sorted(one_query) == sorted(t.pk for t in made)
    # the longest overdue first; on the same deadline the earliest received, then by number
    assert one_query[:2] == [made[6].pk, made[3].pk]
    assert one_query[3:7] == [made[2].pk, made[0].pk, made[1].pk, made[5].pk]
    for start, stop in [(0, 50), (0, 3), (2, 6), (4, 9), (8, 20), (9, 12)]:
        assert in_order(stage, states, start, stop) == one_query[start:stop], (start, stop)
    assert worklists.InOrder(stage, states).count() == len(made)


def test_a_stage_lists_the_earliest_deadline_first_and_the_undispatched_last(people, units, office):
    later = make(office, 1, "received", NOW + 3 * DAY)
    undispatched = make(office, 2, "received", None, received=NOW - 30 * DAY)
    late = make(office, 3, "received", NOW - DAY)
    stage = worklists.inbox(people["alice"], NOW)["dispatch"]
    states = worklists.states_of(worklists.INBOX_STAGES, "dispatch")
    assert in_order(stage, states, 0, 10) == [late.pk, later.pk, undispatched.pk]


def test_a_stage_page_goes_no_further_than_the_cap_and_says_where_the_rest_are(
    client, people, units, office, monkeypatch
):
    monkeypatch.setattr(worklists, "CAP", 3)
    made = [make(office, n, "returned", NOW - n * DAY) for n in range(1, 6)]
    client.force_login(people["alice"])
    page = client.get(reverse("tickets:inbox") + "?stage=returned").content.decode()
    shown = [t for t in made if f'id="ticket-{t.pk}"' in page]
    # the three longest overdue of five
    assert shown == made[2:]
    assert 'id="pages-capped"' in page and "全部诉求" in page
    # beyond the cap: the last page there is
    again = client.get(reverse("tickets:inbox") + "?stage=returned&page=9").content.decode()
    assert [t for t in made if f'id="ticket-{t.pk}"' in again] == made[2:]

    Ticket.objects.filter(pk__in=[made[0].pk, made[1].pk, made[2].pk]).delete()
    fewer = client.get(reverse("tickets:inbox") + "?stage=returned").content.decode()
    assert 'id="pages-capped"' not in fewer


def test_a_unit_sees_the_requests_past_their_deadline_first(client, people, units, office):
    fresh = make(office, 1, "dispatched", NOW + 5 * DAY, unit=units["build"])
    late = make(office, 2, "dispatched", NOW - 2 * DAY, unit=units["build"])
    make(office, 3, "dispatched", NOW - 9 * DAY, unit=units["east"])  # another unit's
    client.force_login(people["bob"])
    page = client.get(reverse("tickets:unit_list") + "?stage=claim").content.decode()
    assert page.index(f'id="ticket-{late.pk}"') < page.index(f'id="ticket-{fresh.pk}"')
    assert page.count('class="ticket-card') == 2


@pytest.mark.parametrize("stage", ["dispatch", "review", "returned", "overdue", "follow_up"])
def test_every_inbox_stage_answers_with_its_units_written_once(
    client, people, units, office, stage
):
    make(office, 1, "received", NOW - DAY)
    make(office, 2, "returned", NOW - DAY)
    client.force_login(people["alice"])
    response = client.get(reverse("tickets:inbox") + f"?stage={stage}")
    assert response.status_code == 200
    page = response.content.decode()
    if stage in ("dispatch", "returned", "overdue"):
        assert f'<option value="{units["build"].pk}">城建中心</option>' in page
