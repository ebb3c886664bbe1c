"""Scoring units (考核): a yearly scheme, a score per unit with its breakdown, a ranking.
A plain module, no database (issue 12; the office keeps the scheme in the admin,
`ScoringScheme`).

THE SCHEME
- Weighted items, each scored 0–100 and weighted; the weights must add up to 100:
  on_time   按时完成率: of the unit's tasks whose deadline has come (deadline ≤ as_of),
            the share completed in the month of the deadline or earlier (as judged);
  on_track  推进正常率: of the unit's judged task-months, the share not lagging;
  requests_on_time      诉求按时办结率: the unit's requests (民生诉求) received in the
            span, closed no later than their deadline ÷ closed (tickets/metrics.py);
  requests_satisfaction 诉求满意率: their satisfaction rate as tickets/metrics.py
            defines it (满意 + 权重 × 基本满意) ÷ 回访.
  The request items weigh 0 by default (an office without the requests loop).
  A unit with nothing to count on an item gets the item's full points (no evidence
  against it), and the breakdown says so.
- Deductions: per lagging task-month; per notice issued to the unit, by colour (a
  proposal or a dismissed notice does not count); per decided accountability record.
- Bonus items entered by the office (加分, or a negative figure for 扣分), with a reason.
- Lead and partner share: a task counts in full (1) for its lead unit and with the
  scheme's partner share (0–1, default 0: lead units only) for each partner unit
  (协同单位) in the task-based items: the on-time rate (weighted numerator and
  denominator), the on-track rate (weighted task-months) and the deduction per lagging
  task-month (weighted, on its own line "推进滞后扣分（协办 ×0.5）"). Notices,
  accountability records and bonuses stay with the unit they name.
Score = Σ weighted items − deductions + bonus, two decimals, half up; it may be below 0.
Ranking: highest score first; equal scores share a rank (1, 2, 2, 4), then by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ON_TIME, ON_TRACK = "on_time", "on_track"
REQ_ON_TIME, REQ_SATISFACTION = "requests_on_time", "requests_satisfaction"
ITEM_NAMES = {
    ON_TIME: "按时完成率",
    ON_TRACK: "推进正常率",
    REQ_ON_TIME: "诉求按时办结率",
    REQ_SATISFACTION: "诉求满意率",
}
LEVEL_NAMES = {"blue": "蓝色提醒单", "yellow": "黄色警示单", "red": "红色督办单"}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class ScoringError(ValueError):
    """A scheme that cannot score; the message is for the user."""


@dataclass(frozen=True)
class Scheme:
    weights: dict  # {ON_TIME: Decimal, ON_TRACK: Decimal}
    per_lagging_month: Decimal = Decimal("0.5")
    per_notice: dict = field(
        default_factory=lambda: {"blue": Decimal(1), "yellow": Decimal(2), "red": Decimal(3)}
    )
    per_accountability: Decimal = Decimal(5)
    partner_share: Decimal = Decimal(0)


PARTNER_SHARE_ERROR = "协办单位计分比例应在 0 至 1 之间（0 表示只计牵头单位）"


def check_scheme(scheme):
    """Raise ScoringError unless the weights are known, not negative and add up to 100."""
    unknown = set(scheme.weights) - set(ITEM_NAMES)
    if unknown:
        raise ScoringError(f"未知的考核项目：{'、'.join(sorted(unknown))}")
    for key, weight in scheme.weights.items():
        if weight < 0:
            raise ScoringError(f"“{ITEM_NAMES[key]}”的权重不能为负数")
    total = sum(scheme.weights.values(), Decimal(0))
    if total != HUNDRED:
        raise ScoringError(f"各考核项目的权重之和应为 100，现为 {_text(total)}")
    deductions = [scheme.per_lagging_month, scheme.per_accountability, *scheme.per_notice.values()]
    if any(value < 0 for value in deductions):
        raise ScoringError("扣分标准不能为负数")
    if not Decimal(0) <= scheme.partner_share <= Decimal(1):
        raise ScoringError(PARTNER_SHARE_ERROR)


@dataclass(frozen=True)
class Record:
    """A record behind a point: what it is, and where to see it."""

    label: str
    url: str = ""


@dataclass(frozen=True)
class UnitFacts:
    unit_id: int
    unit: str
    due_tasks: tuple = ()  # Record per task whose deadline has come
    on_time_tasks: tuple = ()  # Record per such task completed on time
    judged_months: int = 0
    lagging_months: tuple = ()  # Record per lagging task-month
    notices: tuple = ()  # (level, Record) per notice issued
    accountability: tuple = ()  # Record per decided record
    bonuses: tuple = ()  # (points, Record)
    requests: dict | None = None  # metrics.unit_figures' row of the unit, with "url"
    # the same task facts for the tasks where the unit is a partner (协同单位)
    partner_due_tasks: tuple = ()
    partner_on_time_tasks: tuple = ()
    partner_judged_months: int = 0
    partner_lagging_months: tuple = ()


@dataclass(frozen=True)
class Line:
    label: str
    points: Decimal
    detail: str = ""
    records: tuple = ()


@dataclass
class Score:
    unit_id: int
    unit: str
    lines: list
    total: Decimal
    rank: int = 0


def _round(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value):
    value = Decimal(value).normalize()
    return f"{value:f}"


def _rate_line(key, weight, part, whole, records, empty, partner=None):
    """`partner`: (part, whole, records, share) of the partner tasks, counted × share."""
    name = ITEM_NAMES[key]
    detail = f"{part}/{whole}"
    records = tuple(records)
    if partner:
        p_part, p_whole, p_records, p_share = partner
        detail = f"牵头 {part}/{whole}，协办 {p_part}/{p_whole} × {_text(p_share)}"
        part = part + p_share * p_part
        whole = whole + p_share * p_whole
        records += _as_partner(p_records, p_share)
        if whole:
            detail += f"，合计 {_text(part)}/{_text(whole)}"
    if whole == 0:
        return Line(f"{name}（权重 {_text(weight)}）", _round(weight), f"{empty}，按满分计")
    share = Decimal(part) / Decimal(whole)
    return Line(
        f"{name}（权重 {_text(weight)}）",
        _round(weight * share),
        f"{detail}（{_text(_round(share * 100))}%）",
        records,
    )


def partner_label(share):
    return f"协办 ×{_text(share)}"


def _as_partner(records, share):
    """The partner's records, each saying it counts × share."""
    return tuple(Record(f"{r.label}（{partner_label(share)}）", r.url) for r in records)


