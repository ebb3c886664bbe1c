"""The loop of a resident request (民生诉求 / 工单), as rules without a database.

The 五单工作法 of the reference documents (网格收单 → 街道分单 → 大工委审单 → 单位领单
→ 群众评单) and the 12345 practice of 退单 and 回访:

    received ──dispatch──▶ dispatched ──claim──▶ in_progress ──close──▶ closed
    (收单/待分单)   │ (category needs 审单)  │ return_ (退单, reason,          │ follow_up (回访/评单)
       ▲           ▼                     │ within the return limit)        ▼
       │       reviewing ──approve──▶ dispatched                         rated ──archive──▶ archived
       │           │ reject                                              │ reopen (重办, once,
       ├───────────┘                                                     │ only after 不满意)
    returned ◀──────────────────────────────────┘                        ▼
    (已退单: back to 分单; dispatch again)                               in_progress

- `dispatch` (office) names a unit and sets the deadline; a category that needs
  审单 first waits in `reviewing` until the committee approves (or rejects it back
  to 收单).
- `return_` (unit) needs a reason and is allowed only within the return limit:
  `return_limit_workdays` working days after the dispatch (default 2), counted by
  the one working-day calendar (`duban.core.workdays`).
- `close` (unit) needs a result; `follow_up` (office) records the call: contacted?
  resolved? 满意 / 基本满意 / 不满意; an unsatisfied rating may `reopen` the request
  once (重办), back to the same unit; otherwise the office archives it. A closed
  request may also be archived without a follow-up.
- Deadlines by urgency: 一般 7 working days, 紧急 1 working day, 特急 2 hours,
  counted from the dispatch (editable in 诉求设置).

Every state belongs to exactly one statistics bucket (`BUCKET`), so a request is
never lost from `received = closed + returned + in_progress + awaiting_dispatch`.
"""

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum


class State(StrEnum):
    RECEIVED = "received"
    REVIEWING = "reviewing"
    DISPATCHED = "dispatched"
    RETURNED = "returned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    RATED = "rated"
    ARCHIVED = "archived"
    MERGED = "merged"


STATE_LABELS = {
    State.RECEIVED: "待分单",
    State.REVIEWING: "待审单",
    State.DISPATCHED: "待领单",
    State.RETURNED: "已退单",
    State.IN_PROGRESS: "办理中",
    State.CLOSED: "已办结",
    State.RATED: "已评单",
    State.ARCHIVED: "已归档",
    State.MERGED: "已合并",
}


class Action(StrEnum):
    RECEIVE = "receive"
    DISPATCH = "dispatch"
    APPROVE = "approve"
    REJECT = "reject"
    CLAIM = "claim"
    RETURN = "return"
    CLOSE = "close"
    FOLLOW_UP = "follow_up"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    IMPORT = "import"
    MERGE = "merge"
    EXT_REQUEST = "ext_request"
    EXT_APPROVE = "ext_approve"
    EXT_REJECT = "ext_reject"


ACTION_LABELS = {
    Action.RECEIVE: "收单",
    Action.DISPATCH: "分单",
    Action.APPROVE: "审单通过",
    Action.REJECT: "审单退回",
    Action.CLAIM: "领单",
    Action.RETURN: "退单",
    Action.CLOSE: "办结",
    Action.FOLLOW_UP: "回访评单",
    Action.REOPEN: "重办",
    Action.ARCHIVE: "归档",
    Action.IMPORT: "导入",
    Action.MERGE: "合并",
    Action.EXT_REQUEST: "申请延期",
    Action.EXT_APPROVE: "批准延期",
    Action.EXT_REJECT: "驳回延期",
}


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"


URGENCY_LABELS = {Urgency.NORMAL: "一般", Urgency.URGENT: "紧急", Urgency.CRITICAL: "特急"}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASIC = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASIC: "基本满意",
    Satisfaction.UNSATISFIED: "不满意",
}

