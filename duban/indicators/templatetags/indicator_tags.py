"""How an indicator's numbers read on a page: values with the indicator's decimals,
rates as percentages of two decimals (core/numfmt.py), growth with its sign."""

from decimal import Decimal

from django import template

from duban.core.numfmt import pct
from duban.indicators.figures import figure_text

register = template.Library()


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