def _partner(facts, scheme):
    """The partner share when the scheme counts partners and the unit has partner tasks."""
    share = scheme.partner_share
    has = facts.partner_due_tasks or facts.partner_judged_months
    return share if share and has else None


def _request_lines(requests, weights):
    """The request items' lines; a unit without requests gets their full points."""
    lines = []
    requests = requests or {}
    records = (Record(f"{requests['name']}的民生诉求", requests["url"]),) if requests else ()
    if weights.get(REQ_ON_TIME):
        lines.append(
            _rate_line(
                REQ_ON_TIME,
                weights[REQ_ON_TIME],
                requests.get("closed_on_time", 0),
                requests.get("closed", 0),
                records,
                "无办结诉求",
            )
        )
    weight = weights.get(REQ_SATISFACTION)
    if weight:
        label = f"{ITEM_NAMES[REQ_SATISFACTION]}（权重 {_text(weight)}）"
        satisfaction = requests.get("satisfaction_rate")
        if satisfaction is None:
            lines.append(Line(label, _round(weight), "无回访诉求，按满分计", records))
        else:
            share = Decimal(str(satisfaction)) / HUNDRED
            points = _round(weight * share)
            lines.append(Line(label, points, f"满意率 {_text(satisfaction)}%", records))
    return lines


def score(facts, scheme):
    """One unit's Score with its breakdown lines (each naming the records behind it)."""
    lines = []
    weights = scheme.weights
    share = _partner(facts, scheme)
    if weights.get(ON_TIME):
        partner = None
        if share and facts.partner_due_tasks:
            partner = (
                len(facts.partner_on_time_tasks),
                len(facts.partner_due_tasks),
                facts.partner_due_tasks,
                share,
            )
        lines.append(
            _rate_line(
                ON_TIME,
                weights[ON_TIME],
                len(facts.on_time_tasks),
                len(facts.due_tasks),
                facts.due_tasks,
                "无到期事项",
                partner,
            )
        )
    if weights.get(ON_TRACK):
        partner = None
        if share and facts.partner_judged_months:
            judged = facts.partner_judged_months
            partner = (judged - len(facts.partner_lagging_months), judged, (), share)
        lines.append(
            _rate_line(
                ON_TRACK,
                weights[ON_TRACK],
                facts.judged_months - len(facts.lagging_months),
                facts.judged_months,
                (),
                "无研判记录",
                partner,
            )
        )
    lines += _request_lines(facts.requests, weights)
    if facts.lagging_months and scheme.per_lagging_month:
        n = len(facts.lagging_months)
        lines.append(
            Line(
                "推进滞后扣分",
                -_round(scheme.per_lagging_month * n),
                f"{n} 个事项月 × {_text(scheme.per_lagging_month)}",
                tuple(facts.lagging_months),
            )
        )
    if share and facts.partner_lagging_months and scheme.per_lagging_month:
        n = len(facts.partner_lagging_months)
        lines.append(
            Line(
                f"推进滞后扣分（{partner_label(share)}）",
                -_round(scheme.per_lagging_month * n * share),
                f"{n} 个事项月 × {_text(scheme.per_lagging_month)} × {_text(share)}",
                _as_partner(facts.partner_lagging_months, share),
            )
        )
    for level, name in LEVEL_NAMES.items():
        records = tuple(record for lv, record in facts.notices if lv == level)
        per = scheme.per_notice.get(level, Decimal(0))
        if records and per:
            lines.append(
                Line(
                    f"{name}扣分",
                    -_round(per * len(records)),
                    f"{len(records)} 张 × {_text(per)}",
                    records,
                )
            )
    if facts.accountability and scheme.per_accountability:
        n = len(facts.accountability)
        lines.append(
            Line(
                "效能问责扣分",
                -_round(scheme.per_accountability * n),
                f"{n} 次 × {_text(scheme.per_accountability)}",
                tuple(facts.accountability),
            )
        )
    for points, record in facts.bonuses:
        lines.append(Line("加分" if points >= 0 else "扣分", _round(points), "", (record,)))
    total = _round(sum((line.points for line in lines), Decimal(0)))
    return Score(facts.unit_id, facts.unit, lines, total)


def rank(scores):
    """Scores ordered best first, each with its rank; equal totals share a rank."""
    ordered = sorted(scores, key=lambda s: (-s.total, s.unit))
    previous, position = None, 0
    for index, item in enumerate(ordered, start=1):
        if item.total != previous:
            position, previous = index, item.total
        item.rank = position
    return ordered
