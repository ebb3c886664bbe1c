"""The monthly reporting deadline: the office's day of the month, moved past days off."""

import datetime as dt
from types import SimpleNamespace

import pytest

from duban.core.periods import Period, PeriodError
from duban.core.workdays import Calendar
from duban.progress.deadlines import submission_deadline

CALENDAR = Calendar()


def rules(day=25):
    return SimpleNamespace(submission_day=day)


def test_deadline_on_a_working_day_stays_put():
    assert submission_deadline(Period.month(2022, 7), CALENDAR, rules()) == dt.date(2022, 7, 25)


def test_deadline_on_a_sunday_moves_to_monday():
    # 2022-09-25 is a Sunday.
    assert submission_deadline(Period.month(2022, 9), CALENDAR, rules()) == dt.date(2022, 9, 26)


def test_deadline_on_a_saturday_moves_past_the_weekend():
    # 2022-06-25 is a Saturday.
    assert submission_deadline(Period.month(2022, 6), CALENDAR, rules()) == dt.date(2022, 6, 27)


def test_deadline_in_national_day_holiday_moves_to_the_working_saturday():
    # 2022-10-01..07 is the National Day holiday; Saturday 10-08 and Sunday 10-09 are
    # 调休 working days, so a deadline on the 1st lands on Saturday the 8th.
    assert submission_deadline(Period.month(2022, 10), CALENDAR, rules(1)) == dt.date(2022, 10, 8)


def test_deadline_the_day_before_a_working_sunday_is_that_saturday():
    # 10-08 itself is a working day: a deadline there does not move.
    assert submission_deadline("2022-10", CALENDAR, rules(8)) == dt.date(2022, 10, 8)


def test_a_day_past_the_months_end_is_the_last_day():
    # February 2022 has 28 days; the 28th is a Monday.
    assert submission_deadline(Period.month(2022, 2), CALENDAR, rules(31)) == dt.date(2022, 2, 28)


def test_the_last_day_on_a_weekend_moves_into_the_next_month():
    # 2022-04-30..05-04 is the Labour Day holiday (04-30 a Saturday): the deadline is 05-05.
    assert submission_deadline(Period.month(2022, 4), CALENDAR, rules(31)) == dt.date(2022, 5, 5)


def test_the_offices_own_override_moves_the_deadline():
    calendar = Calendar(overrides={dt.date(2022, 7, 25): False})
    assert submission_deadline(Period.month(2022, 7), calendar, rules()) == dt.date(2022, 7, 26)


def test_deadline_is_only_for_a_month():
    with pytest.raises(PeriodError):
        submission_deadline(Period.parse("2022-H1"), CALENDAR, rules())
