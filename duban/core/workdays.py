"""The working-day calendar: chinesecalendar's official holidays and 调休 days,
with the office's own overrides (admin: 节假日/调休调整) winning over them.

A date in a year that neither chinesecalendar nor a hand-maintained
`CalendarYear` covers raises `CalendarGapError` naming the year: a deadline is
never computed from a guess.
"""

import datetime as dt

import chinese_calendar


class CalendarGapError(Exception):
    def __init__(self, year):
        self.year = year
        super().__init__(
            f"{year}年的节假日数据缺失：chinesecalendar 不含该年度。"
            f"请升级 chinesecalendar，或在管理后台「手工维护的日历年度」中添加 {year} 年，"
            f"并在「节假日/调休调整」中录入该年的放假与调休日期。"
        )


class Calendar:
    """Answers is_workday / add_workdays; build one per request or command with `load()`."""

    def __init__(self, overrides=None, manual_years=()):
        self.overrides = dict(overrides or {})
        self.manual_years = set(manual_years)

    @classmethod
    def load(cls):
        from duban.core.models import CalendarYear, WorkdayOverride

        return cls(
            overrides=dict(WorkdayOverride.objects.values_list("date", "is_workday")),
            manual_years=CalendarYear.objects.values_list("year", flat=True),
        )

    def is_workday(self, day):
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.manual_years:
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise CalendarGapError(day.year)

    def add_workdays(self, start, days):
        """The date `days` working days after `start` (start itself not counted)."""
        day = start
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start, end):
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count
