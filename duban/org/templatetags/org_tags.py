"""People as pages name them."""

from django import template

from duban.org import roles as R

register = template.Library()


@register.filter
def display_name(user):
    """孙丽娜, or the username when no name is kept."""
    return R.display_name(user)
