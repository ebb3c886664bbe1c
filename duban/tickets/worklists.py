"""The requests' work lists, one home for the pages that show them and the 工作台
that counts them (so a count on the home page is the length of the list it links to).

- the office's inbox by stage (待分单, 待审单, 已退单, 已超期, 待回访, 不满意待重办);
- a unit's lists (待领单, 办理中, 已办结);
- what a 网格员 filed, or their community raised.

Every list starts from `Ticket.objects.visible_to(user)`.
"""

from django.db.models import Q

from duban.org import roles as R
from duban.tickets import flow, services
from duban.tickets.flow import State
from duban.tickets.models import Ticket

#: (key, label, states); None: a condition of its own (below)
INBOX_STAGES = [
    ("dispatch", "待分单", [State.RECEIVED]),
    ("review", "待审单", [State.REVIEWING]),
    ("returned", "已退单", [State.RETURNED]),
    ("overdue", "已超期", None),
    ("follow_up", "待回访", [State.CLOSED]),
    ("unsatisfied", "不满意待重办", None),
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


def count(queryset, cap=CAP):
    """How many requests `queryset` holds, counted no further than cap - 1: "999+" beyond."""
    found = queryset.order_by()[:cap].count()
    return found if found < cap else f"{cap - 1}+"


def counts(stages, queries, cap=CAP):
    """[(key, label, count)] in the stages' order (`count`)."""
    return [(key, label, count(queries[key], cap)) for key, label, _ in stages]
