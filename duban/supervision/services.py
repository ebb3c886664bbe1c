"""The only writer of notices and accountability records: pages and commands call these.

Every state change of a notice is a conditional UPDATE whose count is checked (two
people acting at once cannot both win), leaves a historical version (the audit path,
with its channel) and a `NoticeEvent` row. The ladder's rules are `ladder.py`'s; the
accountability rules are `accountability.py`'s. Each function raises `SupervisionError`
with a Chinese message and changes nothing when the step is not allowed.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Prefetch
from django.utils import timezone

from duban.core import locking
from duban.core.audit import bulk_create_history
from duban.core.periods import Period
from duban.core.workdays import Calendar
from duban.ledger.models import KeyTask
from duban.org import roles as R
from duban.org.models import Unit
from duban.progress import explain
from duban.progress.models import Judgement, Status
from duban.progress.workflow import WorkflowError, check_evidence
from duban.supervision import accountability as A
from duban.supervision import ladder, notifying
from duban.supervision.models import (
    AccountabilityLevel,
    AccountabilityRecord,
    LadderRule,
    Notice,
    NoticeEvent,
    NoticeEvidence,
)
from duban.tickets import flow as ticket_flow
from duban.tickets import services as ticket_services
from duban.tickets.models import Ticket

State = Notice.State
Action = NoticeEvent.Action
UNIT_ROLES = {R.REPORTER, R.UNIT_HEAD}


class SupervisionError(ValueError):
    """A step that is not allowed; the message is for the user and names the field."""


# ----- reading the ledger and the judgements -----


def rules_of(rule=None):
    rule = rule or LadderRule.current()
    return ladder.Rules(
        blue_after_lagging_periods=rule.blue_after_lagging_periods,
        yellow_when_overdue=rule.yellow_when_overdue,
        yellow_after_unanswered_blue=rule.yellow_after_unanswered_blue,
        red_after_unanswered_yellow=rule.red_after_unanswered_yellow,
    )


def notice_in(notice):
    return ladder.NoticeIn(notice.pk, notice.level, notice.state, notice.reply_by)


def item_in(task, judgement, notices=()):
    """A task as its period's judgement sees it (the facts a notice carries)."""
    flags = (judgement.flags or {}) if judgement else {}
    status = judgement.status if judgement else ""
    streak = flags.get("lagging_streak", {}).get("periods", 1 if status == Status.LAGGING else 0)
    return ladder.ItemIn(
        task_id=task.pk,
        code=task.code,
        title=task.title,
        unit=task.lead_unit.name,
        status=status,
        deadline=task.deadline,
        lag_streak=streak,
        overdue_days=flags.get("overdue", {}).get("days", 0),
        reasons=tuple(explain.reasons(status, flags, task.target_unit)) if judgement else (),
        notices=tuple(notice_in(n) for n in notices),
    )


def facts_of(task, judgement, period_key):
    """What the system fills in on a notice: deadline, status, lag streak, days overdue."""
    item = item_in(task, judgement)
    return {
        "period": period_key,
        "deadline": task.deadline.isoformat() if task.deadline else "",
        "status": item.status,
        "status_label": str(Status(item.status).label) if item.status else "未研判",
        "lag_streak": item.lag_streak,
        "overdue_days": item.overdue_days,
        "reasons": list(item.reasons),
    }


def _now_on(today):
    """The moment a request's deadline is compared with on `today` (now, or the end of
    that day for another day: a proposal run for a past or future day)."""
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time.max))


def ticket_in(ticket, today, calendar, notices=()):
    """A request as its own fields see it (tickets.flow): overdue, and by how many
    working days past its deadline."""
    overdue = ticket.is_overdue(_now_on(today))
    deadline = timezone.localdate(ticket.deadline) if ticket.deadline else None
    days = calendar.workdays_between(deadline, today) if overdue and deadline else 0
    return ladder.TicketIn(
        ticket_id=ticket.pk,
        code=ticket.code,
        title=ticket.content[:40],
        unit=ticket.unit.name if ticket.unit_id else "",
        overdue=overdue,
        deadline=deadline,
        state_label=str(ticket.state_label),
        overdue_workdays=max(days, 0),
        notices=tuple(notice_in(n) for n in notices),
    )


