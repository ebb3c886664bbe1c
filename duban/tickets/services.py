"""The only writer of a request's state: who may take each step of `flow.py`, and the
step applied — a conditional UPDATE whose count is checked (two people acting at once
cannot both win), a `Transition` row and a historical version in the one audit path.

- 收单 `receive`: 网格员 (for their community) and 督查管理员.
- 分单 / 审单 / 回访 / 重办 / 归档: 督查管理员 of the request's office.
- 领单 / 退单 / 办结: 单位负责人 and 单位填报员 of the unit that holds the request.
"""

from django.db import transaction
from django.utils import timezone

from duban.core import audit
from duban.core.workdays import Calendar
from duban.org import roles as R
from duban.progress import workflow
from duban.tickets import flow
from duban.tickets.flow import Action, FlowError
from duban.tickets.models import (
    FollowUp,
    Source,
    Ticket,
    TicketEvidence,
    TicketSettings,
    Transition,
)

UNIT_ROLES = {R.UNIT_HEAD, R.REPORTER}
CONCURRENT = "该诉求刚被他人处理过，请刷新页面后再试"


def is_office_staff(user, office_id):
    """督查管理员 of the office (or a district above it)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if not R.is_supervisor(user):
        return False
    scope = R.office_scope_ids(user)
    return scope is None or office_id in scope


def is_unit_staff(user, unit_id):
    if user is None or not user.is_authenticated or unit_id is None:
        return False
    profile = R.profile_of(user)
    return bool(profile and profile.unit_id == unit_id and R.roles_of(user) & UNIT_ROLES)


def may_file(user):
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or R.roles_of(user) & {R.GRID_WORKER, R.SUPERVISOR})
    )


OFFICE_ACTIONS = {
    Action.DISPATCH,
    Action.APPROVE,
    Action.REJECT,
    Action.FOLLOW_UP,
    Action.REOPEN,
    Action.ARCHIVE,
}
UNIT_ACTIONS = {Action.CLAIM, Action.RETURN, Action.CLOSE}


def may(user, ticket, action):
    action = Action(action)
    if action in OFFICE_ACTIONS:
        return is_office_staff(user, ticket.office_id)
    if action in UNIT_ACTIONS:
        return is_unit_staff(user, ticket.unit_id)
    return False


def allowed_actions(user, ticket):
    """The actions `user` may take on `ticket` now (the rules' state check included)."""
    state = flow.State(ticket.state)
    possible = {
        flow.State.RECEIVED: [Action.DISPATCH],
        flow.State.RETURNED: [Action.DISPATCH],
        flow.State.REVIEWING: [Action.APPROVE, Action.REJECT],
        flow.State.DISPATCHED: [Action.CLAIM, Action.RETURN],
        flow.State.IN_PROGRESS: [Action.CLOSE],
        flow.State.CLOSED: [Action.FOLLOW_UP, Action.ARCHIVE],
        flow.State.RATED: [Action.FOLLOW_UP, Action.REOPEN, Action.ARCHIVE],
        flow.State.ARCHIVED: [],
    }[state]
    found = [a for a in possible if may(user, ticket, a)]
    if Action.REOPEN in found and (
        ticket.satisfaction != flow.Satisfaction.UNSATISFIED or ticket.reopen_count >= 1
    ):
        found.remove(Action.REOPEN)
    return found


def _context(now, calendar):
    return now or timezone.now(), calendar or Calendar.load()


def receive(user, *, office, now=None, **fields):
    """收单: a new request, by a 网格员 or the office. Returns the Ticket."""
    if not may_file(user):
        raise FlowError("只有网格员和督查管理员可以登记诉求")
    now = now or timezone.now()
    fields.setdefault("received_at", now)
    fields.setdefault("source", Source.GRID)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            office=office, created_by=user, state=flow.State.RECEIVED.value, **fields
        )
        Transition.objects.create(
            ticket=ticket,
            action=Action.RECEIVE.value,
            from_state="",
            to_state=ticket.state,
            actor=user,
            at=now,
        )
    return ticket


