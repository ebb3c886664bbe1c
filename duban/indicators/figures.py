"""The figures of an office's indicators for a month, as plain rows: what the 指标 page, the
leaders' dashboard and the work summary show. The arithmetic is `growth.py`'s; this
module only reads the database (three queries whatever the number of indicators).

    summary_rows(office, year, month) -> list[dict]

one dict per active indicator of `office`, in the office's order, with

    id, name, unit, group, kind, decimals,
    value            year to date of `month` (Decimal, None: not entered),
    month_value      the value entered for `month` itself (Decimal or None),
    previous         the same period last year (Decimal or None),
    growth_rate      同比增长, percent, two decimals (Decimal or None),
    target           the year's target (Decimal or None),
    target_growth    the year's target growth, percent (Decimal or None),
    completion_rate  value ÷ target, percent (Decimal or None),
    time_progress    month ÷ 12, percent (Decimal),
    behind           completion below time progress (bool, None without a completion).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from duban.indicators import growth
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue


def _series(indicators, year, month):
    """{indicator id: {month: value}} and {indicator id: {month: typed previous}}."""
    values, typed = defaultdict(dict), defaultdict(dict)
    for indicator_id, m, value, previous in IndicatorValue.objects.filter(
        indicator__in=indicators, year=year, month__lte=month
    ).values_list("indicator_id", "month", "value", "previous"):
        values[indicator_id][m] = value
        if previous is not None:
            typed[indicator_id][m] = previous
    return values, typed


def rows_for(indicators, year, month):
    """The rows of `indicators` (a list or queryset of Indicator) for `year`, `month`."""
    indicators = list(indicators)
    values, typed = _series(indicators, year, month)
    last_year, _ = _series(indicators, year - 1, month)
    targets = {
        t.indicator_id: t
        for t in IndicatorTarget.objects.filter(indicator__in=indicators, year=year)
    }
    rows = []
    for indicator in indicators:
        target = targets.get(indicator.pk)
        figures = growth.figures(
            indicator.kind,
            values[indicator.pk],
            month,
            last_year=last_year[indicator.pk],
            typed_previous=typed[indicator.pk],
            target=target.target if target else None,
        )
        rows.append(
            {
                "id": indicator.pk,
                "name": indicator.name,
                "unit": indicator.unit,
                "group": indicator.group,
                "kind": indicator.kind,
                "decimals": indicator.decimals,
                **figures,
                "month_value": values[indicator.pk].get(month),
                "target_growth": target.target_growth if target else None,
            }
        )
    return rows


def summary_rows(office, year, month):
    """The rows of the active indicators of `office` for `month` of `year` (module docstring)."""
    indicators = Indicator.objects.filter(office=office, active=True).order_by("order", "id")
    return rows_for(indicators, int(year), int(month))


def latest_month(office, year):
    """The last month of `year` with any value of `office`'s indicators, or None."""
    return (
        IndicatorValue.objects.filter(indicator__office=office, year=year)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def figure_text(value, decimals=2):
    """Decimal("4720.00") with 2 decimals → "4720", Decimal("1300.5") → "1300.5"; None → "—".
    Trailing zeros are dropped, as the office writes figures."""
    if value is None or value == "":
        return "—"
    step = Decimal(1).scaleb(-int(decimals or 0))
    text = f"{Decimal(value).quantize(step, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
