"""The status engine (研判): a plain module, no database access inside.

INTERFACE (fixed; implementation being written):

    @dataclass(frozen=True) class MilestoneIn: due: date; description: str
    @dataclass(frozen=True) class SubmissionIn:
        period: str            # "2022-07"
        self_status: str       # "completed" | "on_track" | "lagging" | ""
        completed_value: Decimal | None
        accepted: bool
        submitted_on: date | None
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
"""
