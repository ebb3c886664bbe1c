"""The arithmetic of 经济社会指标: pure functions on Decimals, no ORM.

The rules, as the statistics bulletins write them:

- **Year to date (累计值, 1-N月).** An indicator is kept either *cumulative* (累计: the
  value typed for a month already is the year to date, 规上工业总产值 1-7月 4720万元)
  or *per month* (当月: the month's own figure; the year to date is the sum of the
  months entered from January to N). A month nobody has entered has no year to date
  (None) — an unreported figure is unknown, not zero.
- **Same period last year (上年同期).** Per month, last year's value in the system; where
  the system has none, the 上年同期值 typed beside this year's value. The same year-to-date
  rule then applies to that series.
- **Year-on-year growth (同比增长)** = (本期 − 上年同期) ÷ 上年同期 × 100.
- **Completion of target (完成率)** = 累计值 ÷ 年度目标 × 100 (647 ÷ 600 → 107.83%).
- **Time progress (时间进度 / 序时进度)** = N ÷ 12 × 100 (7月 → 58.33%); an indicator is
  *behind* when its completion is below the time progress.

Percentages are rounded half up to two decimals by `core.numfmt.rate` (the one rounding
rule of duban) and returned as Decimals; a rate whose denominator is 0 or missing is None,
and so is a growth rate on a negative base (it would have the wrong sign).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from duban.core.numfmt import rate

CUMULATIVE = "cumulative"
MONTHLY = "monthly"
PLACES = 2
STEP = Decimal(1).scaleb(-PLACES)


def _percent(part, whole):
    value = rate(part, whole, places=PLACES)
    return None if value is None else Decimal(str(value)).quantize(STEP)


def year_to_date(kind, values: Mapping[int, Decimal], month):
    """The year to date of month `month` (1-12) from {month: value}: the month's own value
    for a cumulative indicator, the sum of the months 1..`month` entered for a monthly
    one; None when `month` itself has no value."""
    if values.get(month) is None:
        return None
    if kind == CUMULATIVE:
        return Decimal(values[month])
    return sum(
        (Decimal(values[m]) for m in range(1, month + 1) if values.get(m) is not None),
        Decimal(0),
    )


def previous_series(last_year: Mapping[int, Decimal], typed: Mapping[int, Decimal]):
    """{month: last year's value}: the system's own where it has one, else the typed
    上年同期值."""
    months = set(last_year) | set(typed)
    merged = {}
    for m in months:
        value = last_year.get(m)
        if value is None:
            value = typed.get(m)
        if value is not None:
            merged[m] = value
    return merged


def growth_rate(current, previous):
    """(current − previous) ÷ previous × 100, two decimals; None without both values or
    when previous is 0 or negative."""
    if current is None or previous is None or Decimal(previous) <= 0:
        return None
    return _percent(Decimal(current) - Decimal(previous), previous)


def completion_rate(ytd, target):
    """ytd ÷ target × 100, two decimals; None without a value or a (positive) target."""
    if ytd is None or target is None or Decimal(target) <= 0:
        return None
    return _percent(ytd, target)


def time_progress(month):
    """month ÷ 12 × 100, two decimals (7 → 58.33)."""
    return _percent(month, 12)


def is_behind(completion, progress):
    """Whether a completion rate is below the time progress; None without a completion."""
    if completion is None or progress is None:
        return None
    return completion < progress


def figures(kind, values, month, *, last_year=None, typed_previous=None, target=None):
    """Everything one indicator shows for `month`: value (year to date), previous (the same
    period last year), growth_rate, target, completion_rate, time_progress, behind."""
    ytd = year_to_date(kind, values, month)
    previous = year_to_date(kind, previous_series(last_year or {}, typed_previous or {}), month)
    completion = completion_rate(ytd, target)
    progress = time_progress(month)
    return {
        "value": ytd,
        "previous": previous,
        "growth_rate": growth_rate(ytd, previous),
        "target": None if target is None else Decimal(target),
        "completion_rate": completion,
        "time_progress": progress,
        "behind": is_behind(completion, progress),
    }
