"""Filters every page may use: numbers as the office prints them."""

from django import template

from duban.core import numfmt

register = template.Library()


@register.filter
def pct(value):
    """50.0 → 50%, 7.1 → 7.1%, None → —."""
    return numfmt.pct(value)
