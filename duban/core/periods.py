"""Reporting periods: a month `2022-07`, a quarter `2022Q3`, a half-year `2022-H1`, a
year `2022`, and (for year-to-date sums) any run of months inside one year, `2022-01~07`.

Units report by month; quarter, half-year and year views aggregate months.

| kind    | key          | also parsed            | label          |
|---------|--------------|------------------------|----------------|
| month   | `2022-07`    | `2022-7`               | 2022年7月      |
| quarter | `2022Q3`     | `2022-Q3`, `2022q3`    | 2022年第三季度 |
| half    | `2022-H1`    | `2022H1`, `2022-h1`    | 2022年上半年   |
| year    | `2022`       |                        | 2022年         |
| span    | `2022-01~07` |                        | 2022年1—7月    |

A span that is a quarter, a half-year or a year is that, whichever way it was built:
`Period(2022, 7, 9)` is `2022Q3`. Periods sort by their last month, then their first
(`sort_key`), so 2022-H1 sits with 2022-06 and before 2022-07; `<` and `sorted()`
follow the same order.
"""

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_SPAN = re.compile(r"^(\d{4})-(\d{1,2})~(\d{1,2})$")

_QUARTER_WORDS = "一二三四"
# Months in a month, a quarter, a half-year and a year: the kinds that tile a year.
_KINDS = {1: "month", 3: "quarter", 6: "half", 12: "year"}


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


@functools.total_ordering
@dataclass(frozen=True)
class Period:
    year: int
    first_month: int
    last_month: int

    def __post_init__(self):
        # A period is a run of months inside one year that a date can hold; year 0 would
        # fail later, in `start`, as a ValueError nobody catches.
        if not 1 <= self.year <= 9999:
            raise PeriodError(f"报送周期的年度 {self.year} 不存在")
        if not 1 <= self.first_month <= self.last_month <= 12:
            raise PeriodError(f"报送周期 {self.year}年{self.first_month}—{self.last_month}月不存在")

    @classmethod
    def parse(cls, text):
        """A period from its key (or the spellings in the table above), or PeriodError."""
        text = str(text or "").strip()
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"报送周期“{text}”的月份不存在")
            return cls(year, month, month)
        if m := _QUARTER.match(text):
            return cls.quarter(int(m[1]), int(m[2]))
        if m := _HALF.match(text):
            year, half = int(m[1]), int(m[2])
            return cls(year, 1, 6) if half == 1 else cls(year, 7, 12)
        if m := _YEAR.match(text):
            return cls(int(m[1]), 1, 12)
        if m := _SPAN.match(text):
            year, first, last = int(m[1]), int(m[2]), int(m[3])
            if not 1 <= first <= last <= 12:
                raise PeriodError(f"报送周期“{text}”的月份不存在")
            return cls(year, first, last)
        raise PeriodError(f"无法识别的报送周期“{text}”，应写成 2022-07、2022Q3、2022-H1 或 2022")

    @classmethod
    def month(cls, year, month):
        return cls(year, month, month)

    @classmethod
    def quarter(cls, year, number):
        """The `number`-th quarter (1–4) of `year`."""
        if not 1 <= number <= 4:
            raise PeriodError(f"季度应为 1 至 4，收到 {number}")
        return cls(year, 3 * number - 2, 3 * number)

    @classmethod
    def containing(cls, day):
        """The month of `day`."""
        return cls(day.year, day.month, day.month)

    @classmethod
    def quarter_of(cls, day):
        """The quarter of `day`."""
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)

    # --- what it is ------------------------------------------------------------

    @property
    def kind(self):
        """ "month", "quarter", "half", "year", or "span" for any other run of months."""
        length = self.last_month - self.first_month + 1
        if length in _KINDS and (self.first_month - 1) % length == 0:
            return _KINDS[length]
        return "span"

    @property
    def is_month(self):
        return self.first_month == self.last_month

    @property
    def is_quarter(self):
        return self.kind == "quarter"

    @property
    def is_half(self):
        return self.kind == "half"

    @property
    def is_year(self):
        return self.kind == "year"

    @property
    def key(self):
        """The canonical text; `Period.parse(p.key) == p`."""
        kind = self.kind
        if kind == "month":
            return f"{self.year:04d}-{self.first_month:02d}"
        if kind == "quarter":
            return f"{self.year:04d}Q{self.last_month // 3}"
        if kind == "half":
            return f"{self.year:04d}-H{1 if self.first_month == 1 else 2}"
        if kind == "year":
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.first_month:02d}~{self.last_month:02d}"

    @property
    def label(self):
        """As documents write it: 2022年7月, 2022年第三季度, 2022年上半年, 2022年."""
        kind = self.kind
        if kind == "month":
            return f"{self.year}年{self.first_month}月"
        if kind == "quarter":
            return f"{self.year}年第{_QUARTER_WORDS[self.last_month // 3 - 1]}季度"
        if kind == "half":
            return f"{self.year}年{'上' if self.first_month == 1 else '下'}半年"
        if kind == "year":
            return f"{self.year}年"
        return f"{self.year}年{self.first_month}—{self.last_month}月"

    @property
    def sort_key(self):
        """(year, last month, first month): periods in the order their figures close."""
        return (self.year, self.last_month, self.first_month)

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

    # --- neighbours ------------------------------------------------------------

    def previous(self):
        """The period of the same kind just before: 2022-01 → 2021-12, 2022Q1 → 2021Q4,
        2022-H1 → 2021-H2, 2022 → 2021."""
        length = self._length_of_a_kind()
        if self.first_month == 1:
            return Period(self.year - 1, 13 - length, 12)
        return Period(self.year, self.first_month - length, self.last_month - length)

    def next(self):
        """The period of the same kind just after: 2022-12 → 2023-01, 2022Q4 → 2023Q1."""
        length = self._length_of_a_kind()
        if self.last_month == 12:
            return Period(self.year + 1, 1, length)
        return Period(self.year, self.first_month + length, self.last_month + length)

    def _length_of_a_kind(self):
        if self.kind == "span":
            raise PeriodError(f"报送周期“{self.label}”不是月、季度、半年或年度，没有上一期和下一期")
        return self.last_month - self.first_month + 1

    # --- order -----------------------------------------------------------------

    def __lt__(self, other):
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key < other.sort_key

    def __str__(self):
        return self.key
