"""`core.links.fixed`: a view's address reversed once per process, yet the same as
`reverse()` under another script prefix (an app served below /duban/) and another URLconf."""

from django.urls import reverse, set_script_prefix

from duban.core.links import fixed


def test_fixed_is_reverse_and_follows_the_script_prefix():
    assert fixed("ledger:list") == reverse("ledger:list") == "/ledger/"
    try:
        set_script_prefix("/duban/")
        assert fixed("ledger:list") == reverse("ledger:list") == "/duban/ledger/"
    finally:
        set_script_prefix("/")
    assert fixed("ledger:list") == "/ledger/"


def test_fixed_follows_the_urlconf(settings):
    main = fixed("help")
    settings.ROOT_URLCONF = "tests.core.other_urls"
    assert fixed("help") == reverse("help") == "/another/help/" != main