def ticket_facts(ticket, today, calendar=None):
    """What the system fills in on a request's notice: deadline, state, days overdue."""
    item = ticket_in(ticket, today, calendar or Calendar.load())
    return {
        "deadline": ticket.deadline
        and timezone.localtime(ticket.deadline).strftime("%Y-%m-%d %H:%M")
        or "",
        "status_label": item.state_label,
        "overdue": item.overdue,
        "overdue_days": item.overdue_workdays,
        "overdue_unit": "工作日",
    }


def overdue_tickets(office, today):
    """The office's open requests past their deadline with a unit holding them (the
    诉求督办 list and the proposals), through tickets.services.overdue."""
    return (
        ticket_services.overdue(
            Ticket.objects.filter(office=office, unit__isnull=False), _now_on(today)
        )
        .select_related("unit", "office")
        .prefetch_related("notices")
        .order_by("deadline", "pk")
    )


def latest_judgement(task, period_key=None):
    judgements = Judgement.objects.filter(task=task)
    if period_key:
        judgements = judgements.filter(period__lte=period_key)
    return judgements.order_by("-period", "-as_of", "-pk").first()


def latest_judgements(task_ids):
    """{task id: its latest judgement} in one query."""
    found = {}
    for judgement in Judgement.objects.filter(task_id__in=task_ids).order_by(
        "task_id", "-period", "-as_of", "-pk"
    ):
        found.setdefault(judgement.task_id, judgement)
    return found


def _items(tasks, period):
    judgements = {j.task_id: j for j in Judgement.objects.filter(task__in=tasks, period=period.key)}
    loaded = (
        tasks.select_related("lead_unit")
        .prefetch_related(Prefetch("notices", queryset=Notice.objects.order_by("created_at", "pk")))
        .order_by("code", "pk")
    )
    return [
        (task, judgements.get(task.pk), item_in(task, judgements.get(task.pk), task.notices.all()))
        for task in loaded
    ], judgements


# ----- small helpers -----


def _event(notice, action, user, comment=""):
    return NoticeEvent.objects.create(
        notice=notice,
        action=action,
        actor=user if user is not None and user.is_authenticated else None,
        comment=comment,
    )


def _record_version(notice):
    """A conditional update bypassed save(); keep the version it made all the same."""
    notice.refresh_from_db()
    bulk_create_history(Notice, [notice], "~")


class NoticeConflict(SupervisionError):
    """Someone changed the notice since this person's page was loaded (core/locking.py)."""

    def __init__(self, current):
        super().__init__("该督办单已被他人修改，请核对后再操作")
        self.current = current


def _move(notice, expected, target, *, lock=None, **changes):
    """Move to `target` only if still in one of `expected` states — and, given `lock`
    (the version the page was loaded with), only if nobody changed it since."""
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    if lock is not None:
        current = Notice.objects.select_for_update().filter(pk=notice.pk).first()
        if locking.token(current, "version") != lock:
            raise NoticeConflict(current)
    updated = Notice.objects.filter(pk=notice.pk, state__in=expected).update(
        state=target, version=F("version") + 1, **changes
    )
    if updated != 1:
        current = Notice.objects.filter(pk=notice.pk).values_list("state", flat=True)
        label = State(current[0]).label if current else "已删除"
        raise SupervisionError(
            f"该督办单当前为“{label}”，不能进行此操作（可能已被他人处理，请刷新页面）"
        )
    _record_version(notice)
    return notice


def _require(condition, message):
    if not condition:
        raise SupervisionError(message)


