"""The working-day calendar, the only home of "is this a working day".

Each day is answered by the first source that knows it:

1. the office's own adjustments (工作日日历 › 节假日/调休调整), day by day;
2. a year the office maintains by hand (工作日日历 › 手工维护): Monday to Friday
   plus its adjustments;
3. chinesecalendar: the State Council's holidays and 调休 working days, for the years
   it has been published for;
4. python-holidays: China's legal holidays (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆
   with their 补假 days) for the next few years, worked out from the calendar rules —
   it does not know the weekend 调休 working days, so such a year carries a warning
   until the office enters them as adjustments;
5. Monday to Friday, with a warning.

The calendar never raises: reminders and deadlines go on in every year, and
`warnings()` says which years rest on an incomplete source, in one Chinese line each,
for 工作台 and the commands' output.
"""

import datetime as dt
import functools
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants as _cc

ADMIN = "admin"
CHINESECALENDAR = "chinesecalendar"
HOLIDAYS = "holidays"
WEEKDAYS = "weekdays"

SOURCE_LABELS = {
    ADMIN: "办公室手工维护",
    CHINESECALENDAR: "国务院放假安排（含调休上班日）",
    HOLIDAYS: "法定节假日推算（不含调休上班日）",
    WEEKDAYS: "按周一至周五计算（无节假日数据）",
}

# chinesecalendar's published years (the State Council's notices it carries).
CHINESECALENDAR_FIRST = min(_cc.holidays).year
CHINESECALENDAR_LAST = max(max(_cc.holidays).year, max(_cc.workdays).year)
# python-holidays answers for the years after chinesecalendar's last one, this many of
# them: far enough for every deadline an office sets, near enough that a year with no
# published arrangement at all is not silently treated as known.
HOLIDAYS_YEARS = 5
HOLIDAYS_LAST = CHINESECALENDAR_LAST + HOLIDAYS_YEARS


@functools.cache
def legal_holidays(year):
    """{date: name} of China's legal holidays in `year`, from python-holidays."""
    import holidays

    return dict(holidays.country_holidays("CN", years=year, language="zh_CN"))


@functools.lru_cache(maxsize=8192)
def source_says(day, source):
    """Whether `day` is a working day by `source`. Remembered for the process: the
    packages' data does not change while it runs, and looking a day up in chinesecalendar
    costs more than the rest of judging it (each request loads a new Calendar)."""
    if source == CHINESECALENDAR:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year chinesecalendar's data leaves out
            pass
    elif source == HOLIDAYS:
        return day.weekday() < 5 and day not in legal_holidays(day.year)
    return day.weekday() < 5


@dataclass(frozen=True)
class Coverage:
    """Which source answers for a year, and what the office should do about it."""

    year: int
    source: str
    adjustments: int = 0
    workday_adjustments: int = 0

    @property
    def label(self):
        return SOURCE_LABELS[self.source]

    @property
    def complete(self):
        if self.source == HOLIDAYS:
            # the office entered the year's 调休 working days itself
            return self.workday_adjustments > 0
        return self.source != WEEKDAYS

    @property
    def warning(self):
        if self.complete:
            return ""
        if self.source == HOLIDAYS:
            return (
                f"{self.year}年的工作日按法定节假日推算，未含调休上班日；"
                f"国务院放假通知发布后，请在「节假日/调休调整」中录入{self.year}年的调休上班日。"
            )
        return (
            f"{self.year}年没有节假日数据，工作日暂按周一至周五计算；"
            f"请在「节假日/调休调整」中录入{self.year}年的放假与调休日期。"
        )


#: spans up to this many days are counted day by day; longer ones through a year's running
#: counts (worked out once per calendar)
SHORT_SPAN = 62


class Calendar:
    """Answers is_workday / add_workdays / workdays_between; build one per request or
    command with `load()`. Each day's answer is remembered: judging 2,000 tasks asks
    about the same few hundred days again and again."""

    def __init__(self, overrides=None, manual_years=()):
        self.overrides = dict(overrides or {})
        self.manual_years = set(manual_years)
        self.asked_years = set()
        self._days = {}
        self._running = {}  # year -> working days from January 1 through each day

    @classmethod
    def load(cls):
        return cls(*cls.rows())

    @staticmethod
    def rows():
        """(overrides, manual years) as stored: what `load` builds a calendar from, for a
        caller that keeps them (`Calendar(*rows)` copies them, so one calendar's answers
        never reach another)."""
        from duban.core.models import CalendarYear, WorkdayOverride

        return (
            dict(WorkdayOverride.objects.values_list("date", "is_workday")),
            frozenset(CalendarYear.objects.values_list("year", flat=True)),
        )

    def source(self, year):
        if year in self.manual_years:
            return ADMIN
        if CHINESECALENDAR_FIRST <= year <= CHINESECALENDAR_LAST:
            return CHINESECALENDAR
        if year <= HOLIDAYS_LAST:
            return HOLIDAYS
        return WEEKDAYS

    def coverage(self, year):
        days = [is_workday for day, is_workday in self.overrides.items() if day.year == year]
        return Coverage(year, self.source(year), len(days), sum(days))

    def warnings(self, years=None):
        """One line per year (those asked about so far, or `years`) whose source is incomplete."""
        years = self.asked_years if years is None else years
        return [w for w in (self.coverage(year).warning for year in sorted(set(years))) if w]

    def is_workday(self, day):
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._is_workday(day)
        return known

    def _is_workday(self, day):
        self.asked_years.add(day.year)
        if day in self.overrides:
            return self.overrides[day]
        return self.is_workday_by_source(day)

    def is_workday_by_source(self, day):
        """What the year's source says of `day`, the office's adjustment of it left out:
        an adjustment that agrees with this changes nothing."""
        return source_says(day, self.source(day.year))

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
        if (end - start).days <= SHORT_SPAN and not (
            start.year in self._running and end.year in self._running
        ):
            # a short span, its years not counted yet: day by day is less than a year
            return sum(
                self.is_workday(start + dt.timedelta(days=n))
                for n in range(1, (end - start).days + 1)
            )
        # long spans (the engine asks one per task, fifty tasks a page) by running counts
        days = self._through(end) - self._through(start)
        for year in range(start.year, end.year):
            days += self._running_count(year)[-1]
        return days

    def _through(self, day):
        """Working days from January 1 of day's year through day."""
        return self._running_count(day.year)[day.timetuple().tm_yday]

    def _running_count(self, year):
        counts = self._running.get(year)
        if counts is None:
            counts, n, day = [0], 0, dt.date(year, 1, 1)
            while day.year == year:
                n += self.is_workday(day)
                counts.append(n)
                day += dt.timedelta(days=1)
            self._running[year] = counts
        return counts


def years_shown(today, calendar=None):
    """The years the calendar page lists: last year to next year, and every year the
    office has maintained or adjusted."""
    years = set(range(today.year - 1, today.year + 2))
    if calendar is not None:
        years |= calendar.manual_years | {day.year for day in calendar.overrides}
    return sorted(years)
