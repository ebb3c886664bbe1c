"""Every page with junk in its address, query string and form (issue 10: no input
ever produces a 500).

The URLconf is walked, not listed by hand, so a page added later is swept too. Each
address is opened with its ids filled in as 1 (a record that may or may not exist) and
as a number longer than any id, and asked with queries of words where numbers belong, impossible dates, huge and
negative ids; each is posted empty and posted the same junk. Signed in as the
supervision office (who reaches most) and as a unit's reporter, and signed out. Any
answer of 500 or an exception fails, naming the address."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

HUGE = "99999999999999999999"
KEYS = (
    "unit office task from client bonus level category community source year month period "
    "page id selected submission notice ticket session kind state status report job version"
).split()
QUERIES = [
    "",
    "?" + "&".join(f"{k}=zz" for k in KEYS) + "&from=2026-02-30&to=2026-13-01&q=%00&format=zz",
    "?" + "&".join(f"{k}={HUGE}" for k in KEYS),
    "?" + "&".join(f"{k}=-1" for k in KEYS) + "&format=xlsx",
]
POSTS = [
    {},
    {**{k: "zz" for k in KEYS}, "deadline": "2026-02-30", "progress": "字" * 20000},
    {k: HUGE for k in KEYS},
]
SKIPPED = ("admin/", "logout/", "api/v1/docs", "api/v1/openapi.json", "favicon.ico")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _addresses(route):
    """The route with every parameter 1 (or "1"), then 20 digits (or a word)."""
    out = []
    for value_int, value_str in (("1", "1"), (HUGE, "zz")):
        path = re.sub(r"<int:\w+>", value_int, route)
        path = re.sub(r"<(?:\w+:)?\w+>", value_str, path)
        out.append("/" + path)
    return list(dict.fromkeys(out))


ROUTES = sorted({r for r in _routes(get_resolver().url_patterns) if not r.startswith(SKIPPED)})


@pytest.fixture
def signed_in(people):
    clients = {None: Client(raise_request_exception=True)}
    for name in ("alice", "bob"):
        client = Client(raise_request_exception=True)
        client.force_login(people[name])
        clients[name] = client
    return clients


@pytest.mark.parametrize("route", ROUTES)
def test_junk_in_the_address_query_or_form_is_never_a_500(signed_in, tasks, route):
    failures = []
    for who, client in signed_in.items():
        for path in _addresses(route):
            asks = [("GET", path + q, None) for q in QUERIES]
            asks += [("POST", path, data) for data in POSTS]
            for method, url, data in asks:
                try:
                    if method == "GET":
                        status = client.get(url).status_code
                    else:
                        status = client.post(url, data).status_code
                except Exception as error:  # the failure to report, whatever it is
                    failures.append(f"{who} {method} {url[:120]}: {type(error).__name__} {error}")
                    continue
                if status >= 500:
                    failures.append(f"{who} {method} {url[:120]}: {status}")
    assert not failures, "\n".join(failures)