def may_manage(user, notice=None):
    """督查管理员 (within the notice's office scope) issues, verifies, closes, escalates."""
    if not R.is_supervisor(user):
        return False
    if notice is None or user.is_superuser:
        return True
    return Notice.objects.visible_to(user).filter(pk=notice.pk).exists()


def may_answer(user, notice):
    """The unit's 单位填报员 and 单位负责人 sign and reply."""
    profile = R.profile_of(user)
    return (
        profile is not None
        and profile.unit_id == notice.unit_id
        and bool(R.roles_of(user) & UNIT_ROLES)
    )


def _reply_by(calendar, day, workdays):
    return (calendar or Calendar.load()).add_workdays(day, workdays)


def _next_serial(office, year):
    top = Notice.objects.filter(office=office, year=year).aggregate(m=Max("serial"))["m"]
    return (top or 0) + 1


def _clean_level(level):
    _require(level in ladder.LEVELS, "督办单类型应为蓝色提醒单、黄色警示单或红色督办单")
    return level


# ----- proposals -----


def propose(office, period, today, *, user=None, dry_run=False, rule=None):
    """The period's proposals for `office` (ladder.Proposal list); unless `dry_run`, each
    becomes a notice in state 待确认 with a 系统建议 event. A second run the same period
    proposes nothing twice (one proposal per item)."""
    period = period if isinstance(period, Period) else Period.parse(str(period))
    rule = rule or LadderRule.current()
    tasks = KeyTask.objects.filter(office=office, year=period.year)
    loaded, judgements = _items(tasks, period)
    proposals = ladder.propose([item for _t, _j, item in loaded], today, rules_of(rule))
    if dry_run:
        ticket_proposals, _none = _propose_tickets(office, period, today, rule, dry_run)
        return proposals + ticket_proposals, []
    by_id = {task.pk: (task, judgement) for task, judgement, _i in loaded}
    created = []
    for proposal in proposals:
        task, judgement = by_id[proposal.task_id]
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    office=task.office,
                    task=task,
                    unit=task.lead_unit,
                    level=proposal.level,
                    state=State.PROPOSED,
                    year=period.year,
                    period=period.key,
                    reason=proposal.reason,
                    urgent_reason=proposal.urgent_reason,
                    facts=facts_of(task, judgement, period.key),
                    rule=proposal.rule,
                    reply_workdays=rule.reply_workdays(proposal.level),
                    leader=task.leader,
                    previous_id=proposal.previous_id,
                )
                _event(notice, Action.PROPOSE, None, ladder.RULE_NAMES[proposal.rule])
        except IntegrityError:
            continue  # proposed meanwhile by another run
        created.append(notice)
    ticket_proposals, ticket_created = _propose_tickets(office, period, today, rule, dry_run)
    return proposals + ticket_proposals, created + ticket_created


TICKET_CHUNK = 1000


def _with_notices(tickets):
    """(ticket, its notices newest first) of `tickets`, read TICKET_CHUNK at a time with
    one query for the chunk's notices (Django's per-chunk prefetch builds a queryset for
    every ticket, which made reading a city's backlog 2.5 times slower)."""
    rows = tickets.prefetch_related(None).iterator(chunk_size=TICKET_CHUNK)
    while chunk := list(itertools.islice(rows, TICKET_CHUNK)):
        found = {}
        for notice in Notice.objects.filter(ticket_id__in=[t.pk for t in chunk]).only(
            "pk", "level", "state", "reply_by", "ticket_id"
        ):
            found.setdefault(notice.ticket_id, []).append(notice)
        for ticket in chunk:
            yield ticket, found.get(ticket.pk, ())


