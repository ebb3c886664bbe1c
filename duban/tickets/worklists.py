"""The requests' work lists, one home for the pages that show them and the 工作台
that counts them (so a count on the home page is the length of the list it links to).

- the office's inbox by stage (待分单, 待审单, 已退单, 已超期, 待回访, 不满意待重办);
- a unit's lists (待领单, 办理中, 已办结);
- what a 网格员 filed, or their community raised.

Every list starts from `Ticket.objects.visible_to(user)`.
"""

import heapq

from django.core.paginator import Paginator
from django.db.models import F, Q
from django.utils.functional import cached_property

from duban.org import roles as R
from duban.tickets import flow, services
from duban.tickets.flow import State
from duban.tickets.models import Ticket

#: (key, label, states): a stage's requests are in these states; 已超期 and 不满意待重办
#: add a condition of their own (`inbox`)
INBOX_STAGES = [
    ("dispatch", "待分单", [State.RECEIVED]),
    ("review", "待审单", [State.REVIEWING]),
    ("returned", "已退单", [State.RETURNED]),
    ("overdue", "已超期", sorted(flow.OPEN)),
    ("follow_up", "待回访", [State.CLOSED]),
    ("unsatisfied", "不满意待重办", [State.RATED]),
]

UNIT_STAGES = [
    ("claim", "待领单", [State.DISPATCHED]),
    ("doing", "办理中", [State.IN_PROGRESS]),
    ("done", "已办结", [State.CLOSED, State.RATED, State.ARCHIVED]),
]


def _states(states):
    return [s.value for s in states]


def inbox(user, now):
    """{stage key: the requests of that stage} of the office's inbox."""
    visible = Ticket.objects.visible_to(user)
    queries = {}
    for key, _label, states in INBOX_STAGES:
        if key == "overdue":
            queries[key] = services.overdue(visible, now)
        elif key == "unsatisfied":
            queries[key] = visible.filter(
                state=State.RATED, satisfaction=flow.Satisfaction.UNSATISFIED, reopen_count=0
            )
        else:
            queries[key] = visible.filter(state__in=_states(states))
    return queries


def unit_lists(user):
    """{stage key: the requests of that stage} of the person's unit (none without one)."""
    unit = R.unit_id_of(user)
    assigned = Ticket.objects.visible_to(user).filter(unit_id=unit)
    if unit is None:
        assigned = assigned.none()
    return {key: assigned.filter(state__in=_states(states)) for key, _, states in UNIT_STAGES}


def filed(user):
    """The requests a 网格员 filed, or that their community raised."""
    condition = Q(created_by=user)
    unit = R.unit_id_of(user)
    if unit:
        condition |= Q(community_id=unit)
    return Ticket.objects.visible_to(user).filter(condition)


#: a stage's count stops here: a city's hotline holds hundreds of thousands of requests,
#: and an exact count of each stage read them all (the office's 工作台 took half a second
#: at a million requests, 40 ms with the cap)
CAP = 1000


def _counted(queryset, cap=None):
    """How many requests `queryset` holds, reading no more than `cap` (CAP) of them."""
    return queryset.order_by()[: cap or CAP].count()


def count(queryset, cap=CAP):
    """How many requests `queryset` holds, counted no further than cap - 1: "999+" beyond."""
    found = _counted(queryset, cap)
    return found if found < cap else f"{cap - 1}+"


def counts(stages, queries, cap=CAP):
    """[(key, label, count)] in the stages' order (`count`)."""
    return [(key, label, count(queries[key], cap)) for key, label, _ in stages]


def states_of(stages, key):
    """The states of stage `key` of `stages`."""
    return next(states for k, _label, states in stages if k == key)


#: the order of work on a stage's list: the earliest deadline first, then the earliest
#: received; those without a deadline (not yet dispatched) last. Every state of a stage
#: is open or none is, so on a list of open requests the overdue come first.
ORDER = (F("deadline").asc(nulls_last=True), F("received_at").asc(), F("pk").asc())


def _key(row):
    deadline, received_at, pk = row
    return (deadline is None, deadline or received_at, received_at, pk)


class InOrder:
    """A stage's requests in the order of work (`ORDER`), for a `Pages`: sliced, it
    reads only the rows of the slice.

    A stage of several states (已超期: every open state) is read state by state, each
    in order from the (state, deadline) index, and the states merged: one ordered read
    of them all sorted every open request (half a second at a million requests)."""

    def __init__(self, queryset, states):
        self.queryset = queryset
        self.states = [State(s).value for s in states]

    def count(self):
        """The stage's size, counted to CAP (`count`): a list is paged no further."""
        return _counted(self.queryset)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if len(self.states) == 1 or stop is None:
            return list(self.queryset.order_by(*ORDER)[start:stop])
        firsts = [
            self.queryset.filter(state=state)
            .order_by(*ORDER)
            .values_list("deadline", "received_at", "pk")[:stop]
            for state in self.states
        ]
        ids = [pk for _d, _r, pk in heapq.merge(*firsts, key=_key)][start:stop]
        found = self.queryset.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


class Pages(Paginator):
    """The pages of a stage's list (`InOrder`, or a queryset in an order of its own):
    no further than its first CAP requests; `capped` says there are more (the full list
    and its filters are on 全部诉求)."""

    @cached_property
    def count(self):
        items = self.object_list
        return _counted(items.queryset if isinstance(items, InOrder) else items)

    @property
    def capped(self):
        return self.count >= CAP
