"""The only writer of a request's state: who may take each step of `flow.py`, and the
step applied — a conditional UPDATE whose count is checked (two people acting at once
cannot both win), a `Transition` row and a historical version in the one audit path.

- 收单 `receive`: 网格员 (for their community) and 督查管理员.
- 分单 / 审单 / 回访 / 重办 / 归档: 督查管理员 of the request's office.
- 领单 / 退单 / 办结: 单位负责人 and 单位填报员 of the unit that holds the request.
"""

from django.db import transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Concat, Lower, Replace
from django.utils import timezone

from duban.core import audit
from duban.core.workdays import Calendar
from duban.org import roles as R
from duban.progress import workflow
from duban.tickets import duplicates, flow, routing, signals, summary
from duban.tickets.flow import Action, FlowError
from duban.tickets.models import (
    DuplicateDismissal,
    ExtensionRequest,
    FollowUp,
    RoutingRule,
    Source,
    Ticket,
    TicketCategory,
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
        flow.State.MERGED: [],
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
        auto_route([ticket], now=now)
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
    return _apply(
        user,
        ticket,
        action,
        now=now,
        calendar=calendar,
        unit=unit,
        reason=reason,
        contacted=contacted,
        resolved=resolved,
        satisfaction=satisfaction,
    )


#: the steps the office takes on many requests at once: 分单 after a 说事日, and the
#: committee's 审单 of a list at its meeting
BATCH_ACTIONS = (Action.DISPATCH, Action.APPROVE)


def apply_many(user, tickets, action, *, unit=None, now=None):
    """`apply` to each of `tickets` in turn, each its own step: a request another person
    moved meanwhile (or that the unit cannot take) is left as it is and reported, the
    others go ahead. Returns (done, [(ticket, Chinese reason)]); the statistics'
    days are refreshed once at the end."""
    action = Action(action)
    if action not in BATCH_ACTIONS:
        raise FlowError(f"“{flow.ACTION_LABELS[action]}”不能批量操作")
    now, calendar = _context(now, None)
    done, failed = [], []
    with summary.deferred():
        for ticket in tickets:
            try:
                apply(user, ticket, action, now=now, calendar=calendar, unit=unit)
            except FlowError as error:
                failed.append((ticket, str(error)))
            else:
                done.append(ticket)
    return done, failed


def _apply(
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
    """The step itself, once the caller checked who may take it (`user` may be None:
    the system, for 自动分单)."""
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
        summary.touch_tickets([ticket])
        if action == Action.DISPATCH:
            signals.dispatched.send(
                sender=Ticket, ticket=ticket, unit_id=after.unit, user=user, at=now
            )
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


# ----- 分单规则 -----


def _lineage(category_id, parents):
    out = []
    while category_id is not None and category_id not in out:
        out.append(category_id)
        category_id = parents.get(category_id)
    return out


class Router:
    """The office's active rules, loaded once, matched against many requests."""

    def __init__(self, office):
        self.rules = {
            r.pk: r
            for r in RoutingRule.objects.filter(
                office=office, active=True, unit__active=True
            ).select_related("unit", "category", "community")
        }
        self.auto = any(r.auto_dispatch for r in self.rules.values())
        self.pure = [r.as_rule() for r in self.rules.values()]
        self._parents = None

    @property
    def parents(self):
        if self._parents is None:
            self._parents = dict(TicketCategory.objects.values_list("pk", "parent_id"))
        return self._parents

    def rule_for(self, ticket):
        found = routing.match(
            self.pure, _lineage(ticket.category_id, self.parents), ticket.community_id
        )
        return self.rules[found.id] if found else None


def proposed_rule(ticket, router=None):
    """The routing rule that proposes a unit for a request waiting for 分单, or None."""
    if flow.State(ticket.state) not in (flow.State.RECEIVED, flow.State.RETURNED):
        return None
    return (router or Router(ticket.office)).rule_for(ticket)


def rule_reason(rule, auto=False):
    return f"{'自动分单' if auto else '按分单规则'}：{rule}"


def accept_proposal(user, ticket, *, now=None, calendar=None):
    """分单 to the unit a rule proposes, in one click; the rule is the transition's reason."""
    if not is_office_staff(user, ticket.office_id):
        raise FlowError("您没有权限对该诉求执行“分单”")
    rule = proposed_rule(ticket)
    if rule is None:
        raise FlowError("没有适用于该诉求的分单规则，请选择承办单位")
    return _apply(
        user,
        ticket,
        Action.DISPATCH,
        now=now,
        calendar=calendar,
        unit=rule.unit,
        reason=rule_reason(rule),
    )


def has_auto_rules(office):
    return RoutingRule.objects.filter(
        office=office, active=True, auto_dispatch=True, unit__active=True
    ).exists()


def auto_route(tickets, *, now=None, calendar=None, router=None):
    """自动分单: dispatch each new request (待分单) whose rule has 自动分单 on, with the
    rule as the reason and no actor (the system); the others wait for the office, the
    rule's unit proposed. `router` serves many calls for one office (the import).
    Returns how many moved."""
    tickets = [t for t in tickets if t.state == flow.State.RECEIVED.value]
    if not tickets:
        return 0
    routers, moved = {}, 0
    if router is not None:
        routers[tickets[0].office_id] = router
    now, calendar = _context(now, calendar)
    for ticket in tickets:
        router = routers.get(ticket.office_id)
        if router is None:
            router = routers[ticket.office_id] = Router(ticket.office)
        if not router.auto:
            continue
        rule = router.rule_for(ticket)
        if rule is None or not rule.auto_dispatch:
            continue
        try:
            _apply(
                None,
                ticket,
                Action.DISPATCH,
                now=now,
                calendar=calendar,
                unit=rule.unit,
                reason=rule_reason(rule, auto=True),
            )
        except FlowError:
            continue  # e.g. the rule's unit is not the office's: it waits for a person
        moved += 1
    return moved


# ----- 延期 -----


def pending_extension(ticket):
    return ticket.extensions.filter(decision=ExtensionRequest.Decision.PENDING).first()


def request_extension(user, ticket, workdays, reason, *, now=None, calendar=None):
    """申请延期 by the unit that holds the request; the deadline stays until approved."""
    if not is_unit_staff(user, ticket.unit_id):
        raise FlowError("只有承办单位可以申请延期")
    now, calendar = _context(now, calendar)
    flow.check_extension(
        ticket.snapshot(), workdays, reason, pending=pending_extension(ticket) is not None
    )
    new_deadline = flow.extended_deadline(ticket.deadline, workdays, calendar)
    reason = reason.strip()
    with transaction.atomic():
        extension = ExtensionRequest.objects.create(
            ticket=ticket,
            workdays=workdays,
            reason=reason,
            old_deadline=ticket.deadline,
            new_deadline=new_deadline,
            requested_by=user,
            requested_at=now,
        )
        _note(
            ticket,
            Action.EXT_REQUEST,
            user,
            now,
            f"申请延期{workdays}个工作日，至{new_deadline:%Y-%m-%d %H:%M}：{reason}",
        )
    return extension


def decide_extension(user, extension, approve, reason="", *, now=None, calendar=None):
    """The office approves (the deadline moves by the asked working days, from the
    deadline the request has now) or rejects (with a reason) a pending extension."""
    ticket = extension.ticket
    if not is_office_staff(user, ticket.office_id):
        raise FlowError("只有督查管理员可以审批延期")
    if extension.decision != ExtensionRequest.Decision.PENDING:
        raise FlowError(f"该延期申请已{extension.get_decision_display()}")
    now, calendar = _context(now, calendar)
    flow.check_decision(ticket.snapshot(), approve, reason)
    reason = (reason or "").strip()
    with transaction.atomic():
        done = ExtensionRequest.objects.filter(
            pk=extension.pk, decision=ExtensionRequest.Decision.PENDING
        )
        decision = (
            ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REJECTED
        )
        if not done.update(
            decision=decision, decided_by=user, decided_at=now, decision_reason=reason
        ):
            raise FlowError(CONCURRENT)
        extension.refresh_from_db()
        if approve:
            new_deadline = flow.extended_deadline(ticket.deadline, extension.workdays, calendar)
            count = Ticket.objects.filter(pk=ticket.pk, state=ticket.state).update(
                deadline=new_deadline
            )
            if count != 1:
                raise FlowError(CONCURRENT)
            ticket.deadline = new_deadline
            ExtensionRequest.objects.filter(pk=extension.pk).update(new_deadline=new_deadline)
            extension.new_deadline = new_deadline
            text = (
                f"批准延期{extension.workdays}个工作日，办理时限改为{new_deadline:%Y-%m-%d %H:%M}"
            )
            _note(ticket, Action.EXT_APPROVE, user, now, text + (f"：{reason}" if reason else ""))
            audit.bulk_create_history(Ticket, [ticket], history_type="~")
            summary.touch_tickets([ticket])
        else:
            _note(ticket, Action.EXT_REJECT, user, now, f"驳回延期申请：{reason}")
    return extension


def _note(ticket, action, user, now, reason):
    """A transition that does not move the state (延期), kept in the timeline."""
    Transition.objects.create(
        ticket=ticket,
        action=action.value,
        from_state=ticket.state,
        to_state=ticket.state,
        actor=user,
        at=now,
        reason=reason,
        unit_id=ticket.unit_id,
    )


# ----- 同人同事 -----


def _item(ticket):
    return duplicates.Item(
        id=ticket.pk,
        content=ticket.content,
        received_at=ticket.received_at,
        phone=ticket.reporter_phone,
        community=ticket.community_id,
        address=ticket.address,
        category=ticket.category_id,
    )


def _dismissed(ids):
    pairs = DuplicateDismissal.objects.filter(Q(ticket_id__in=ids) | Q(other_id__in=ids))
    return set(pairs.values_list("ticket_id", "other_id"))


def _pair(a, b):
    return (a, b) if a < b else (b, a)


#: the characters a phone or an address may carry besides what identifies it, dropped
#: in SQL before grouping (`duplicates.phone_key` and `duplicates.normalize` then decide)
_PHONE_SEPARATORS = (" ", "\t", "-", "+", "(", ")", "（", "）")
_ADDRESS_SEPARATORS = (" ", "\u3000", "-", "－", "—", ",", "，", ".", "。", "、", "#", "＃")
_ADDRESS_SEPARATORS += ("(", ")", "（", "）")

#: a group larger than this (one phone behind hundreds of requests: a switchboard, a
#: placeholder) compares each request with its GROUP_WINDOW neighbours in time only
GROUP_CAP = 200
GROUP_WINDOW = 50


def _stripped(expression, separators):
    for separator in separators:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def _grouped(live, key, condition):
    """The live requests whose `key` (an SQL expression) they share with at least one
    other, in groups that hold at least one open request: one grouped query, then the
    members — never every open request into memory (a city's hotline holds hundreds
    of thousands)."""
    open_states = [s.value for s in flow.OPEN]
    keyed = live.filter(condition).annotate(group_key=key)
    groups = (
        keyed.order_by()
        .values("group_key")
        .annotate(n=Count("pk"), still_open=Count("pk", filter=Q(state__in=open_states)))
        .filter(n__gt=1, still_open__gt=0)
        .values("group_key")
    )
    return keyed.filter(group_key__in=groups)


def _pairs_of(members):
    """The pairs to compare in one group (oldest first): all of them, or in a group
    larger than GROUP_CAP each with its next GROUP_WINDOW."""
    members.sort(key=lambda t: (t.received_at, t.pk))
    reach = len(members) if len(members) <= GROUP_CAP else GROUP_WINDOW
    for i, a in enumerate(members):
        for b in members[i + 1 : i + 1 + reach]:
            yield a, b


def duplicate_pairs(tickets, *, settings_=None, limit=None):
    """Proposed 同人同事 pairs among `tickets` (a queryset the viewer may see): each
    (older, newer, reason) where at least one of the two is still open (it can be
    merged), neither is merged and nobody dismissed the pair. Newest first.

    The database finds the requests that share a phone, or a community, category and
    address, with another (separators dropped); only those are read and compared."""
    settings_ = settings_ or TicketSettings.load()
    days, threshold = settings_.duplicate_days, float(settings_.duplicate_similarity)
    live = tickets.exclude(state=flow.State.MERGED.value)
    by_phone = _grouped(
        live, _stripped(F("reporter_phone"), _PHONE_SEPARATORS), ~Q(reporter_phone="")
    )
    place = Concat(
        Cast("community_id", CharField()),
        Value("|"),
        Cast("category_id", CharField()),
        Value("|"),
        Lower(_stripped(F("address"), _ADDRESS_SEPARATORS)),
        output_field=CharField(),
    )
    by_place = _grouped(
        live,
        place,
        ~Q(address="") & Q(community_id__isnull=False, category_id__isnull=False),
    )
    candidates = {t.pk: t for t in by_phone}
    for t in by_place:
        candidates.setdefault(t.pk, t)
    if not candidates:
        return []
    groups = {}
    for t in candidates.values():
        if duplicates.phone_key(t.reporter_phone):
            groups.setdefault(("p", duplicates.phone_key(t.reporter_phone)), []).append(t)
        if t.address.strip() and t.community_id and t.category_id:
            key = ("a", t.community_id, t.category_id, duplicates.normalize(t.address))
            groups.setdefault(key, []).append(t)
    dismissed = _dismissed(list(candidates))
    found = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        for a, b in _pairs_of(members):
            pair = _pair(a.pk, b.pk)
            if pair in found or pair in dismissed:
                continue
            if flow.State(a.state) not in flow.OPEN and flow.State(b.state) not in flow.OPEN:
                continue
            why = duplicates.reason(_item(a), _item(b), days=days, threshold=threshold)
            if why:
                found[pair] = (a, b, why)
    out = sorted(found.values(), key=lambda p: (p[1].received_at, p[1].pk), reverse=True)
    return out[:limit] if limit else out


def duplicates_of(ticket, visible):
    """The proposed duplicates of one request among `visible`: [(other, reason)]."""
    if ticket.state == flow.State.MERGED.value:
        return []
    settings_ = TicketSettings.load()
    days, threshold = settings_.duplicate_days, float(settings_.duplicate_similarity)
    condition = Q(pk__in=[])
    if duplicates.phone_key(ticket.reporter_phone):
        condition |= Q(reporter_phone=ticket.reporter_phone)
    if ticket.address.strip() and ticket.community_id and ticket.category_id:
        condition |= Q(community_id=ticket.community_id, category_id=ticket.category_id)
    others = visible.filter(condition).exclude(pk=ticket.pk).exclude(state=flow.State.MERGED.value)
    dismissed = _dismissed([ticket.pk])
    is_open = flow.State(ticket.state) in flow.OPEN
    out = []
    for other in others.order_by("received_at", "pk")[:200]:
        if _pair(ticket.pk, other.pk) in dismissed:
            continue
        if not is_open and flow.State(other.state) not in flow.OPEN:
            continue
        why = duplicates.reason(_item(ticket), _item(other), days=days, threshold=threshold)
        if why:
            out.append((other, why))
    return out


def merge(user, duplicate, main, *, now=None):
    """同人同事 confirmed by a person: `duplicate` is closed as 已合并, pointing to `main`;
    it no longer counts in the statistics (its main request does)."""
    if not is_office_staff(user, duplicate.office_id) or main.office_id != duplicate.office_id:
        raise FlowError("只有本街道的督查管理员可以合并诉求")
    if main.pk == duplicate.pk:
        raise FlowError("不能把诉求并入它自己")
    if main.state == flow.State.MERGED.value:
        raise FlowError(f"诉求 {main.code} 已并入其他诉求，请并入它所并入的诉求")
    now = now or timezone.now()
    move = flow.step(duplicate.snapshot(), Action.MERGE, now=now, calendar=None)
    with transaction.atomic():
        count = Ticket.objects.filter(pk=duplicate.pk, state=move.before.value).update(
            state=move.after.state.value, merged_into=main
        )
        if count != 1:
            raise FlowError(CONCURRENT)
        duplicate.state, duplicate.merged_into = move.after.state.value, main
        Transition.objects.create(
            ticket=duplicate,
            action=Action.MERGE.value,
            from_state=move.before.value,
            to_state=move.after.state.value,
            actor=user,
            at=now,
            reason=f"同人同事，并入诉求 {main.code}",
            unit_id=duplicate.unit_id,
        )
        _note(main, Action.MERGE, user, now, f"诉求 {duplicate.code} 并入本诉求（同人同事）")
        audit.bulk_create_history(Ticket, [duplicate], history_type="~")
        summary.touch_tickets([duplicate])
    return duplicate


def dismiss_duplicate(user, ticket, other):
    """Not the same matter: the pair is not proposed again."""
    if not is_office_staff(user, ticket.office_id):
        raise FlowError("只有督查管理员可以处理重复诉求提示")
    low, high = _pair(ticket.pk, other.pk)
    DuplicateDismissal.objects.get_or_create(ticket_id=low, other_id=high, defaults={"by": user})
