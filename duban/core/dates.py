"""Reading the dates offices write in their ledgers.

Accepted: 2022-12-31, 2022/12/31, 2022.12.31, 2022年12月31日, 12月31日,
12月底, 2022年12月底, 12月上旬/中旬/下旬, 年底 (2022年底), and Excel date cells. A trailing
前/之前/以前 is allowed. Month-only forms take the last day of the month;
上旬 is the 10th, 中旬 the 20th and 下旬 the month's last day. Forms without a
year take the year of the import.
"""

import calendar
import datetime as dt
import functools
import re


class DateParseError(ValueError):
    pass


_Y = r"(?P<y>\d{4})"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"

PATTERNS = [
    re.compile(rf"{_Y}\s*[-/.]\s*{_M}\s*[-/.]\s*{_D}"),
    re.compile(rf"{_Y}\s*年\s*{_M}\s*月\s*{_D}\s*[日号]"),
    re.compile(rf"(?:{_Y}\s*年\s*)?{_M}\s*月\s*(?P<part>底|末|上旬|中旬|下旬)"),
    re.compile(rf"{_M}\s*月\s*{_D}\s*[日号]"),
    re.compile(rf"(?:{_Y}\s*(?:年\s*)?)?(?P<yearend>年底|年末)"),
    re.compile(rf"{_Y}\s*年\s*{_M}\s*月(?![\d底末上中下])"),
    re.compile(rf"(?<![\d年])\s*{_M}\s*月(?![\d底末上中下])"),
]

# A date at the start of a line, for 节点计划 ("3月底前：完成方案设计").
PREFIX = re.compile(
    r"^\s*(?P<date>"
    r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*(?:底|末|上旬|中旬|下旬)"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|(?:\d{4}\s*(?:年\s*)?)?(?:年底|年末)"
    r"|(?:\d{4}\s*年\s*)?\d{1,2}\s*月"
    r")\s*(?:之前|以前|前)?"
)

SUFFIX = re.compile(r"\s*(?:之前|以前|前)\s*$")


def _build(year, month, day=None):
    """The one constructor of a parsed date: a year outside 1–9999 (0000年底), a
    month outside 1–12 or a day the month lacks is "日期不存在". `day=None` is the
    month's last day."""
    if not (dt.MINYEAR <= year <= dt.MAXYEAR and 1 <= month <= 12):
        shown = f"{year}年{month}月{day}日" if day is not None else f"{year}年{month}月"
        raise DateParseError(f"日期不存在：{shown}")
    if day is None:
        day = calendar.monthrange(year, month)[1]
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateParseError(f"日期不存在：{year}年{month}月{day}日")


def parse_date(value, year=None):
    """A date from a cell value, or None for an empty cell. Raises DateParseError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        raise DateParseError(f"无法识别的日期“{value:g}”，请写成 2022-12-31 或设为日期格式单元格")
    text = str(value).strip()
    if not text:
        return None
    if len(text) > CACHED_TEXT:
        return _parse_text.__wrapped__(text, year)  # a cell of padding is not kept
    return _parse_text(text, year)


#: the longest date text kept by `_parse_text` (a written date is a dozen characters; the
#: patterns allow any white space, so a hostile cell could be long and still a date)
CACHED_TEXT = 40


@functools.lru_cache(maxsize=4096)
def _parse_text(text, year):
    """`parse_date` of a non-empty text: a ledger writes the same few dozen dates
    (12月底, 6月底前, 2026-09-30…) in thousands of cells, each tried against every
    pattern; a date is immutable, so each text and year is read once (an error is
    raised again each time: lru_cache keeps only answers)."""
    text = SUFFIX.sub("", text)
    for pattern in PATTERNS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        groups = match.groupdict()
        y = int(groups["y"]) if groups.get("y") else year
        if y is None:
            raise DateParseError(f"“{text}”没有写年份，且未指定导入年度")
        if groups.get("yearend"):
            return _build(y, 12, 31)
        m = int(groups["m"])
        if not 1 <= m <= 12:
            raise DateParseError(f"月份不存在：“{text}”")
        if groups.get("d"):
            return _build(y, m, int(groups["d"]))
        part = groups.get("part")
        if part == "上旬":
            return _build(y, m, 10)
        if part == "中旬":
            return _build(y, m, 20)
        return _build(y, m)
    raise DateParseError(
        f"无法识别的日期“{text}”，可写成 2022-12-31、2022年12月31日、12月31日或12月底"
    )


def format_date(day):
    return day.strftime("%Y-%m-%d") if day else ""


WEEKDAYS = "一二三四五六日"


def chinese_date(value, *, year=True, weekday=False):
    """A date as the office writes it: 2022年8月1日 (GB/T 9704 §7.3.5.1: Arabic numerals,
    the year in full, no leading zeros); `year=False` leaves the year out (8月1日),
    `weekday=True` adds （星期一）. Takes a date, a datetime or an ISO string."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    text = f"{value.month}月{value.day}日"
    if weekday:
        text += f"（星期{WEEKDAYS[value.weekday()]}）"
    return f"{value.year}年{text}" if year else text


_TIME = re.compile(
    r"(?P<h>\d{1,2})\s*[:：时]\s*(?P<mi>\d{1,2})(?:\s*[:：分]\s*(?P<s>\d{1,2})秒?)?分?"
)


def parse_datetime(value):
    """A naive datetime from a cell: an Excel date/time cell, or a date in any form
    `parse_date` reads followed by an optional time (2023-01-05 09:30, 2023/1/5 9:30:15,
    2023年1月5日 9时30分). None for an empty cell; DateParseError for anything else,
    a day or a time that does not exist included."""
    if value is None:
        return None
    if type(value) is str and len(value) in (16, 19) and value[4] == value[7] == "-":
        # the common "2023-01-05 09:30[:15]" at once; anything unusual takes the long way
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None and value[10] in " T":
                return moment
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min)
    text = str(value).strip()
    if not text:
        return None
    parts = re.split(r"(?<=[\d日号])\s*[T\s]\s*(?=\d{1,2}\s*[:：时])", text, maxsplit=1)
    if len(parts) == 1 and ("T" in text or ":" in text or "：" in text):
        raise DateParseError(f"无法识别的时间“{text}”，请写成 2023-01-05 09:30")
    day = parse_date(parts[0]) if re.match(r"\d{4}", parts[0]) else None
    if day is None:
        raise DateParseError(f"无法识别的日期“{text}”，请写成 2023-01-05 09:30")
    if len(parts) == 1:
        return dt.datetime.combine(day, dt.time.min)
    match = _TIME.fullmatch(parts[1].strip())
    if not match:
        raise DateParseError(f"无法识别的时间“{parts[1]}”，请写成 09:30 或 09:30:15")
    hour, minute, second = int(match["h"]), int(match["mi"]), int(match["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateParseError(f"时间不存在：{parts[1].strip()}")
    return dt.datetime.combine(day, dt.time(hour, minute, second))