def apply(
    user,
    ticket,
    action,
    *,
    now=None,
    calendar=None,
    unit=None,
    reason="",
    contacted=None,
    resolved=None,
    satisfaction=None,
):
    """Take `action` on `ticket` as `user`; raises FlowError (a Chinese message) when the
    rules or the user's role forbid it. The ticket object is updated in place."""
    action = Action(action)
    if not may(user, ticket, action):
        raise FlowError(f"您没有权限对该诉求执行“{flow.ACTION_LABELS[action]}”")
    if unit is not None and (not unit.active or unit.office_id not in ticket.office.lineage_ids()):
        raise FlowError(f"“{unit.name}”不是本街道在用的单位，不能分单给它")
    now, calendar = _context(now, calendar)
    rules = TicketSettings.load().rules(ticket.category if ticket.category_id else None)
    move = flow.step(
        ticket.snapshot(),
        action,
        now=now,
        calendar=calendar,
        rules=rules,
        unit=unit.pk if unit is not None else None,
        reason=reason,
        needs_review=bool(ticket.category_id and ticket.category.needs_review),
        satisfaction=satisfaction,
    )
    after = move.after
    fields = {
        "state": after.state.value,
        "unit_id": after.unit,
        "dispatched_at": after.dispatched_at,
        "deadline": after.deadline,
        "reopen_count": after.reopen_count,
    }
    if action == Action.CLOSE:
        fields.update(closed_at=now, result=reason.strip())
    if action == Action.REOPEN:
        fields["closed_at"] = None
    if action == Action.FOLLOW_UP:
        fields.update(
            followed_up=True,
            contacted=contacted,
            resolved=resolved,
            satisfaction=satisfaction or "",
        )
    with transaction.atomic():
        count = Ticket.objects.filter(pk=ticket.pk, state=move.before.value).update(**fields)
        if count != 1:
            raise FlowError(CONCURRENT)
        for name, value in fields.items():
            setattr(ticket, name, value)
        if action == Action.FOLLOW_UP:
            FollowUp.objects.create(
                ticket=ticket,
                at=now,
                by=user,
                contacted=contacted,
                resolved=resolved,
                satisfaction=satisfaction or "",
                comment=reason.strip(),
            )
        Transition.objects.create(
            ticket=ticket,
            action=action.value,
            from_state=move.before.value,
            to_state=after.state.value,
            actor=user,
            at=now,
            reason=reason.strip(),
            unit_id=move.unit,
        )
        audit.bulk_create_history(Ticket, [ticket], history_type="~")
    return ticket


def check_evidence(uploaded):
    """The one evidence check (type by name and content, size), its words as a FlowError."""
    try:
        workflow.check_evidence(uploaded)
    except workflow.WorkflowError as error:
        raise FlowError(str(error))


def add_evidence(user, ticket, uploaded):
    """办结佐证, by the unit that holds the request while it handles or has closed it."""
    if not (is_unit_staff(user, ticket.unit_id) or is_office_staff(user, ticket.office_id)):
        raise FlowError("只有承办单位可以上传办结佐证")
    if flow.State(ticket.state) not in (flow.State.IN_PROGRESS, flow.State.CLOSED):
        raise FlowError(f"该诉求当前为“{ticket.state_label}”，不能上传办结佐证")
    check_evidence(uploaded)
    return TicketEvidence.objects.create(
        ticket=ticket,
        file=uploaded,
        name=uploaded.name[:200],
        size=uploaded.size,
        uploaded_by=user,
    )


def overdue(queryset, now=None):
    """The open requests of `queryset` past their deadline."""
    now = now or timezone.now()
    return queryset.filter(
        state__in=[s.value for s in flow.OPEN], deadline__isnull=False, deadline__lt=now
    )
