"""数字核对 --period knows the 经济社会指标: a sentence's value, 同比 and 完成率 after an
indicator's name are compared with `indicators.figures.summary_rows`."""

from decimal import Decimal

from duban.core.periods import Period
from duban.indicators.figures import summary_rows
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue
from duban.textkit.against import compare_indicators


def test_indicator_figures_are_checked_against_the_system(office):
    gdp = Indicator.objects.create(office=office, name="规上工业总产值", unit="万元")
    screening = Indicator.objects.create(office=office, name="两癌筛查人数", unit="人")
    IndicatorValue.objects.create(
        indicator=gdp, year=2022, month=7, value=Decimal("4720"), previous=Decimal("4378.48")
    )
    IndicatorValue.objects.create(indicator=screening, year=2022, month=7, value=Decimal("647"))
    IndicatorTarget.objects.create(indicator=screening, year=2022, target=Decimal("600"))
    rows = summary_rows(office, Period.parse("2022-07").year, 7)
    right = [
        "1-7月，规上工业总产值4720万元，同比增长7.8%；两癌筛查人数647人，完成年度目标的107.83%。"
    ]
    assert compare_indicators(right, rows, "2022年7月") == []
    wrong = [
        "1-7月，规上工业总产值4702万元，同比下降7.8%；两癌筛查人数647人，完成年度目标的107.8%。"
    ]
    found = {f.quote: f.expected for f in compare_indicators(wrong, rows, "2022年7月")}
    assert found == {"4702万元": "4720万元", "同比下降7.8%": "同比增长7.8%"}