def _propose_tickets(office, period, today, rule, dry_run):
    """The overdue requests' proposals, read a chunk at a time (a city's backlog of late
    requests is never held in memory at once) and, unless `dry_run`, each made a notice
    as it is found."""
    calendar = Calendar.load()
    rules = rules_of(rule)
    proposals, created = [], []
    # only what a proposal and its notice read of a request, and of its unit: at a city's
    # backlog, full instances of every request, unit and office cost a second per 20,000
    tickets = (
        overdue_tickets(office, today)
        .select_related(None)
        .select_related("unit")
        .only("source_number", "content", "state", "deadline", "office_id", "unit__name")
    )
    for ticket, notices in _with_notices(tickets):
        proposal = ladder.propose_for_ticket(
            ticket_in(ticket, today, calendar, notices), today, rules
        )
        if proposal is None:
            continue
        proposals.append(proposal)
        if dry_run:
            continue
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    office=office,
                    ticket=ticket,
                    unit=ticket.unit,
                    level=proposal.level,
                    state=State.PROPOSED,
                    year=period.year,
                    period=period.key,
                    reason=proposal.reason,
                    urgent_reason=proposal.urgent_reason,
                    facts=ticket_facts(ticket, today, calendar),
                    rule=proposal.rule,
                    reply_workdays=rule.reply_workdays(proposal.level),
                    previous_id=proposal.previous_id,
                )
                _event(notice, Action.PROPOSE, None, ladder.RULE_NAMES[proposal.rule])
        except IntegrityError:
            continue
        created.append(notice)
    return proposals, created


def edit(
    notice, user, *, level, reason, urgent_reason="", leader="", reply_workdays=None, lock=None
):
    """修改 a proposal before it is issued."""
    _require(may_manage(user, notice), "只有督查管理员可以修改督办单")
    level = _clean_level(level)
    reason = (reason or "").strip()
    _require(reason, "请填写督办事由")
    if reply_workdays is not None:
        _require(1 <= reply_workdays <= 60, "答复期限应为 1 至 60 个工作日")
    changes = {
        "level": level,
        "reason": reason,
        "urgent_reason": (urgent_reason or "").strip(),
        "leader": (leader or "").strip(),
    }
    if reply_workdays is not None:
        changes["reply_workdays"] = reply_workdays
    changed = [
        str(Notice._meta.get_field(name).verbose_name)
        for name, value in changes.items()
        if getattr(notice, name) != value
    ]
    said = "修改了" + "、".join(changed) if changed else "未修改"
    if level != notice.level:
        said += f"（改为{ladder.LEVEL_NAMES[level]}）"
    with transaction.atomic():
        _move(notice, State.PROPOSED, State.PROPOSED, lock=lock, **changes)
        _event(notice, Action.EDIT, user, said)
    return notice


def confirm(notice, user, today, *, calendar=None):
    """下发 a proposal (or a notice just created): checks the ladder against the item's
    other notices, escalates the one it replaces, numbers it and sets the reply-by date."""
    _require(may_manage(user, notice), "只有督查管理员可以下发督办单")
    _require(
        notice.state == State.PROPOSED, f"该督办单当前为“{notice.get_state_display()}”，不能下发"
    )
    _require(notice.reason.strip(), "请填写督办事由")
    same_item = (
        Notice.objects.filter(task_id=notice.task_id)
        if notice.task_id
        else Notice.objects.filter(ticket_id=notice.ticket_id)
    )
    others = [notice_in(n) for n in same_item.exclude(pk=notice.pk)]
    try:
        replaced = ladder.check_new(notice.level, others, today, notice.urgent_reason)
    except ladder.LadderError as error:
        raise SupervisionError(str(error))
    reply_by = _reply_by(calendar, today, notice.reply_workdays)
    try:
        _issue(notice, user, today, replaced, reply_by)
    except IntegrityError:
        # Another person issued a notice for the item, or took the number, meanwhile.
        raise SupervisionError("该事项或编号刚被他人处理（一事一单），请刷新页面后再试")
    return notice


