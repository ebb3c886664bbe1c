"""The demo street's 经济社会指标: eight indicators with this year's targets, values from
January to the demo's last month and, for the economic ones, last year's twelve months in
the system (the others carry a typed 上年同期值, as an office does in its first year).

Figures are invented but plausible: each indicator grows on last year by its own rate,
month by month along a seeded, slightly uneven path, so the same day gives the same
demo. One falls on last year (固定资产投资), one is past its target (两癌筛查人数), one lags
its time progress (新建充电桩)."""

import random
import zlib
from decimal import ROUND_HALF_UP, Decimal

from duban.core.audit import bulk_create_history
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue

C, M = Indicator.Kind.CUMULATIVE, Indicator.Kind.MONTHLY
ECONOMY, LIVELIHOOD = "经济发展", "社会民生"

# (name, unit, group, kind, decimals, last year's total, growth %, target, last year in system)
INDICATORS = [
    ("规上工业总产值", "万元", ECONOMY, C, 1, 7640, "7.8", 8100, True),
    ("限上消费品零售总额", "万元", ECONOMY, C, 1, 52300, "5.2", 54000, True),
    ("固定资产投资", "万元", ECONOMY, C, 1, 31800, "-3.5", 33000, True),
    ("区级税收收入", "万元", ECONOMY, C, 1, 19600, "6.1", 20200, True),
    ("新增市场主体", "户", ECONOMY, M, 0, 452, "9.3", 480, False),
    ("城镇新增就业", "人", LIVELIHOOD, C, 0, 1150, "4.2", 1150, False),
    ("两癌筛查人数", "人", LIVELIHOOD, C, 0, 560, "24.6", 600, False),
    ("新建充电桩", "个", LIVELIHOOD, C, 0, 96, "12.0", 150, False),
]


def _path(name, year):
    """The year-to-date share of the annual total at the end of each month (1..12),
    rising unevenly and ending at 1."""
    rng = random.Random(zlib.crc32(f"{name}{year}".encode()))
    steps = [1 + rng.uniform(-0.15, 0.15) for _ in range(12)]
    total = sum(steps)
    shares, running = [], 0
    for step in steps:
        running += step
        shares.append(running / total)
    return shares


def _round(value, decimals):
    step = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def _series(kind, total, shares, months, decimals):
    """{month: value}: the year to date (cumulative) or the month's own (monthly)."""
    ytd = [_round(total * shares[m - 1], decimals) for m in range(1, 13)]
    if kind == C:
        return {m: ytd[m - 1] for m in months}
    return {m: ytd[m - 1] - (ytd[m - 2] if m > 1 else 0) for m in months}


def write(office, year, last_month):
    """The demo's indicators of `office`; nothing when it has any already. Returns how
    many indicators were written."""
    if Indicator.objects.filter(office=office).exists():
        return 0
    indicators, targets, values = [], [], []
    for order, row in enumerate(INDICATORS, start=1):
        name, unit, group, kind, decimals, base, rate, target, in_system = row
        indicator = Indicator(
            office=office, name=name, unit=unit, group=group, kind=kind, decimals=decimals
        )
        indicator.order = order
        indicators.append((indicator, row))
    Indicator.objects.bulk_create([i for i, _ in indicators])
    for indicator, row in indicators:
        name, unit, group, kind, decimals, base, rate, target, in_system = row
        targets.append(
            IndicatorTarget(
                indicator=indicator,
                year=year,
                target=Decimal(target),
                target_growth=Decimal(rate).copy_abs() if Decimal(rate) > 0 else None,
            )
        )
        total = base * (1 + float(rate) / 100)
        this = _series(kind, total, _path(name, year), range(1, last_month + 1), decimals)
        before = _series(kind, base, _path(name, year - 1), range(1, 13), decimals)
        for month, value in this.items():
            values.append(
                IndicatorValue(
                    indicator=indicator,
                    year=year,
                    month=month,
                    value=value,
                    previous=None if in_system else before[month],
                )
            )
        if in_system:
            values += [
                IndicatorValue(indicator=indicator, year=year - 1, month=m, value=v)
                for m, v in before.items()
            ]
    IndicatorTarget.objects.bulk_create(targets)
    IndicatorValue.objects.bulk_create(values)
    bulk_create_history(Indicator, [i for i, _ in indicators])
    bulk_create_history(IndicatorTarget, targets)
    bulk_create_history(IndicatorValue, values)
    return len(indicators)
