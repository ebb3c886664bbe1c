"""Filters every page may use: numbers as the office prints them."""

from django import template

from duban.core import numfmt

register = template.Library()


@register.filter
def pct(value, places=1):
    """50.0 → 50%, 7.1 → 7.1%, None → —; `|pct:2` keeps two decimals (the requests'
    rates: 90.16 → 90.16%, 100.0 → 100%)."""
    return numfmt.pct(value, places=int(places))


@register.filter
def at(items, index):
    """items[index], or "" past its end (a table's header over each cell: `h|at:i`)."""
    try:
        return items[int(index)]
    except (IndexError, TypeError, ValueError):
        return ""


@register.simple_tag(takes_context=True)
def sort_link(context, listing, key):
    """A column header that sorts the list (core/listing.py): the label as a link that keeps
    the page's filters, goes back to page 1 and flips the direction; ↑/↓ on the active one."""
    from django.utils.html import format_html

    label, value, arrow = listing.link(key)
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    query["sort"] = value
    state = ""
    if arrow:
        state = "ascending" if arrow == "↑" else "descending"
    return format_html(
        '<a class="sort{}" href="?{}" title="按{}排序"{}>{}<span class="sort-arrow">{}</span></a>',
        " sort-active" if arrow else "",
        query.urlencode(),
        label,
        format_html(' data-sort="{}"', state) if state else "",
        label,
        arrow or "↕",
    )


@register.simple_tag(takes_context=True)
def export_query(context):
    """The current view's query with export=xlsx and without the page: the export is the
    filtered, sorted list, every page of it."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    query["export"] = "xlsx"
    return "?" + query.urlencode()


@register.inclusion_tag("_crumbs.html")
def crumbs(*parts):
    """The one breadcrumb: {% crumbs "重点工作台账" list_url task.code %} — label/url pairs
    (or a list of (label, url) pairs), then the current page's name, unlinked."""
    links, label = [], None
    for part in parts:
        if isinstance(part, list | tuple):
            links.extend(tuple(pair) for pair in part)
        elif label is None:
            label = part
        else:
            links.append((label, part))
            label = None
    return {"links": links, "current": label or ""}
