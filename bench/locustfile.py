"""Month-end on the district, as Locust users (run by bench/loadtest.py, which writes the
plan this file reads from $LOADTEST_PLAN: accounts, tokens, the month, where to log).

- Reporter (单位填报员, one account per user): opens the batch sheet of the month, saves
  drafts of every editable row a few times, then submits the batch; rows the server
  refuses (a task already judged 已完成) are reported as completed and submitted again;
  afterwards only looks. 20–60 s between actions;
- Office (街道督查管理员): opens the review queue, accepts what is waiting (up to 20 at a
  time), now and then confirms the month's judgement (研判), browses the ledger; 15–45 s;
- Leader (领导): the dashboard page and its JSON, the ledger; 30–90 s;
- Hotline (the 12345 platform's client, by API token): pushes new orders, pushes some
  again unchanged, sends follow-ups (PATCH); 5–15 s.

Every user appends what the server acknowledged to its own JSON-lines file, so that
loadtest.py can count the rows afterwards against what was sent. A request that does not
answer as expected is a Locust failure (the test requires none). The whole run stops
after $LOADTEST_MAX_REQUESTS requests at the latest.
"""

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
LOG_DIR = Path(PLAN["log_dir"])
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "200000"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SELECTED = re.compile(r'name="selected" value="(\d+)"')
ROW_ERROR = re.compile(r'<article id="row-(\d+)"[^>]*class="[^"]*row-error')
_accounts = {kind: itertools.cycle(PLAN[kind]) for kind in ("reporters", "offices", "leaders")}
_hotlines = itertools.cycle(PLAN["hotlines"])
_sent = itertools.count()


@events.request.add_listener
def _bound(**_kwargs):
    """Stop the whole run after MAX_REQUESTS requests, whatever the time left."""
    if next(_sent) + 1 == MAX_REQUESTS:
        from locust.runners import STATE_STOPPING

        runner = _bound.environment.runner
        if runner and runner.state != STATE_STOPPING:
            runner.quit()


@events.init.add_listener
def _init(environment, **_kwargs):
    _bound.environment = environment


class FormFields(HTMLParser):
    """name → value of the enabled fields of a page's forms (inputs, textareas, selects:
    the selected option, or the first), and the select's option values by name."""

    def __init__(self):
        super().__init__()
        self.fields, self.options, self.disabled = {}, {}, set()
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag in ("input", "textarea", "select") and name and "disabled" in a:
            self.disabled.add(name)
            return
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button", "file"):
                return
            self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(a.get("value") or "")
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def parse(html):
    parser = FormFields()
    parser.feed(html)
    return parser