def _issue(notice, user, today, replaced, reply_by):
    with transaction.atomic():
        if replaced is not None:
            old = Notice.objects.get(pk=replaced.id)
            _move(old, (State.ISSUED, State.SIGNED), State.ESCALATED)
            _event(old, Action.ESCALATE, user, f"升级为{ladder.LEVEL_NAMES[notice.level]}")
            if notice.previous_id is None:
                notice.previous_id = old.pk
                Notice.objects.filter(pk=notice.pk).update(previous_id=old.pk)
        _move(
            notice,
            State.PROPOSED,
            State.ISSUED,
            serial=_next_serial(notice.office, notice.year),
            issued_on=today,
            reply_by=reply_by,
        )
        _event(notice, Action.ISSUE, user, f"答复期限 {reply_by.isoformat()}")
        notifying.tell_unit(notice, today)


def create(
    task,
    user,
    today,
    *,
    level,
    reason,
    urgent_reason="",
    leader="",
    period="",
    reply_workdays=None,
    issue=True,
    calendar=None,
):
    """A notice the office writes itself (新建), issued at once unless `issue` is False."""
    _require(may_manage(user), "只有督查管理员可以下发督办单")
    _require(KeyTask.objects.editable_by(user).filter(pk=task.pk).exists(), "无权对该事项督办")
    level = _clean_level(level)
    reason = (reason or "").strip()
    _require(reason, "请填写督办事由")
    rule = LadderRule.current()
    workdays = reply_workdays if reply_workdays is not None else rule.reply_workdays(level)
    _require(1 <= workdays <= 60, "答复期限应为 1 至 60 个工作日")
    existing = [notice_in(n) for n in Notice.objects.filter(task=task)]
    _require(
        ladder.pending_proposal(existing) is None,
        "该事项已有待确认的督办单建议，请在督办单看板上下发、修改或撤销它",
    )
    try:
        ladder.check_new(level, existing, today, urgent_reason)
    except ladder.LadderError as error:
        raise SupervisionError(str(error))
    judgement = latest_judgement(task, period or None)
    period_key = period or (judgement.period if judgement else "")
    with transaction.atomic():
        active = ladder.active_notice(existing)
        notice = Notice.objects.create(
            office=task.office,
            task=task,
            unit=task.lead_unit,
            level=level,
            state=State.PROPOSED,
            year=task.year,
            period=period_key,
            reason=reason,
            urgent_reason=(urgent_reason or "").strip(),
            facts=facts_of(task, judgement, period_key),
            reply_workdays=workdays,
            leader=(leader or task.leader).strip(),
            previous_id=active.id if active else None,
        )
        _event(notice, Action.CREATE, user)
        if issue:
            confirm(notice, user, today, calendar=calendar)
    notice.refresh_from_db()
    return notice


def create_for_ticket(
    ticket,
    user,
    today,
    *,
    level,
    reason,
    urgent_reason="",
    leader="",
    reply_workdays=None,
    issue=True,
    calendar=None,
):
    """发督办单 for a resident request, to the unit that holds it (一事一单, the same
    ladder as a task's); issued at once unless `issue` is False."""
    _require(may_manage(user), "只有督查管理员可以下发督办单")
    _require(Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists(), "无权对该诉求督办")
    _require(ticket.unit_id is not None, "该诉求尚未派给承办单位，不能发督办单")
    _require(
        ticket_flow.State(ticket.state) in ticket_flow.OPEN,
        f"该诉求当前为“{ticket.state_label}”，不能发督办单",
    )
    level = _clean_level(level)
    reason = (reason or "").strip()
    _require(reason, "请填写督办事由")
    rule = LadderRule.current()
    workdays = reply_workdays if reply_workdays is not None else rule.reply_workdays(level)
    _require(1 <= workdays <= 60, "答复期限应为 1 至 60 个工作日")
    existing = [notice_in(n) for n in Notice.objects.filter(ticket=ticket)]
    _require(
        ladder.pending_proposal(existing) is None,
        "该诉求已有待确认的督办单建议，请在督办单看板上下发、修改或撤销它",
    )
    try:
        ladder.check_new(level, existing, today, urgent_reason)
    except ladder.LadderError as error:
        raise SupervisionError(str(error).replace("该事项", "该诉求"))
    with transaction.atomic():
        active = ladder.active_notice(existing)
        notice = Notice.objects.create(
            office=ticket.office,
            ticket=ticket,
            unit=ticket.unit,
            level=level,
            state=State.PROPOSED,
            year=today.year,
            reason=reason,
            urgent_reason=(urgent_reason or "").strip(),
            facts=ticket_facts(ticket, today, calendar),
            reply_workdays=workdays,
            leader=(leader or "").strip(),
            previous_id=active.id if active else None,
        )
        _event(notice, Action.CREATE, user)
        if issue:
            confirm(notice, user, today, calendar=calendar)
    notice.refresh_from_db()
    return notice


