"""Hostile input against the whole product with the demo data (issue 10: no input ever
produces a 500) — a check before a release, too long for CI (about 5–10 minutes per
database).

On a throwaway database with `duban demo`, as every demo account and signed out:

- **addresses**: every URL pattern (walked from the URLconf), its ids filled with small
  real-looking numbers, a 20-digit number and words, asked with junk query strings
  (words where numbers belong, impossible dates, huge and negative ids) and posted
  empty and with junk;
- **forms**: every page a demo account can open is read for its POST forms, and each
  form is posted as the page shows it, then with one field at a time set to junk
  (a word, -1, a 20-digit number, 2026-02-30, empty, 3,000 characters, 1e309, markup, 0).

Every answer of 500 or exception is a problem: printed with the address, the posted
data and the end of the traceback; the exit code is then 1. The test suite's
tests/security/test_hostile_sweep.py is the addresses half on the tests' small data.

    .venv/bin/python bench/hostile_crawl.py [--only sqlite|postgresql] [--skip forms|addresses]
"""

import argparse
import json
import os
import re
import sys
import traceback
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import RESULT, postgres_run, run_script, setup_worker, sqlite_run  # noqa: E402

BIG = "99999999999999999999"
INTS = ["1", "2", "3", "7", "40", BIG]
WORDS = ["x", "2026-11", "2026", "..", "%E4%B8%AD", "1"]
KEYS = (
    "unit office task from client bonus level category community source year month period "
    "page id ids selected submission notice topic ticket main other parent session "
    "reason_category assignee leader kind state status scheme rule indicator report job "
    "lead_unit partners owner by unit_id task_id version"
).split()
QUERIES = [
    "",
    "?" + "&".join(f"{k}=zz" for k in KEYS) + "&from=2026-02-30&to=2026-13-01&q=%00&format=zz",
    "?" + "&".join(f"{k}={BIG}" for k in KEYS),
    "?" + "&".join(f"{k}=-1" for k in KEYS),
    "?period=2026-11&year=2026&month=11&page=2&unit=1&format=json",
    "?format=xlsx",
    "?format=docx",
    "?format=pdf",
    "?q=" + "%27%22%3Cscript%3E" * 50,
    "?year=2026&quarter=4",
    "?from=2026-01-01&to=2025-01-01",
]
POSTS = [
    {},
    {**{k: "zz" for k in KEYS}, "deadline": "2026-02-30", "progress": "字" * 20000},
    {k: BIG for k in KEYS},
    {k: "-1" for k in KEYS},
]
FIELD_JUNK = ["zz", "-1", BIG, "2026-02-30", "", "字" * 3000, "1e309", "<script>", "0", "空\x00字"]
SKIPPED = ("admin/",)


