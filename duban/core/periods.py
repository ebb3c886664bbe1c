"""Reporting periods: a month `2022-07`, a half-year `2022-H1`, a year `2022`.

Units report by month; half-year and year views aggregate months.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_HALF = re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    pass


# The years duban takes anywhere (pages, imports, commands): one range, one parser.
MIN_YEAR, MAX_YEAR = 2000, 2100


def parse_year(value):
    """A year from a form, a URL or a command line, or PeriodError in Chinese.

    Only ASCII digits count: "²" or "２０２２" are not years (str.isdigit would say yes).
    """
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 4:
        raise PeriodError(f"年度应为四位数字，如 2022；收到“{text}”")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"年度应在 {MIN_YEAR} 至 {MAX_YEAR} 之间，收到 {year}")
    return year


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    last_month: int

    @classmethod
    def parse(cls, text):
        text = str(text or "").strip()
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"报送周期“{text}”的月份不存在")
            return cls(year, month, month)
        if m := _HALF.match(text):
            year, half = int(m[1]), int(m[2])
            return cls(year, 1, 6) if half == 1 else cls(year, 7, 12)
        if m := _YEAR.match(text):
            return cls(int(m[1]), 1, 12)
        raise PeriodError(f"无法识别的报送周期“{text}”，应写成 2022-07、2022-H1 或 2022")

    @classmethod
    def month(cls, year, month):
        return cls(year, month, month)

    @classmethod
    def containing(cls, day):
        return cls(day.year, day.month, day.month)

    @property
    def is_month(self):
        return self.first_month == self.last_month

    @property
    def key(self):
        if self.is_month:
            return f"{self.year}-{self.first_month:02d}"
        if (self.first_month, self.last_month) == (1, 12):
            return f"{self.year}"
        return f"{self.year}-H{1 if self.first_month == 1 else 2}"

    @property
    def label(self):
        if self.is_month:
            return f"{self.year}年{self.first_month}月"
        if (self.first_month, self.last_month) == (1, 12):
            return f"{self.year}年"
        return f"{self.year}年{'上' if self.first_month == 1 else '下'}半年"

    @property
    def start(self):
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self):
        return dt.date(
            self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1]
        )

    def months(self):
        return [Period.month(self.year, m) for m in range(self.first_month, self.last_month + 1)]

    def previous(self):
        if not self.is_month:
            raise PeriodError("只有月度周期有上一期")
        if self.first_month == 1:
            return Period.month(self.year - 1, 12)
        return Period.month(self.year, self.first_month - 1)

    def next(self):
        if not self.is_month:
            raise PeriodError("只有月度周期有下一期")
        if self.first_month == 12:
            return Period.month(self.year + 1, 1)
        return Period.month(self.year, self.first_month + 1)

    def __str__(self):
        return self.key