def follow_ticket(sender, ticket, unit_id, user=None, at=None, **kwargs):
    """A request dispatched to another unit (退单 → 分单, or the office's re-dispatch)
    takes its open notice along: the notice's unit becomes the new one, a step
    "诉求改派至X，督办单随转" is recorded, and the new unit is told as of an issued
    notice. A notice the old unit had signed or answered goes back to 已下发: the new
    unit signs and answers it (the old reply stays in the history). A proposal moves
    too, unsent. Runs in the dispatch's transaction (tickets.signals.dispatched)."""
    open_states = (*Notice.ACTIVE_STATES, State.PROPOSED)
    moving = list(
        Notice.objects.filter(ticket_id=ticket.pk, state__in=open_states)
        .exclude(unit_id=unit_id)
        .select_related("unit")
    )
    if not moving:
        return []
    new_unit = Unit.objects.get(pk=unit_id)
    for notice in moving:
        old_unit, before = notice.unit, State(notice.state)
        changes = {"unit_id": unit_id}
        if notice.state in (State.SIGNED, State.REPLIED):
            changes.update(
                state=State.ISSUED, signed_at=None, replied_at=None, measures="", promised_on=None
            )
        updated = Notice.objects.filter(pk=notice.pk, state=before, unit_id=old_unit.pk).update(
            **changes
        )
        if updated != 1:
            raise SupervisionError("该诉求的督办单刚被他人处理过，请刷新页面后再试")
        _record_version(notice)
        comment = f"诉求改派至{new_unit.name}，督办单随转（原责任单位：{old_unit.name}）"
        if changes.get("state") == State.ISSUED:
            comment += f"；原单位{before.label}，改由新单位签收答复"
        _event(notice, Action.TRANSFER, user, comment)
        if notice.state != State.PROPOSED:
            notifying.tell_transferred(notice, old_unit.name)
    return moving


def follow_tickets(sender, tickets, user=None, at=None, **kwargs):
    """Many requests changed at once (an import: tickets.signals.reassigned): the open
    notices of those whose unit is no longer the notice's follow them, each as after a
    manual 分单 (`follow_ticket`). One query finds them among however many requests the
    import changed; notices are few."""
    open_states = (*Notice.ACTIVE_STATES, State.PROPOSED)
    moving = (
        Notice.objects.filter(ticket__in=tickets, state__in=open_states, ticket__unit__isnull=False)
        .exclude(unit_id=F("ticket__unit_id"))
        .values_list("ticket_id", "ticket__unit_id")
        .distinct()
    )
    moved = []
    for ticket_id, unit_id in sorted(moving):
        ticket = Ticket.objects.get(pk=ticket_id)
        moved += follow_ticket(sender, ticket, unit_id, user=user, at=at)
    return moved


def dismiss(notice, user, comment=""):
    """撤销 a proposal the office does not want."""
    _require(may_manage(user, notice), "只有督查管理员可以撤销督办单建议")
    with transaction.atomic():
        _move(notice, State.PROPOSED, State.DISMISSED)
        _event(notice, Action.DISMISS, user, (comment or "").strip())
    return notice


# ----- the unit's steps -----


