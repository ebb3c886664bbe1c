"""The escalation ladder of supervision notices (督办单): a plain module, no database.

THE RULES (docs/supervision.md says the same for the office; issue 12)

Colours, lowest first: 蓝色提醒单 (blue) → 黄色警示单 (yellow) → 红色督办单 (red).

一事一单  An item has at most one notice out with its unit at a time (issued, signed
          or replied), and at most one proposal waiting for the office.
Ladder    A new notice for an item starts blue. The next colour comes only when the
          notice out with the unit has passed its reply-by date without an adequate
          reply (not replied, or its reply was judged inadequate and not replied
          again by then) — the old notice is then 已升级 and the new one takes over.
          Skipping a colour, or starting higher than blue, needs a recorded reason
          (越级理由: an urgent matter). A closed (销号) notice ends the ladder: the
          item's next notice starts blue again.
Proposals Each period the system proposes, from the period's judgements (editable
          rules, `Rules`, kept in `LadderRule`):
          - no notice out, overdue (past its deadline, not completed) → yellow, the
            rule being the recorded reason for starting above blue;
          - no notice out, lagging for `blue_after_lagging_periods` periods in a row
            → blue;
          - a blue out and unanswered past its reply-by, the item still lagging →
            yellow;
          - a yellow out and unanswered past its reply-by, the item still overdue → red.
          A completed or unjudged item gets no proposal; a red unanswered is a matter
          for accountability (`accountability.py`), not for another notice.
          The office confirms, edits or dismisses each proposal; nothing is issued by
          the system.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

BLUE, YELLOW, RED = "blue", "yellow", "red"
LEVELS = (BLUE, YELLOW, RED)
LEVEL_NAMES = {BLUE: "蓝色提醒单", YELLOW: "黄色警示单", RED: "红色督办单"}

PROPOSED, ISSUED, SIGNED, REPLIED = "proposed", "issued", "signed", "replied"
CLOSED, ESCALATED, DISMISSED = "closed", "escalated", "dismissed"
ACTIVE = (ISSUED, SIGNED, REPLIED)
STATE_NAMES = {
    PROPOSED: "待确认",
    ISSUED: "已下发",
    SIGNED: "已签收",
    REPLIED: "已答复",
    CLOSED: "已销号",
    ESCALATED: "已升级",
    DISMISSED: "已撤销",
}

COMPLETED, LAGGING = "completed", "lagging"

# Rule codes, kept on the notice they proposed.
RULE_LAGGING = "lagging_streak"
RULE_OVERDUE = "overdue"
RULE_BLUE_UNANSWERED = "blue_unanswered"
RULE_YELLOW_UNANSWERED = "yellow_unanswered"
RULE_NAMES = {
    RULE_LAGGING: "连续滞后",
    RULE_OVERDUE: "超期",
    RULE_BLUE_UNANSWERED: "蓝色提醒单逾期未答复",
    RULE_YELLOW_UNANSWERED: "黄色警示单逾期未答复",
}


class LadderError(ValueError):
    """A step the ladder does not allow; the message is for the user."""


@dataclass(frozen=True)
class Rules:
    blue_after_lagging_periods: int = 2
    yellow_when_overdue: bool = True
    yellow_after_unanswered_blue: bool = True
    red_after_unanswered_yellow: bool = True


@dataclass(frozen=True)
class NoticeIn:
    id: int
    level: str
    state: str
    reply_by: dt.date | None = None


@dataclass(frozen=True)
class ItemIn:
    """One key task or assigned item as judged for the period, with its notices."""

    task_id: int
    code: str
    title: str
    unit: str
    status: str  # the period's judgement: completed / on_track / lagging; "" unjudged
    deadline: dt.date | None = None
    lag_streak: int = 0
    overdue_days: int = 0
    reasons: tuple[str, ...] = ()  # the engine's reasons in words (progress.explain)
    notices: tuple[NoticeIn, ...] = ()


@dataclass(frozen=True)
class Proposal:
    task_id: int
    code: str
    title: str
    unit: str
    level: str
    rule: str
    reason: str
    urgent_reason: str = ""
    previous_id: int | None = None
    facts: dict = field(default_factory=dict, compare=False)

    @property
    def level_name(self):
        return LEVEL_NAMES[self.level]


def rank(level):
    return LEVELS.index(level)


def next_level(level):
    """The colour after `level`; None after red."""
    position = rank(level) + 1
    return LEVELS[position] if position < len(LEVELS) else None


def active_notice(notices):
    """The notice out with the unit (issued, signed or replied), or None."""
    for notice in notices:
        if notice.state in ACTIVE:
            return notice
    return None


def pending_proposal(notices):
    for notice in notices:
        if notice.state == PROPOSED:
            return notice
    return None


def unanswered(notice, today):
    """Past its reply-by date without an adequate reply: issued or signed (a reply judged
    inadequate puts it back to signed), and reply_by before today (the day itself is
    still in time)."""
    return (
        notice.state in (ISSUED, SIGNED) and notice.reply_by is not None and notice.reply_by < today
    )


def check_new(level, notices, today, urgent_reason=""):
    """Raise LadderError unless a notice of `level` may be issued for an item whose
    notices are `notices` (a pending proposal of the item is not counted: issuing is
    confirming it). Returns the active notice it escalates, or None."""
    if level not in LEVELS:
        raise LadderError("督办单类型应为蓝色提醒单、黄色警示单或红色督办单")
    urgent = (urgent_reason or "").strip()
    active = active_notice(notices)
    if active is None:
        if rank(level) > rank(BLUE) and not urgent:
            raise LadderError(
                f"该事项没有在办的督办单，应从蓝色提醒单开始；直接下发{LEVEL_NAMES[level]}须填写越级理由"
            )
        return None
    if not unanswered(active, today):
        if active.state == REPLIED:
            why = "单位已答复，请先核实：销号，或认定答复不充分"
        elif active.reply_by is not None:
            why = f"答复期限 {active.reply_by.isoformat()} 尚未过"
        else:
            why = "尚未过答复期限"
        raise LadderError(
            f"一事一单：该事项已有{STATE_NAMES[active.state]}的{LEVEL_NAMES[active.level]}，"
            f"{why}，不能再下发新的督办单"
        )
    if rank(level) <= rank(active.level):
        raise LadderError(
            f"升级应高于在办的{LEVEL_NAMES[active.level]}，不能下发{LEVEL_NAMES[level]}"
        )
    if level != next_level(active.level) and not urgent:
        raise LadderError(
            f"在办的是{LEVEL_NAMES[active.level]}，下一级为{LEVEL_NAMES[next_level(active.level)]}；"
            f"越级下发{LEVEL_NAMES[level]}须填写越级理由"
        )
    return active


def _facts(item):
    return {
        "deadline": item.deadline.isoformat() if item.deadline else "",
        "status": item.status,
        "lag_streak": item.lag_streak,
        "overdue_days": item.overdue_days,
        "reasons": list(item.reasons),
    }


def propose_for(item, today, rules=Rules()):
    """The proposal for one item, or None (see the module's rules)."""
    if pending_proposal(item.notices) is not None:
        return None
    if item.status in ("", COMPLETED):
        return None
    said = "；".join(item.reasons)

    def make(level, rule, reason, urgent="", previous=None):
        return Proposal(
            task_id=item.task_id,
            code=item.code,
            title=item.title,
            unit=item.unit,
            level=level,
            rule=rule,
            reason=reason,
            urgent_reason=urgent,
            previous_id=previous,
            facts=_facts(item),
        )

    active = active_notice(item.notices)
    if active is not None:
        if not unanswered(active, today):
            return None
        late = f"{LEVEL_NAMES[active.level]}答复期限 {active.reply_by.isoformat()} 已过，单位未答复"
        if active.level == BLUE and rules.yellow_after_unanswered_blue and item.status == LAGGING:
            reason = f"{late}，事项仍推进滞后" + (f"：{said}" if said else "")
            return make(YELLOW, RULE_BLUE_UNANSWERED, reason, "", active.id)
        if active.level == YELLOW and rules.red_after_unanswered_yellow and item.overdue_days > 0:
            reason = f"{late}，事项仍超期" + (f"：{said}" if said else "")
            return make(RED, RULE_YELLOW_UNANSWERED, reason, "", active.id)
        return None
    if item.overdue_days > 0 and rules.yellow_when_overdue:
        return make(
            YELLOW,
            RULE_OVERDUE,
            said or f"已超过完成时限{item.overdue_days}天",
            f"事项已超期{item.overdue_days}天（规则：超期建议黄色警示单）",
        )
    if (
        item.status == LAGGING
        and rules.blue_after_lagging_periods > 0
        and item.lag_streak >= rules.blue_after_lagging_periods
    ):
        return make(BLUE, RULE_LAGGING, said or f"已连续{item.lag_streak}期推进滞后")
    return None


def propose(items, today, rules=Rules()):
    """Proposals for `items`, in the order given."""
    found = []
    for item in items:
        proposal = propose_for(item, today, rules)
        if proposal is not None:
            found.append(proposal)
    return found


def reply_overdue(state, reply_by, today):
    """For the board: a notice out with its unit whose reply is late."""
    return state in (ISSUED, SIGNED) and reply_by is not None and reply_by < today
