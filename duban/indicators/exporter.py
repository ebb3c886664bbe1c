"""Indicator export: the import's own columns (an export imported back changes nothing),
every cell through core/xlsx.py."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from duban.core import xlsx
from duban.indicators.importer import HEADERS
from duban.indicators.models import Indicator, IndicatorTarget, IndicatorValue

WIDTHS = [24, 10, 8, 8, 14, 14, 14, 24, 12, 10]
REQUIRED = {"指标名称", "年份"}
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def _number(value):
    """A Decimal as a number Excel can sum: 4720 not 4720.00."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def build_workbook(office, year):
    """The year's values (one row per indicator and month) and, for an indicator with a
    target but no value yet, one row with its target only."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年指标"
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append(
        [
            xlsx.cell(
                ws,
                name,
                font=Font(bold=True, color="9C0006" if name in REQUIRED else "000000"),
                fill=HEADER_FILL,
                alignment=Alignment(horizontal="center"),
            )
            for name in HEADERS
        ]
    )
    indicators = list(Indicator.objects.filter(office=office).order_by("order", "id"))
    targets = {
        t.indicator_id: t.target
        for t in IndicatorTarget.objects.filter(indicator__in=indicators, year=year)
    }
    values = {}
    for v in IndicatorValue.objects.filter(indicator__in=indicators, year=year).order_by("month"):
        values.setdefault(v.indicator_id, []).append(v)
    rows = 0
    for indicator in indicators:
        target = _number(targets.get(indicator.pk))
        common = (indicator.group, indicator.get_kind_display())
        months = values.get(indicator.pk, [])
        if not months and target is None:
            continue
        for v in months or [None]:
            xlsx.append_row(
                ws,
                [
                    indicator.name,
                    indicator.unit,
                    year,
                    v.month if v else None,
                    _number(v.value) if v else None,
                    _number(v.previous) if v else None,
                    target,
                    v.note if v else "",
                    *common,
                ],
            )
            rows += 1
    return wb, rows