def sign(notice, user):
    """签收."""
    _require(may_answer(user, notice), "只有责任单位的填报员或负责人可以签收")
    _require(notice.state != State.CLOSED, "该督办单已销号，不能再签收")
    with transaction.atomic():
        _move(notice, State.ISSUED, State.SIGNED, signed_at=timezone.now())
        _event(notice, Action.SIGN, user)
    return notice


def reply(notice, user, today, *, measures, promised_on, files=(), lock=None):
    """答复: 整改措施, 承诺完成日期 and 佐证材料 (checked as a report's evidence is)."""
    _require(may_answer(user, notice), "只有责任单位的填报员或负责人可以答复")
    _require(
        notice.state not in (State.CLOSED, State.ESCALATED, State.DISMISSED),
        f"该督办单{notice.get_state_display()}，不能再答复",
    )
    _require(notice.state != State.ISSUED, "请先签收，再答复")
    _require(
        notice.state == State.SIGNED, f"该督办单当前为“{notice.get_state_display()}”，不能答复"
    )
    measures = (measures or "").strip()
    _require(measures, "请填写整改措施")
    _require(promised_on is not None, "请填写承诺完成日期")
    _require(promised_on >= today, f"承诺完成日期 {promised_on.isoformat()} 早于今天")
    for uploaded in files:
        try:
            check_evidence(uploaded)
        except WorkflowError as error:
            raise SupervisionError(str(error))
    with transaction.atomic():
        _move(
            notice,
            State.SIGNED,
            State.REPLIED,
            lock=lock,
            measures=measures,
            promised_on=promised_on,
            replied_at=timezone.now(),
        )
        for uploaded in files:
            NoticeEvidence.objects.create(
                notice=notice,
                file=uploaded,
                name=uploaded.name[:200],
                size=uploaded.size,
                uploaded_by=user,
            )
        late = notice.reply_by is not None and today > notice.reply_by
        _event(notice, Action.REPLY, user, "逾期答复" if late else "")
    return notice


# ----- the office's verification -----


def return_reply(notice, user, comment):
    """答复不充分: back to the unit (signed), which must reply again by the reply-by date."""
    _require(may_manage(user, notice), "只有督查管理员可以核实答复")
    comment = (comment or "").strip()
    _require(comment, "请填写答复不充分的理由")
    with transaction.atomic():
        _move(notice, State.REPLIED, State.SIGNED, verification=comment)
        _event(notice, Action.RETURN, user, comment)
    return notice


def close(notice, user, verification):
    """核实销号."""
    _require(may_manage(user, notice), "只有督查管理员可以销号")
    verification = (verification or "").strip()
    _require(verification, "请填写核实情况")
    with transaction.atomic():
        _move(
            notice, State.REPLIED, State.CLOSED, verification=verification, closed_at=timezone.now()
        )
        _event(notice, Action.CLOSE, user, verification)
    return notice


def escalate(notice, user, today, *, reason, level=None, urgent_reason="", calendar=None):
    """升级: the next colour, once this notice has passed its reply-by date unanswered."""
    _require(may_manage(user, notice), "只有督查管理员可以升级督办单")
    _require(notice.level != ladder.RED, "红色督办单已是最高一级，逾期未答复请提出效能问责")
    level = level or ladder.next_level(notice.level)
    if notice.ticket_id:
        return create_for_ticket(
            notice.ticket,
            user,
            today,
            level=level,
            reason=reason,
            urgent_reason=urgent_reason,
            leader=notice.leader,
            calendar=calendar,
        )
    return create(
        notice.task,
        user,
        today,
        level=level,
        reason=reason,
        urgent_reason=urgent_reason,
        leader=notice.leader,
        period=notice.period,
        calendar=calendar,
    )


# ----- accountability -----


def _levels():
    return {level.code: level for level in AccountabilityLevel.objects.all()}