# The statistics buckets of the 12345 figures (受理 = 办结 + 退单 + 办处中 + 待分派).
# A request merged into another (已合并, a 同人同事 duplicate) is in no bucket: it is
# not counted at all, its main request is (see `COUNTED`).
AWAITING, IN_PROGRESS, CLOSED, RETURNED = "awaiting_dispatch", "in_progress", "closed", "returned"
BUCKET = {
    State.RECEIVED: AWAITING,
    State.REVIEWING: AWAITING,
    State.DISPATCHED: IN_PROGRESS,
    State.IN_PROGRESS: IN_PROGRESS,
    State.RETURNED: RETURNED,
    State.CLOSED: CLOSED,
    State.RATED: CLOSED,
    State.ARCHIVED: CLOSED,
}
#: the states the statistics count (every one but 已合并)
COUNTED = set(BUCKET)
#: states in which a unit holds the request
WITH_UNIT = {State.DISPATCHED, State.IN_PROGRESS, State.CLOSED, State.RATED, State.ARCHIVED}
#: states whose deadline still runs (overdue when past it)
OPEN = {State.RECEIVED, State.REVIEWING, State.DISPATCHED, State.RETURNED, State.IN_PROGRESS}
MAX_REOPEN = 1
#: states in which a unit may ask for more time (申请延期)
EXTENDABLE = {State.DISPATCHED, State.IN_PROGRESS}
MAX_EXTENSION_WORKDAYS = 30


class FlowError(Exception):
    """An action the rules do not allow; the message is shown to the user as is."""


@dataclass(frozen=True)
class Rules:
    """诉求设置: deadlines by urgency and the return limit."""

    normal_workdays: int = 7
    urgent_workdays: int = 1
    critical_hours: int = 2
    return_limit_workdays: int = 2


@dataclass(frozen=True)
class Snapshot:
    """What the rules need to know of one request."""

    state: State
    unit: int | None = None
    urgency: Urgency = Urgency.NORMAL
    dispatched_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    reopen_count: int = 0
    satisfaction: Satisfaction | None = None
    followed_up: bool = False


@dataclass(frozen=True)
class Move:
    """One request moved: the action, the state before and after and why."""

    action: Action
    before: State
    after: Snapshot
    reason: str = ""
    unit: int | None = None


def deadline_for(start, urgency, calendar, rules=Rules()):
    """When a request of `urgency` handed over at `start` (an aware datetime) is due:
    the same time of day `n` working days later, or `critical_hours` clock hours."""
    urgency = Urgency(urgency)
    if urgency == Urgency.CRITICAL:
        return start + dt.timedelta(hours=rules.critical_hours)
    days = rules.urgent_workdays if urgency == Urgency.URGENT else rules.normal_workdays
    due_day = calendar.add_workdays(start.date(), days)
    return start + dt.timedelta(days=(due_day - start.date()).days)


def return_allowed_until(dispatched_at, calendar, rules=Rules()):
    """The last day a unit may return a request dispatched at `dispatched_at`."""
    return calendar.add_workdays(dispatched_at.date(), rules.return_limit_workdays)


def _require(snapshot, *states, doing):
    if snapshot.state not in states:
        allowed = "、".join(STATE_LABELS[s] for s in states)
        raise FlowError(
            f"当前状态为“{STATE_LABELS[snapshot.state]}”，不能{doing}（只有{allowed}的诉求可以）"
        )