class Logged(HttpUser):
    abstract = True
    kind = ""

    def log(self, **entry):
        with open(LOG_DIR / f"{self.kind}-{self.account}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps({"t": time.time(), **entry}, ensure_ascii=False) + "\n")

    def login(self, username):
        self.account = username
        page = self.client.get("/login/", name="/login/ [GET]")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/login/",
            {"username": username, "password": PLAN["password"], "csrfmiddlewaretoken": token},
            name="/login/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login of {username} answered {answer.status_code}")

    def post_form(self, url, data, name, page_text):
        """POST a form of the page (its CSRF token added); a redirect is success."""
        data = {**data, "csrfmiddlewaretoken": CSRF.search(page_text).group(1)}
        with self.client.post(
            url, data, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 302:
                text = re.sub(r"\s+", " ", answer.text)
                alert = re.search(
                    r'class="[^"]*(?:alert|error|message)[^"]*"[^>]*>(.{0,160})', text
                )
                answer.failure(
                    f"{name} answered {answer.status_code}: {alert.group(1) if alert else ''}"
                )
                return False
            return True


class Reporter(Logged):
    """A unit's 单位填报员 at month-end."""

    fixed_count = PLAN["users"]["reporters"]
    wait_time = between(20, 60)
    kind = "reporter"

    def on_start(self):
        self.login(next(_accounts["reporters"]))
        self.saves_before_submit = random.randint(2, 4)
        self.saved = 0
        self.seq = 0
        self.completed = set()

    @task
    def month_end(self):
        period = PLAN["period"]
        url = f"/progress/batch/?period={period}"
        page = self.client.get(url, name="/progress/batch/ [GET]")
        form = parse(page.text)
        rows = sorted(
            {m.group(1) for name in form.fields if (m := re.match(r"t(\d+)-progress$", name))}
        )
        if not rows:
            return  # submitted already (or nothing to report): only looks
        submit = self.saved >= self.saves_before_submit
        sent = self.send(url, page.text, form, rows, submit)
        if sent is None:
            return
        if not submit:
            self.saved += 1
            return
        # refused rows (an earlier month already judged 已完成, as the page says): report
        # them as completed and submit again, as a person reading the page would
        refused = sent
        if refused:
            self.completed |= refused
            page = self.client.get(url, name="/progress/batch/ [GET]")
            form = parse(page.text)
            rows = sorted(
                {m.group(1) for n in form.fields if (m := re.match(r"t(\d+)-progress$", n))}
            )
            if rows and self.send(url, page.text, form, rows, True):
                return  # refused again: tried once more at the next round
        self.saved = 0

    def send(self, url, page_text, form, rows, submit):
        """POST the sheet with a new text in every editable row; logs what the server kept.
        Returns None on failure, else the set of rows a submission refused (empty when
        the batch was submitted or saved)."""
        self.seq += 1
        data = {k: v for k, v in form.fields.items() if not k.startswith("fb-")}
        sent = {}
        for pk in rows:
            marker = f"压测{self.account}第{self.seq}次：本月按计划推进，完成阶段性工作。"
            data[f"t{pk}-progress"] = marker
            data[f"t{pk}-next_steps"] = "加快推进，月底前完成。"
            if pk in self.completed:
                data[f"t{pk}-self_status"] = "completed"
                data[f"t{pk}-reason"] = ""
                data[f"t{pk}-reason_category"] = ""
            else:
                data[f"t{pk}-self_status"] = "lagging"
                data[f"t{pk}-reason"] = "受前期手续影响，进度顺延。"
                reasons = [v for v in form.options.get(f"t{pk}-reason_category", []) if v]
                if reasons:
                    data[f"t{pk}-reason_category"] = reasons[0]
            sent[pk] = marker
        data["action"] = "submit" if submit else "save"
        data["csrfmiddlewaretoken"] = CSRF.search(page_text).group(1)
        name = "/progress/batch/ [submit]" if submit else "/progress/batch/ [save]"
        with self.client.post(
            url, data, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code == 302:
                self.log(op=data["action"], period=PLAN["period"], tasks=sent)
                return set()
            refused = set(ROW_ERROR.findall(answer.text))
            if submit and answer.status_code == 200 and refused and "已保存为草稿" in answer.text:
                # the server's answer to rows that cannot be submitted yet: every row kept
                # as a draft, the batch not submitted — a correct answer, not a failure
                answer.success()
                self.log(op="save", period=PLAN["period"], tasks=sent, refused=sorted(refused))
                return refused
            answer.failure(f"{name} answered {answer.status_code}")
            return None


class Office(Logged):
    """A street's 督查管理员: reviews and judges."""

    fixed_count = PLAN["users"]["offices"]
    wait_time = between(15, 45)
    kind = "office"

    def on_start(self):
        account = next(_accounts["offices"])
        self.office = account["office"]
        self.login(account["username"])

    @task(4)
    def review(self):
        period = PLAN["period"]
        page = self.client.get(f"/progress/review/?period={period}", name="/progress/review/")
        ids = SELECTED.findall(page.text)[:20]
        if ids and self.post_form(
            "/progress/review/accept/",
            {"selected": ids, "next": f"/progress/review/?period={period}"},
            "/progress/review/accept/",
            page.text,
        ):
            self.log(op="accept", ids=[int(i) for i in ids])

    @task(1)
    def judge(self):
        url = f"/progress/judge/?office={self.office}&period={PLAN['period']}"
        page = self.client.get(url, name="/progress/judge/ [GET]")
        if self.post_form(url, {"action": "confirm_all"}, "/progress/judge/ [confirm]", page.text):
            self.log(op="judge", office=self.office, period=PLAN["period"])

    @task(2)
    def ledger(self):
        self.client.get(
            f"/ledger/?year={PLAN['year']}&page={random.randint(1, 3)}", name="/ledger/"
        )


class Leader(Logged):
    """A 领导 opening the dashboard."""

    fixed_count = PLAN["users"]["leaders"]
    wait_time = between(30, 90)
    kind = "leader"

    def on_start(self):
        self.login(next(_accounts["leaders"]))

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="/dashboard/")

    @task(1)
    def dashboard_json(self):
        self.client.get("/api/v1/dashboard", name="/api/v1/dashboard")

    @task(1)
    def ledger(self):
        self.client.get(f"/ledger/?year={PLAN['year']}", name="/ledger/")


class Hotline(Logged):
    """The 12345 platform pushing orders through the API."""

    fixed_count = PLAN["users"]["hotlines"]
    wait_time = between(5, 15)
    kind = "hotline"

    def on_start(self):
        self.plan = next(_hotlines)
        self.account = f"{self.plan['office']}-{id(self)}"
        self.headers = {"Authorization": f"Bearer {self.plan['token']}"}
        self.numbers = []
        self.seq = 0

    def order(self, number):
        rng = random.Random(number)
        return {
            "number": number,
            "received_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "category": rng.choice(self.plan["categories"]),
            "content": f"{number}：小区门口占道经营，请尽快处理",
            "community": rng.choice(self.plan["communities"]),
            "reporter_name": "张先生",
            "reporter_phone": "13812345678",
            "unit": rng.choice(self.plan["units"]),
            "state": "办理中",
        }

    @task(6)
    def push(self):
        self.seq += 1
        number = f"LT{self.plan['office']:03d}{id(self) % 100000:05d}{self.seq:06d}"
        with self.client.post(
            "/api/v1/tickets",
            json=self.order(number),
            headers=self.headers,
            name="/api/v1/tickets [new]",
            catch_response=True,
        ) as answer:
            if answer.status_code not in (200, 201):
                answer.failure(f"push {number} answered {answer.status_code}: {answer.text[:200]}")
                return
        self.numbers.append(number)
        self.log(op="ticket", number=number)

    @task(2)
    def push_again(self):
        if not self.numbers:
            return
        number = random.choice(self.numbers)
        with self.client.post(
            "/api/v1/tickets",
            json=self.order(number),
            headers=self.headers,
            name="/api/v1/tickets [again]",
            catch_response=True,
        ) as answer:
            if answer.status_code not in (200, 201):
                answer.failure(f"again {number} answered {answer.status_code}: {answer.text[:200]}")

    @task(1)
    def follow_up(self):
        if not self.numbers:
            return
        number = random.choice(self.numbers)
        with self.client.patch(
            f"/api/v1/tickets/{number}",
            json={"contacted": True, "resolved": True, "satisfaction": "满意"},
            headers=self.headers,
            name="/api/v1/tickets/{number} [PATCH]",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"PATCH {number} answered {answer.status_code}: {answer.text[:200]}")