def _addresses(route, limit=8):
    combos = [route]
    for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        choices = INTS if kind == "int" else WORDS
        combos = [
            re.sub(r"<(?:\w+:)?" + name + ">", value, combo, count=1)
            for combo in combos
            for value in choices
        ]
    if len(combos) > limit:
        combos = combos[:: len(combos) // limit]
    return ["/" + combo for combo in combos]


class _Forms(HTMLParser):
    """The POST forms of a page as a browser would send them untouched."""

    def __init__(self):
        super().__init__()
        self.forms, self.form, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            post = (a.get("method") or "get").lower() == "post"
            self.form = {"action": a.get("action"), "fields": {}} if post else None
            if post:
                self.forms.append(self.form)
            return
        if self.form is None or not a.get("name"):
            if tag == "option" and self.form is not None and self.select:
                if "selected" in a or not self.form["fields"].get(self.select):
                    self.form["fields"][self.select] = a.get("value", "")
            return
        fields, name = self.form["fields"], a["name"]
        kind = (a.get("type") or "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a:
                fields[name] = a.get("value", "on")
        elif tag == "input" and kind in ("submit", "button", "image"):
            fields.setdefault(name, a.get("value", ""))
        elif tag == "input" and kind != "file":
            fields[name] = a.get("value", "")
        elif tag == "button":
            fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self.select = name
            fields.setdefault(name, "")
        elif tag == "textarea":
            self.textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form["fields"][self.textarea] += data


class _Sweep:
    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import get_resolver

        from tests.security.test_hostile_sweep import _routes  # the URLconf walked

        self.Client = Client
        self.User = get_user_model()
        self.routes = [r for r in _routes(get_resolver().url_patterns) if not r.startswith(SKIPPED)]
        self.problems = {}
        self.count = 0

    def client(self, user):
        from duban.org.models import Profile

        # a form posted as shown may have reset a password, locked, stopped or demoted
        # someone: every account is put back before the next request
        Profile.objects.update(must_change_password=False)
        self.User.objects.update(is_active=True)
        client = self.Client(raise_request_exception=True)
        if user is not None:
            client.force_login(self.User.objects.get(pk=user.pk))
        return client

    def ask(self, client, who, method, url, data=None):
        self.count += 1
        try:
            if method == "GET":
                status = client.get(url).status_code
            else:
                status = client.post(url, data or {}).status_code
        except Exception as error:  # the problem to report, whatever it is
            key = (re.sub(r"\d+", "N", url.split("?")[0]), type(error).__name__)
            self.problems.setdefault(
                key,
                {
                    "who": who,
                    "request": f"{method} {url[:200]}",
                    "data": {k: str(v)[:40] for k, v in (data or {}).items()},
                    "error": f"{type(error).__name__}: {str(error)[:200]}",
                    "traceback": traceback.format_exc()[-1500:],
                },
            )
            return None
        if status >= 500:
            key = (re.sub(r"\d+", "N", url.split("?")[0]), status)
            self.problems.setdefault(
                key, {"who": who, "request": f"{method} {url[:200]}", "error": str(status)}
            )
        return status

    def addresses(self, user):
        who = user.username if user else "（未登录）"
        client = self.client(user)
        for route in self.routes:
            for path in _addresses(route):
                if "logout" in path:
                    continue
                for query in QUERIES:
                    self.ask(client, who, "GET", path + query)
                for data in POSTS:
                    self.ask(client, who, "POST", path, data)
                client = self.client(user)

    def forms(self, user):
        who = user.username
        for route in self.routes:
            if re.search(r"logout|delete|download|docx", route):
                continue
            for path in _addresses(route, limit=3)[:3]:
                client = self.client(user)
                try:
                    page = client.get(path)
                except Exception:
                    continue  # the addresses half reports it
                if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                    continue
                parser = _Forms()
                parser.feed(page.content.decode("utf-8", "replace"))
                for form in parser.forms:
                    action = form["action"] or path
                    if re.search(r"logout|delete", action):
                        continue
                    shown = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
                    variants = [shown] + [
                        {**shown, name: junk} for name in shown for junk in FIELD_JUNK
                    ]
                    for data in variants[:400]:
                        self.ask(client, who, "POST", action, data)
                        client = self.client(user)


def worker(args):
    setup_worker()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("demo", quiet=True, if_empty=True)
    sweep = _Sweep()
    users = list(get_user_model().objects.filter(username__startswith="demo_").order_by("pk"))
    if args.skip != "addresses":
        for user in [*users, None]:
            sweep.addresses(user)
    addressed = sweep.count
    if args.skip != "forms":
        for user in users:
            sweep.forms(user)
    print(
        RESULT
        + json.dumps(
            {
                "addresses": addressed,
                "forms": sweep.count - addressed,
                "problems": list(sweep.problems.values()),
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--skip", choices=["forms", "addresses"])
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0
    results = []
    extra = ["--skip", args.skip] if args.skip else []
    for vendor, run in (("sqlite", sqlite_run), ("postgresql", postgres_run)):
        if args.only and args.only != vendor:
            continue
        results.append(
            run(
                lambda env, label: run_script(__file__, extra, env, label, timeout=3600),
                {**os.environ, "DUBAN_DEBUG": "0"},
            )
        )
    failed = False
    for result in results:
        if "error" in result:
            print(f"{result['database']}: {result['error']}")
            failed = True
            continue
        problems = result["problems"]
        print(
            f"{result['database']}: {result['addresses']} requests to addresses, "
            f"{result['forms']} form posts, {len(problems)} problems"
        )
        for problem in problems:
            failed = True
            print("-" * 70)
            print(problem["who"], problem["request"], problem["error"])
            if problem.get("data"):
                print(problem["data"])
            print(problem.get("traceback", ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
