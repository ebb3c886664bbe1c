"""The address of a view that takes no arguments, reversed once per process (for each
script prefix and URLconf): the navigation asks for about fifteen of them on every page,
and each `reverse()` costs some 30–60 µs."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=512)
def _reversed(name, prefix, urlconf):
    return reverse(name, urlconf=urlconf)


def fixed(name):
    """`reverse(name)`, kept."""
    return _reversed(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