def propose_accountability(office, today, *, rule=None, dry_run=False):
    """Rule proposals (accountability.propose) kept as records 待决定; returns
    (proposals, created records)."""
    rule = rule or LadderRule.current()
    notices = Notice.objects.filter(office=office, level=ladder.RED).select_related(
        "unit", "task", "ticket"
    )
    found = A.propose(
        [
            A.NoticeIn(
                id=n.pk,
                unit_id=n.unit_id,
                unit=n.unit.name,
                level=n.level,
                state=n.state,
                year=n.year,
                code=n.subject_code,
                title=n.subject_title,
                number=n.number,
                reply_by=n.reply_by,
            )
            for n in notices
        ],
        today,
        reds_for_interview=rule.reds_for_interview,
        existing_keys=frozenset(
            AccountabilityRecord.objects.filter(office=office)
            .exclude(rule_key="")
            .values_list("rule_key", flat=True)
        ),
    )
    if dry_run:
        return found, []
    levels = _levels()
    created = []
    for proposal in found:
        try:
            with transaction.atomic():
                record = AccountabilityRecord.objects.create(
                    office=office,
                    unit_id=proposal.unit_id,
                    year=proposal.year,
                    proposed_level=levels.get(proposal.level),
                    reason=proposal.reason,
                    rule_key=proposal.rule_key,
                )
                record.notices.set(proposal.notice_ids)
        except IntegrityError:
            continue
        created.append(record)
    return found, created


def decide(record, user, *, level, basis, reason, decided_on, today):
    """A person decides a proposal (or a record the office enters): level, date, basis
    and reason are all required."""
    _require(R.is_supervisor(user), "只有督查管理员可以登记问责决定")
    _require(
        AccountabilityRecord.objects.visible_to(user).filter(pk=record.pk).exists(),
        "无权处理该问责记录",
    )
    _require(
        record.state == record.State.PROPOSED, f"该问责记录{record.get_state_display()}，不能再决定"
    )
    try:
        A.check_decision(
            level=level, basis=basis, reason=reason, decided_on=decided_on, today=today
        )
    except A.DecisionError as error:
        raise SupervisionError(str(error))
    with transaction.atomic():
        updated = AccountabilityRecord.objects.filter(
            pk=record.pk, state=record.State.PROPOSED
        ).update(
            state=record.State.DECIDED,
            level=level,
            basis=basis.strip(),
            reason=reason.strip(),
            decided_on=decided_on,
            decided_by=user,
        )
        _require(updated == 1, "该问责记录已被他人处理，请刷新页面")
        record.refresh_from_db()
        bulk_create_history(AccountabilityRecord, [record], "~")
    return record


def dismiss_accountability(record, user, comment):
    _require(R.is_supervisor(user), "只有督查管理员可以处理问责建议")
    _require(
        AccountabilityRecord.objects.visible_to(user).filter(pk=record.pk).exists(),
        "无权处理该问责记录",
    )
    comment = (comment or "").strip()
    _require(comment, "不予问责须填写理由")
    with transaction.atomic():
        updated = AccountabilityRecord.objects.filter(
            pk=record.pk, state=record.State.PROPOSED
        ).update(state=record.State.DISMISSED, basis=comment, decided_by=user)
        _require(updated == 1, "该问责记录已被他人处理，请刷新页面")
        record.refresh_from_db()
        bulk_create_history(AccountabilityRecord, [record], "~")
    return record


def record_decision(office, unit, user, *, level, basis, reason, decided_on, today, task=None):
    """The office enters a decision no rule proposed (e.g. from an inspection)."""
    _require(R.is_supervisor(user), "只有督查管理员可以登记问责决定")
    try:
        A.check_decision(
            level=level, basis=basis, reason=reason, decided_on=decided_on, today=today
        )
    except A.DecisionError as error:
        raise SupervisionError(str(error))
    with transaction.atomic():
        record = AccountabilityRecord.objects.create(
            office=office,
            unit=unit,
            year=decided_on.year,
            state=AccountabilityRecord.State.DECIDED,
            level=level,
            basis=basis.strip(),
            reason=reason.strip(),
            decided_on=decided_on,
            decided_by=user,
            task=task,
        )
    return record
