"""The status engine (研判): a plain module, no database access inside.

INTERFACE

    @dataclass(frozen=True) class MilestoneIn: due: date; description: str
    @dataclass(frozen=True) class SubmissionIn:
        period: str            # "2022-07"
        self_status: str       # "completed" | "on_track" | "lagging" | ""
        completed_value: Decimal | None
        accepted: bool
    @dataclass(frozen=True) class TaskIn:
        deadline: date | None; milestones: tuple[MilestoneIn, ...]
        target_value: Decimal | None; start: date  (year start, Jan 1 of task.year)
    @dataclass(frozen=True) class Rules:
        pace_threshold: Decimal = 0.7; due_soon_workdays: int = 5; red_after_lagging_periods: int = 2
    @dataclass(frozen=True) class Result:
        status: "completed" | "on_track" | "lagging"
        light: "green" | "blue" | "yellow" | "red"
        flags: dict   # JSON-able, e.g. {"overdue": {"days": 12, "workdays": 8},
                      #  "milestone_missed": {"description": ..., "due": "2022-06-30", "days_late": 31},
                      #  "behind_pace": {"completed": 100.0, "expected": 1200.0, "share": 0.58},
                      #  "due_soon": {"workdays": 3}, "no_update": {"period": "2022-07"},
                      #  "lagging_streak": {"periods": 2}}

    judge(task: TaskIn, submissions: Sequence[SubmissionIn], as_of: date, period: str,
          calendar, rules: Rules, previous_statuses: Sequence[str] = ()) -> Result

THE RULES (docs/status-rules.md says the same in Chinese for the office)

They come from the monthly report (shared/reference/1-monthly-key-work-supervision-report.txt:
three buckets 已完成 / 推进顺利(正常) / 推进滞后, 滞后项目占比) and from the office's
three-colour warning practice (三色预警). The thresholds are the office's, kept in
`ProgressRules` (admin: 填报与研判规则) and passed in as `Rules`.

Only *accepted* submissions (已采纳) of the judged period or earlier count as
evidence; "latest" means the one of the latest period.

Status
  completed  the latest accepted submission reports 已完成, or its completed value
             reaches the target (量化指标). Completed overrides every other rule.
  lagging    any of:
             - overdue: deadline < as_of (the deadline day itself is not overdue);
             - milestone missed: a milestone's due date is before as_of and no accepted
               submission of the milestone's month or later reports the task completed
               or on track (an accepted 推进正常 report of that month or later is the
               unit's word, accepted by the office, that the plan up to then is kept);
             - behind pace: the task has a target and the latest reported completed
               value (none reported counts as 0) is below
               pace_threshold × target × share, share = (as_of − start) / (deadline − start)
               clipped to 0..1 (no deadline: the year's end). Exactly at the line is
               not behind;
             - the unit itself reports 推进滞后 in the latest accepted submission.
  on_track   otherwise (推进正常; the reference's 推进顺利(正常) — one bucket, one word on screen).

Flags (the reasons, with their numbers, stored with the judgement)
  overdue {days, workdays}; milestone_missed {description, due, days_late, count}
  (the longest-overdue one, and how many are missed); behind_pace {completed,
  expected, share}; due_soon {workdays}: not completed and the deadline is today or
  at most due_soon_workdays working days ahead; no_update {period}: no submission
  at all (submitted or accepted) for the judged period; lagging_streak {periods}:
  this period and the immediately preceding lagging ones (previous_statuses,
  most recent last). A completed task carries no flags.

Light, first match wins
  completed → green; overdue, or lagging for red_after_lagging_periods periods in a
  row → red; behind pace, a missed milestone or lagging for any other reason →
  yellow; due soon → blue; otherwise green.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from duban.core.periods import Period

COMPLETED, ON_TRACK, LAGGING = "completed", "on_track", "lagging"
GREEN, BLUE, YELLOW, RED = "green", "blue", "yellow", "red"


@dataclass(frozen=True)
class MilestoneIn:
    due: dt.date
    description: str


@dataclass(frozen=True)
class SubmissionIn:
    period: str
    self_status: str
    completed_value: Decimal | None
    accepted: bool


@dataclass(frozen=True)
class TaskIn:
    deadline: dt.date | None
    milestones: tuple[MilestoneIn, ...]
    target_value: Decimal | None
    start: dt.date


@dataclass(frozen=True)
class Rules:
    pace_threshold: Decimal = Decimal("0.7")
    due_soon_workdays: int = 5
    red_after_lagging_periods: int = 2


@dataclass(frozen=True)
class Result:
    status: str
    light: str
    flags: dict = field(default_factory=dict)


def judge(task, submissions, as_of, period, calendar, rules, previous_statuses=()):
    """The status, light and reasons of one task for one period, as of a date."""
    judged = _order(period)
    evidence = sorted(
        (s for s in submissions if s.accepted and _order(s.period) <= judged),
        key=lambda s: _order(s.period),
    )
    latest = evidence[-1] if evidence else None

    if latest is not None and _says_completed(latest, task):
        return Result(COMPLETED, GREEN, {})

    flags = {}
    if task.deadline is not None and task.deadline < as_of:
        flags["overdue"] = {
            "days": (as_of - task.deadline).days,
            "workdays": calendar.workdays_between(task.deadline, as_of),
        }
    missed = _missed_milestones(task, evidence, as_of)
    if missed:
        first = missed[0]
        flags["milestone_missed"] = {
            "description": first.description,
            "due": first.due.isoformat(),
            "days_late": (as_of - first.due).days,
            "count": len(missed),
        }
    pace = _behind_pace(task, evidence, as_of, rules)
    if pace:
        flags["behind_pace"] = pace
    if task.deadline is not None and task.deadline >= as_of:
        left = calendar.workdays_between(as_of, task.deadline)
        if left <= rules.due_soon_workdays:
            flags["due_soon"] = {"workdays": left}
    if not any(_order(s.period) == judged for s in submissions):
        flags["no_update"] = {"period": _canonical(period)}

    self_lagging = latest is not None and latest.self_status == LAGGING
    lagging = self_lagging or any(
        k in flags for k in ("overdue", "milestone_missed", "behind_pace")
    )
    status = LAGGING if lagging else ON_TRACK
    if lagging:
        flags["lagging_streak"] = {"periods": lagging_streak(previous_statuses)}
    return Result(status, light_for(status, flags, rules), flags)


def lagging_streak(previous_statuses):
    """Periods lagging in a row, counting the judged one (assumed lagging)."""
    streak = 1
    for status in reversed(list(previous_statuses)):
        if status != LAGGING:
            break
        streak += 1
    return streak


def light_for(status, flags, rules):
    """The warning light for a status and its flags (also used when the office's
    status differs from the engine's, so the colour never contradicts the status)."""
    if status == COMPLETED:
        return GREEN
    streak = flags.get("lagging_streak", {}).get("periods", 0) if status == LAGGING else 0
    if "overdue" in flags or (status == LAGGING and streak >= rules.red_after_lagging_periods):
        return RED
    if status == LAGGING or "behind_pace" in flags or "milestone_missed" in flags:
        return YELLOW
    if "due_soon" in flags:
        return BLUE
    return GREEN


def flags_for(status, flags, previous_statuses):
    """The engine's flags adjusted to a status the office set (import or override):
    a completed task carries none, a lagging one carries its streak."""
    if status == COMPLETED:
        return {}
    flags = {k: v for k, v in flags.items() if k != "lagging_streak"}
    if status == LAGGING:
        flags["lagging_streak"] = {"periods": lagging_streak(previous_statuses)}
    return flags


# ----- the rules' parts -----


@lru_cache(maxsize=512)
def _order(period_key):
    """Sort key of a period: by its last month, so 2022-H1 sits with 2022-06."""
    return Period.parse(period_key).sort_key


@lru_cache(maxsize=512)
def _canonical(period_key):
    return Period.parse(period_key).key


@lru_cache(maxsize=512)
def _month_order(year, month):
    """_order of the month `year`-`month`."""
    return Period(year, month, month).sort_key


def _says_completed(submission, task):
    if submission.self_status == COMPLETED:
        return True
    return (
        task.target_value is not None
        and submission.completed_value is not None
        and submission.completed_value >= task.target_value
    )


def _keeps_plan(submission, task):
    return submission.self_status == ON_TRACK or _says_completed(submission, task)


def milestone_met(due, evidence, task):
    """Whether an accepted report of the milestone's month or later keeps the plan.

    `evidence` holds accepted submissions; anything with period, self_status and
    completed_value will do (engine inputs or Submission rows), and `task` anything
    with target_value, so the task page shows milestones exactly as the engine sees them.
    """
    month = _month_order(due.year, due.month)
    return any(_order(s.period) >= month and _keeps_plan(s, task) for s in evidence)


def _missed_milestones(task, evidence, as_of):
    return [
        milestone
        for milestone in sorted(task.milestones, key=lambda m: m.due)
        if milestone.due < as_of and not milestone_met(milestone.due, evidence, task)
    ]


def _exact(number):
    # Fraction(0.7) would be 0.6999…; going through str keeps "exactly at the line" exact.
    return Fraction(Decimal(str(number)))


def elapsed_share(task, as_of):
    """How much of the task's time has passed, 0..1 (no deadline: until the year's end)."""
    end = task.deadline or dt.date(task.start.year, 12, 31)
    total = (end - task.start).days
    if total <= 0:
        return Fraction(1 if as_of >= end else 0)
    return min(max(Fraction((as_of - task.start).days, total), Fraction(0)), Fraction(1))


def _behind_pace(task, evidence, as_of, rules):
    if task.target_value is None or task.target_value <= 0:
        return None
    reported = [s.completed_value for s in evidence if s.completed_value is not None]
    completed = _exact(reported[-1]) if reported else Fraction(0)
    share = elapsed_share(task, as_of)
    expected = _exact(task.target_value) * share
    if completed >= _exact(rules.pace_threshold) * expected:
        return None
    return {
        "completed": round(float(completed), 2),
        "expected": round(float(expected), 2),
        "share": round(float(share), 2),
    }
