"""Scoring units (考核): a yearly scheme, a score per unit with its breakdown, a ranking.
A plain module, no database (issue 12; the office keeps the scheme in the admin,
`ScoringScheme`).

THE SCHEME
- Weighted items, each scored 0–100 and weighted; the weights must add up to 100:
  on_time   按时完成率: of the unit's tasks whose deadline has come (deadline ≤ as_of),
            the share completed in the month of the deadline or earlier (as judged);
  on_track  推进正常率: of the unit's judged task-months, the share not lagging.
  A unit with nothing to count on an item gets the item's full points (no evidence
  against it), and the breakdown says so.
- Deductions: per lagging task-month; per notice issued to the unit, by colour (a
  proposal or a dismissed notice does not count); per decided accountability record.
- Bonus items entered by the office (加分, or a negative figure for 扣分), with a reason.
- Lead units only: a task counts for its lead unit (协同单位 share: later).
Score = Σ weighted items − deductions + bonus, two decimals, half up; it may be below 0.
Ranking: highest score first; equal scores share a rank (1, 2, 2, 4), then by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ON_TIME, ON_TRACK = "on_time", "on_track"
ITEM_NAMES = {ON_TIME: "按时完成率", ON_TRACK: "推进正常率"}
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


def _rate_line(key, weight, part, whole, records, empty):
    name = ITEM_NAMES[key]
    if whole == 0:
        return Line(f"{name}（权重 {_text(weight)}）", _round(weight), f"{empty}，按满分计")
    share = Decimal(part) / Decimal(whole)
    return Line(
        f"{name}（权重 {_text(weight)}）",
        _round(weight * share),
        f"{part}/{whole}（{_text(_round(share * 100))}%）",
        tuple(records),
    )


def score(facts, scheme):
    """One unit's Score with its breakdown lines (each naming the records behind it)."""
    lines = []
    weights = scheme.weights
    if weights.get(ON_TIME):
        lines.append(
            _rate_line(
                ON_TIME,
                weights[ON_TIME],
                len(facts.on_time_tasks),
                len(facts.due_tasks),
                facts.due_tasks,
                "无到期事项",
            )
        )
    if weights.get(ON_TRACK):
        lines.append(
            _rate_line(
                ON_TRACK,
                weights[ON_TRACK],
                facts.judged_months - len(facts.lagging_months),
                facts.judged_months,
                (),
                "无研判记录",
            )
        )
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
