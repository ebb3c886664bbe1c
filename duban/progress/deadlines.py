"""The monthly reporting deadline (报送截止日).

Rule (ProgressRules.submission_day, 党政办's 填报与研判规则): a month's report is due on
the `submission_day` of that month; a day past the month's end means the month's
last day (31 in February is the 28th or 29th); a deadline that falls on a day off
moves to the next working day of `duban.core.workdays.Calendar`, so official
holidays, 调休 working weekends and the office's own overrides all count.
"""

import calendar as _calendar
import datetime as dt

from duban.core.periods import Period, PeriodError


def submission_deadline(period, calendar, rules):
    """The date a month's report is due. `period` is a monthly Period (or "2022-07")."""
    if not isinstance(period, Period):
        period = Period.parse(period)
    if not period.is_month:
        raise PeriodError("报送截止日按月计算，请给出具体月份")
    last_day = _calendar.monthrange(period.year, period.first_month)[1]
    day = dt.date(period.year, period.first_month, min(max(rules.submission_day, 1), last_day))
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day
