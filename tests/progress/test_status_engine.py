"""The status engine's rules, without a database (duban/progress/status.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from duban.core.workdays import Calendar
from duban.progress.status import (
    MilestoneIn,
    Result,
    Rules,
    SubmissionIn,
    TaskIn,
    elapsed_share,
    judge,
    light_for,
)

D = dt.date
RULES = Rules()
YEAR_END = dt.date(2022, 12, 31)
YEAR_START = dt.date(2022, 1, 1)
JUL_29 = dt.date(2022, 7, 29)


class WeekdayCalendar:
    """Monday to Friday are working days; nothing else is special."""

    def is_workday(self, day):
        return day.weekday() < 5

    def workdays_between(self, start, end):
        if end < start:
            return -self.workdays_between(end, start)
        return sum(
            self.is_workday(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1)
        )


WEEKDAYS = WeekdayCalendar()


def task(deadline=YEAR_END, milestones=(), target=None, start=YEAR_START):
    return TaskIn(
        deadline=deadline,
        milestones=tuple(MilestoneIn(due, text) for due, text in milestones),
        target_value=None if target is None else Decimal(target),
        start=start,
    )


def sub(period="2022-07", status="on_track", value=None, accepted=True):
    return SubmissionIn(
        period=period,
        self_status=status,
        completed_value=None if value is None else Decimal(value),
        accepted=accepted,
    )


def run(t=None, subs=None, as_of=JUL_29, period="2022-07", previous=(), **rules):
    return judge(
        t or task(),
        [sub()] if subs is None else subs,
        as_of,
        period,
        WEEKDAYS,
        Rules(**rules) if rules else RULES,
        previous,
    )


# ----- status -----


def test_a_task_reported_on_track_with_nothing_against_it_is_on_track_and_green():
    assert run() == Result("on_track", "green", {})


def test_a_task_reported_completed_is_completed_and_green():
    assert run(subs=[sub(status="completed")]) == Result("completed", "green", {})


def test_reaching_the_target_value_counts_as_completed_even_if_the_unit_says_on_track():
    result = run(task(target="10"), subs=[sub(status="on_track", value="10")])
    assert result.status == "completed"


def test_completed_overrides_overdue_missed_milestones_and_a_lagging_streak():
    t = task(deadline=D(2022, 6, 30), milestones=[(D(2022, 3, 31), "方案")], target="100")
    result = run(t, subs=[sub("2022-05", "completed")], previous=["lagging"] * 5)
    assert result == Result("completed", "green", {})


def test_only_the_latest_accepted_submission_decides_completion():
    subs = [sub("2022-05", "completed"), sub("2022-06", "lagging")]
    assert run(subs=subs, period="2022-06", as_of=D(2022, 6, 30)).status == "lagging"


def test_a_submission_not_yet_accepted_is_not_evidence():
    result = run(subs=[sub("2022-06", "on_track"), sub("2022-07", "completed", accepted=False)])
    assert result.status == "on_track"


def test_submissions_of_later_periods_are_ignored():
    result = run(subs=[sub("2022-06"), sub("2022-08", "completed")], period="2022-07")
    assert result.status == "on_track"


def test_the_units_own_lagging_report_makes_the_task_lagging_and_yellow():
    result = run(subs=[sub(status="lagging")])
    assert (result.status, result.light) == ("lagging", "yellow")
    assert result.flags == {"lagging_streak": {"periods": 1}}


# ----- overdue -----


def test_a_task_past_its_deadline_is_overdue_lagging_and_red_with_days_and_workdays():
    # Friday 2022-07-15 to Friday 2022-07-29: 14 days, 10 working days
    result = run(task(deadline=D(2022, 7, 15)), as_of=D(2022, 7, 29))
    assert (result.status, result.light) == ("lagging", "red")
    assert result.flags["overdue"] == {"days": 14, "workdays": 10}


def test_the_deadline_day_itself_is_not_overdue_but_due_soon():
    result = run(task(deadline=D(2022, 7, 29)), as_of=D(2022, 7, 29))
    assert "overdue" not in result.flags
    assert result.flags["due_soon"] == {"workdays": 0}
    assert (result.status, result.light) == ("on_track", "blue")


def test_a_task_without_deadline_is_never_overdue_nor_due_soon():
    result = run(
        task(deadline=None), as_of=D(2022, 12, 31), period="2022-12", subs=[sub("2022-12")]
    )
    assert result == Result("on_track", "green", {})


def test_overdue_workdays_follow_the_real_holiday_calendar():
    # National Day 2022: 10-01..10-07 off, 10-08 and 10-09 (weekend) are 调休 working days
    t = task(deadline=D(2022, 9, 30))
    result = judge(t, [sub("2022-10")], D(2022, 10, 10), "2022-10", Calendar(), RULES)
    assert result.flags["overdue"] == {"days": 10, "workdays": 3}


# ----- milestones -----


def test_a_milestone_past_due_with_only_lagging_reports_since_is_missed():
    t = task(milestones=[(D(2022, 6, 30), "完成招投标")])
    result = run(t, subs=[sub("2022-07", "lagging")], as_of=D(2022, 7, 31))
    assert result.flags["milestone_missed"] == {
        "description": "完成招投标",
        "due": "2022-06-30",
        "days_late": 31,
        "count": 1,
    }
    assert (result.status, result.light) == ("lagging", "yellow")


def test_a_milestone_due_on_the_judgement_day_is_not_yet_missed():
    t = task(milestones=[(D(2022, 7, 29), "完成招投标")])
    assert "milestone_missed" not in run(t, as_of=D(2022, 7, 29)).flags


def test_the_longest_overdue_milestone_is_named_and_all_missed_are_counted():
    t = task(milestones=[(D(2022, 6, 30), "招投标"), (D(2022, 3, 31), "方案设计")])
    flag = run(t, subs=[sub("2022-07", "lagging")], as_of=D(2022, 7, 31)).flags["milestone_missed"]
    assert (flag["description"], flag["count"]) == ("方案设计", 2)


def test_a_completed_report_in_the_milestones_month_or_later_meets_it():
    # completed in June, then reopened as on_track in July: the June milestone was met
    t = task(milestones=[(D(2022, 6, 30), "招投标")])
    subs = [sub("2022-06", "completed"), sub("2022-07", "on_track")]
    assert "milestone_missed" not in run(t, subs=subs).flags


def test_a_completed_report_before_the_milestones_month_does_not_meet_it():
    t = task(milestones=[(D(2022, 6, 30), "招投标")])
    subs = [sub("2022-05", "completed"), sub("2022-07", "lagging")]
    assert "milestone_missed" in run(t, subs=subs).flags


def test_an_accepted_on_track_report_after_the_milestones_month_meets_it():
    t = task(milestones=[(D(2022, 6, 30), "招投标")])
    assert "milestone_missed" not in run(t, subs=[sub("2022-07", "on_track")]).flags


def test_a_milestone_with_no_report_since_its_month_is_missed():
    t = task(milestones=[(D(2022, 6, 30), "招投标")])
    assert "milestone_missed" in run(t, subs=[sub("2022-05", "on_track")]).flags


def test_an_on_track_report_not_yet_accepted_does_not_meet_a_milestone():
    t = task(milestones=[(D(2022, 6, 30), "招投标")])
    assert "milestone_missed" in run(t, subs=[sub("2022-07", "on_track", accepted=False)]).flags


# ----- pace -----


def pace_task(target="100"):
    # 2022-01-01 .. 2022-11-01 is 304 days; as_of 2022-06-02 is day 152: share exactly 1/2
    return task(deadline=D(2022, 11, 1), target=target)


def test_share_of_elapsed_time_is_clipped_to_zero_and_one():
    t = pace_task()
    assert elapsed_share(t, D(2022, 6, 2)) == 0.5
    assert elapsed_share(t, D(2021, 12, 1)) == 0
    assert elapsed_share(t, D(2023, 3, 1)) == 1


def test_completed_value_below_threshold_times_expected_pace_is_behind():
    result = run(
        pace_task(), subs=[sub("2022-06", value="34.99")], as_of=D(2022, 6, 2), period="2022-06"
    )
    assert result.flags["behind_pace"] == {"completed": 34.99, "expected": 50.0, "share": 0.5}
    assert (result.status, result.light) == ("lagging", "yellow")


def test_completed_value_exactly_at_the_threshold_is_not_behind():
    result = run(
        pace_task(), subs=[sub("2022-06", value="35")], as_of=D(2022, 6, 2), period="2022-06"
    )
    assert "behind_pace" not in result.flags
    assert result.status == "on_track"


def test_the_pace_threshold_comes_from_the_rules():
    subs = [sub("2022-06", value="35")]
    result = run(
        pace_task(), subs=subs, as_of=D(2022, 6, 2), period="2022-06", pace_threshold=Decimal("0.8")
    )
    assert "behind_pace" in result.flags


def test_the_latest_reported_value_is_used_even_if_the_latest_report_has_none():
    subs = [sub("2022-05", value="40"), sub("2022-06", value=None)]
    assert (
        "behind_pace"
        not in run(pace_task(), subs=subs, as_of=D(2022, 6, 2), period="2022-06").flags
    )


def test_a_task_with_a_target_and_no_reported_value_counts_as_zero_done():
    result = run(pace_task(), subs=[sub("2022-06")], as_of=D(2022, 6, 2), period="2022-06")
    assert result.flags["behind_pace"]["completed"] == 0.0


def test_a_task_without_target_is_never_behind_pace():
    result = run(
        task(deadline=D(2022, 11, 1)), subs=[sub("2022-06")], as_of=D(2022, 6, 2), period="2022-06"
    )
    assert "behind_pace" not in result.flags


def test_without_deadline_the_pace_runs_to_the_years_end():
    t = task(deadline=None, target="365")
    # 2022-07-02 is day 182 of 364: expected 182.5 × 0.7 = 127.75
    assert "behind_pace" not in run(t, subs=[sub(value="128")], as_of=D(2022, 7, 2)).flags
    assert "behind_pace" in run(t, subs=[sub(value="127")], as_of=D(2022, 7, 2)).flags


# ----- due soon, no update -----


def test_a_deadline_within_the_due_soon_workdays_turns_the_light_blue():
    # Friday 07-22 to Friday 07-29: 5 working days ahead
    result = run(task(deadline=D(2022, 7, 29)), as_of=D(2022, 7, 22))
    assert result.flags["due_soon"] == {"workdays": 5}
    assert (result.status, result.light) == ("on_track", "blue")


def test_a_deadline_one_working_day_further_is_not_due_soon():
    result = run(task(deadline=D(2022, 8, 1)), as_of=D(2022, 7, 22))
    assert "due_soon" not in result.flags and result.light == "green"


def test_due_soon_counts_working_days_of_the_real_calendar():
    # 2022-09-30 → 2022-10-10: only 10-08, 10-09 (调休) and 10-10 are working days
    t = task(deadline=D(2022, 10, 10))
    result = judge(t, [sub("2022-09")], D(2022, 9, 30), "2022-09", Calendar(), RULES)
    assert result.flags["due_soon"] == {"workdays": 3}


def test_no_submission_for_the_period_is_flagged_but_not_lagging():
    result = run(subs=[sub("2022-06")])
    assert result.flags == {"no_update": {"period": "2022-07"}}
    assert (result.status, result.light) == ("on_track", "green")


def test_a_submission_awaiting_review_counts_as_an_update():
    assert "no_update" not in run(subs=[sub(accepted=False)]).flags


def test_a_task_never_reported_on_is_on_track_with_no_update():
    assert run(subs=[]) == Result("on_track", "green", {"no_update": {"period": "2022-07"}})


# ----- streaks and light precedence -----


def test_the_streak_counts_the_immediately_preceding_lagging_periods():
    result = run(
        subs=[sub(status="lagging")], previous=["lagging", "on_track", "lagging", "lagging"]
    )
    assert result.flags["lagging_streak"] == {"periods": 3}


def test_lagging_two_periods_in_a_row_turns_the_light_red():
    result = run(subs=[sub(status="lagging")], previous=["lagging"])
    assert (result.flags["lagging_streak"], result.light) == ({"periods": 2}, "red")


def test_a_gap_in_the_previous_statuses_breaks_the_streak():
    result = run(subs=[sub(status="lagging")], previous=["lagging", ""])
    assert (result.flags["lagging_streak"], result.light) == ({"periods": 1}, "yellow")


def test_the_red_streak_length_comes_from_the_rules():
    result = run(subs=[sub(status="lagging")], previous=["lagging"], red_after_lagging_periods=3)
    assert result.light == "yellow"


def test_an_on_track_task_has_no_streak_flag():
    assert "lagging_streak" not in run(previous=["lagging", "lagging"]).flags


def test_overdue_wins_over_behind_pace_and_due_soon_for_the_light():
    t = task(deadline=D(2022, 7, 1), target="100", milestones=[(D(2022, 6, 1), "开工")])
    result = run(t, subs=[sub(status="lagging", value="1")], as_of=D(2022, 7, 29))
    assert {"overdue", "behind_pace", "milestone_missed"} <= result.flags.keys()
    assert result.light == "red"


def test_lagging_wins_over_due_soon_for_the_light():
    result = run(task(deadline=D(2022, 7, 29)), subs=[sub(status="lagging")], as_of=D(2022, 7, 27))
    assert "due_soon" in result.flags and result.light == "yellow"


@pytest.mark.parametrize(
    ("status", "flags", "light"),
    [
        ("completed", {"overdue": {}}, "green"),
        ("on_track", {"overdue": {}}, "red"),
        ("lagging", {"lagging_streak": {"periods": 2}}, "red"),
        ("lagging", {"lagging_streak": {"periods": 1}, "due_soon": {}}, "yellow"),
        ("on_track", {"behind_pace": {}}, "yellow"),
        ("on_track", {"due_soon": {}, "no_update": {}}, "blue"),
        ("on_track", {"no_update": {}}, "green"),
    ],
)
def test_light_precedence(status, flags, light):
    assert light_for(status, flags, RULES) == light


def test_flags_are_plain_json():
    import json

    t = task(deadline=D(2022, 7, 1), target="100", milestones=[(D(2022, 6, 1), "开工")])
    result = run(t, subs=[sub(status="lagging", value="1")], previous=["lagging"])
    assert json.loads(json.dumps(result.flags)) == result.flags