def step(
    snapshot,
    action,
    *,
    now,
    calendar,
    rules=Rules(),
    unit=None,
    reason="",
    needs_review=False,
    satisfaction=None,
):
    """The request after `action`, as a Move; raises FlowError when the rules forbid it.

    `unit` names the unit for `dispatch`; `needs_review` whether the category needs
    审单; `reason` is the return's reason, the close's result or the reopen's why;
    `satisfaction` the rating of a follow-up (None when the resident gave none).
    """
    action = Action(action)
    s = snapshot
    if action == Action.DISPATCH:
        _require(s, State.RECEIVED, State.RETURNED, doing="分单")
        if unit is None:
            raise FlowError("请选择承办单位")
        after = replace(
            s,
            state=State.REVIEWING if needs_review else State.DISPATCHED,
            unit=unit,
            dispatched_at=now,
            deadline=deadline_for(now, s.urgency, calendar, rules),
        )
    elif action == Action.APPROVE:
        _require(s, State.REVIEWING, doing="审单通过")
        after = replace(
            s,
            state=State.DISPATCHED,
            dispatched_at=now,
            deadline=deadline_for(now, s.urgency, calendar, rules),
        )
    elif action == Action.REJECT:
        _require(s, State.REVIEWING, doing="审单退回")
        if not reason.strip():
            raise FlowError("请填写审单退回的理由")
        after = replace(s, state=State.RECEIVED, unit=None, dispatched_at=None, deadline=None)
    elif action == Action.CLAIM:
        _require(s, State.DISPATCHED, doing="领单")
        after = replace(s, state=State.IN_PROGRESS)
    elif action == Action.RETURN:
        _require(s, State.DISPATCHED, doing="退单")
        if not reason.strip():
            raise FlowError("退单须写明理由")
        limit = return_allowed_until(s.dispatched_at or now, calendar, rules)
        if now.date() > limit:
            raise FlowError(
                f"已超过退单时限（派单后{rules.return_limit_workdays}个工作日内，"
                f"即{limit.month}月{limit.day}日前），不能退单，请领单办理或联系街道"
            )
        return Move(
            action,
            s.state,
            replace(s, state=State.RETURNED, unit=None, dispatched_at=None),
            reason,
            unit=s.unit,
        )
    elif action == Action.CLOSE:
        _require(s, State.IN_PROGRESS, doing="办结")
        if not reason.strip():
            raise FlowError("办结须填写办理结果")
        after = replace(s, state=State.CLOSED)
    elif action == Action.FOLLOW_UP:
        _require(s, State.CLOSED, State.RATED, doing="回访评单")
        after = replace(
            s,
            state=State.RATED,
            followed_up=True,
            satisfaction=Satisfaction(satisfaction) if satisfaction else None,
        )
    elif action == Action.REOPEN:
        _require(s, State.RATED, doing="重办")
        if s.satisfaction != Satisfaction.UNSATISFIED:
            raise FlowError("只有群众评价为“不满意”的诉求可以重办")
        if s.reopen_count >= MAX_REOPEN:
            raise FlowError("该诉求已重办过一次，不能再次重办")
        after = replace(
            s,
            state=State.IN_PROGRESS,
            reopen_count=s.reopen_count + 1,
            deadline=deadline_for(now, s.urgency, calendar, rules),
        )
    elif action == Action.ARCHIVE:
        _require(s, State.CLOSED, State.RATED, doing="归档")
        after = replace(s, state=State.ARCHIVED)
    elif action == Action.MERGE:
        _require(s, *sorted(OPEN, key=list(State).index), doing="合并")
        after = replace(s, state=State.MERGED)
    else:
        raise FlowError(f"未知的操作：{action}")
    return Move(action, s.state, after, reason, unit=after.unit)


def is_overdue(state, deadline, now):
    return State(state) in OPEN and deadline is not None and now > deadline


def extended_deadline(deadline, workdays, calendar):
    """The deadline `workdays` working days after `deadline`, at the same time of day."""
    due_day = calendar.add_workdays(deadline.date(), workdays)
    return deadline + dt.timedelta(days=(due_day - deadline.date()).days)


def check_extension(snapshot, workdays, reason, *, pending=False):
    """Whether a unit may ask for `workdays` more working days (申请延期); raises FlowError.

    Only while the unit holds the request (待领单, 办理中) and it has a deadline, one
    request at a time, 1 to MAX_EXTENSION_WORKDAYS working days, with a reason."""
    _require(snapshot, *sorted(EXTENDABLE, key=list(State).index), doing="申请延期")
    if snapshot.deadline is None:
        raise FlowError("该诉求没有办理时限，不需要延期")
    if pending:
        raise FlowError("该诉求已有一条待审批的延期申请，请等待街道审批")
    if workdays is None or not 1 <= workdays <= MAX_EXTENSION_WORKDAYS:
        raise FlowError(f"延期天数须为 1 至 {MAX_EXTENSION_WORKDAYS} 个工作日")
    if not (reason or "").strip():
        raise FlowError("申请延期须写明理由")


def check_decision(snapshot, approve, reason):
    """Whether the office may decide a pending extension now; raises FlowError."""
    if approve:
        _require(snapshot, *sorted(EXTENDABLE, key=list(State).index), doing="批准延期")
    elif not (reason or "").strip():
        raise FlowError("驳回延期须写明理由")
