"""A month's judgement on a page: the light (绿/蓝/黄/红) and the status label."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from duban.progress.models import Light, Status

register = template.Library()

LIGHT_SHORT = {
    Light.GREEN: "绿",
    Light.BLUE: "蓝",
    Light.YELLOW: "黄",
    Light.RED: "红",
}


@register.simple_tag
def light(value, with_label=True):
    """A coloured dot with 绿/蓝/黄/红; a dash when there is no light."""
    return _light(value or "", with_label, get_language())


@register.simple_tag
def status(value):
    """A judgement status (已完成 / 推进正常 / 推进滞后) as a small coloured label."""
    return _status(value or "", get_language())


# Written once per value and language: a list page shows the same few on every row.
@functools.lru_cache(maxsize=64)
def _light(value, with_label, language):
    if not value:
        return mark_safe('<span class="light light-none" title="未研判">—</span>')
    short = LIGHT_SHORT.get(value, value)
    title = Light(value).label if value in Light.values else value
    if with_label:
        return format_html(
            '<span class="light light-{}" title="{}"><i class="dot"></i>{}</span>',
            value,
            title,
            short,
        )
    return format_html(
        '<span class="light light-{}" title="{}"><i class="dot"></i></span>', value, title
    )


@functools.lru_cache(maxsize=64)
def _status(value, language):
    if not value:
        return mark_safe('<span class="status status-none">未研判</span>')
    label = Status(value).label if value in Status.values else value
    return format_html('<span class="status status-{}">{}</span>', value, label)


@register.inclusion_tag("progress/_light_legend.html")
def light_legend(rules=None):
    """灯色说明: the legend shown wherever lights appear, from explain.light_meanings —
    one source, so every page says the same. `rules`: the office's ProgressRules when the
    page has them already (else read here)."""
    from duban.progress.explain import light_meanings
    from duban.progress.models import ProgressRules

    return {"meanings": light_meanings(rules or ProgressRules.current())}
