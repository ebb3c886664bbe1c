"""How an indicator's numbers read on a page: values with the indicator's decimals,
rates as percentages of two decimals (core/numfmt.py), growth with its sign."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from duban.core.numfmt import pct

register = template.Library()


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


@register.filter
def figure(value, decimals=2):
    return figure_text(value, decimals)


@register.filter
def rate(value):
    return pct(value, places=2)


@register.filter
def growth(value):
    """+7.8% / -7% / —: a growth rate with its sign."""
    if value is None:
        return "—"
    text = pct(value, places=2)
    return text if Decimal(value) <= 0 else f"+{text}"
