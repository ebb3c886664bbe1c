"""Accountability (效能问责) proposals and the check of a decision: a plain module.

THE RULES (issue 12; the reference bulletin lists 效能提示 and 效能告诫 decided by a
group, each naming the unit and the reason)

Proposals (default levels, editable in the admin as `AccountabilityLevel`):
- a red notice (红色督办单) out with its unit and past its reply-by date without an
  adequate reply → 效能告诫 (`warning`) for that unit, one proposal per notice;
- `reds_for_interview` (default 3) red notices issued to one unit in one year → 约谈
  (`interview`), one proposal per unit and year.
Each proposal carries a key (`rule_key`) so that a rerun proposes nothing twice.

Nothing is ever decided automatically: a person decides, naming the level, the date,
the basis (依据: the regulation or the meeting that decided) and the reason; a decision
without a basis is refused.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

PROMPT, WARNING, INTERVIEW, PUBLIC_CRITICISM, SUGGESTION = (
    "prompt",
    "warning",
    "interview",
    "public_criticism",
    "suggestion",
)
DEFAULT_LEVELS = [
    (PROMPT, "效能提示"),
    (WARNING, "效能告诫"),
    (INTERVIEW, "约谈"),
    (PUBLIC_CRITICISM, "通报批评"),
    (SUGGESTION, "问责建议"),
]

RED = "red"
OUT = ("issued", "signed", "replied")
UNANSWERED = ("issued", "signed")
SENT = OUT + ("closed", "escalated")


class DecisionError(ValueError):
    """A decision that cannot be recorded; the message is for the user."""


@dataclass(frozen=True)
class NoticeIn:
    id: int
    unit_id: int
    unit: str
    level: str
    state: str
    year: int
    code: str = ""
    title: str = ""
    number: str = ""
    reply_by: dt.date | None = None


@dataclass(frozen=True)
class Proposal:
    rule_key: str
    unit_id: int
    unit: str
    year: int
    level: str
    reason: str
    notice_ids: tuple[int, ...] = field(default=())


def propose(notices, today, *, reds_for_interview=3, existing_keys=frozenset()):
    """Proposals from `notices` (NoticeIn), leaving out those whose key is in
    `existing_keys` (already proposed or decided)."""
    found = []
    reds_by_unit = defaultdict(list)
    for notice in notices:
        if notice.level != RED:
            continue
        if notice.state in SENT:
            reds_by_unit[(notice.unit_id, notice.year)].append(notice)
        late = (
            notice.state in UNANSWERED and notice.reply_by is not None and notice.reply_by < today
        )
        if late:
            key = f"red_unanswered:{notice.id}"
            if key not in existing_keys:
                name = f"{notice.number}" if notice.number else "红色督办单"
                found.append(
                    Proposal(
                        rule_key=key,
                        unit_id=notice.unit_id,
                        unit=notice.unit,
                        year=notice.year,
                        level=WARNING,
                        reason=(
                            f"{notice.unit}对{name}（{notice.code} {notice.title}）"
                            f"逾期未答复（答复期限 {notice.reply_by.isoformat()}）"
                        ),
                        notice_ids=(notice.id,),
                    )
                )
    if reds_for_interview > 0:
        for (unit_id, year), reds in sorted(reds_by_unit.items()):
            if len(reds) < reds_for_interview:
                continue
            key = f"reds_in_year:{unit_id}:{year}"
            if key in existing_keys:
                continue
            found.append(
                Proposal(
                    rule_key=key,
                    unit_id=unit_id,
                    unit=reds[0].unit,
                    year=year,
                    level=INTERVIEW,
                    reason=f"{reds[0].unit}{year}年已收到{len(reds)}张红色督办单",
                    notice_ids=tuple(sorted(n.id for n in reds)),
                )
            )
    return found


def check_decision(*, level, basis, reason, decided_on, today=None):
    """Raise DecisionError naming the first missing or wrong field of a decision."""
    if not level:
        raise DecisionError("请选择问责方式")
    if not (basis or "").strip():
        raise DecisionError("问责决定须填写依据（如文件名称、会议纪要）")
    if not (reason or "").strip():
        raise DecisionError("问责决定须填写事由")
    if decided_on is None:
        raise DecisionError("问责决定须填写决定日期")
    if today is not None and decided_on > today:
        raise DecisionError(f"决定日期 {decided_on.isoformat()} 晚于今天")
