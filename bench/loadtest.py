"""`make loadtest`: month-end on the district, 100 users for 5 minutes, against gunicorn
(2 workers) on PostgreSQL, loopback only; then the rows are counted against what the
clients sent.

    .venv/bin/python bench/loadtest.py                        # 100 users, 5 minutes
    .venv/bin/python bench/loadtest.py --users 20 --time 1m   # a short rehearsal
    .venv/bin/python bench/loadtest.py --keep                 # keep the database and logs

Steps: a throwaway PostgreSQL database `duban_loadtest_<pid>`; migrate; the district
(bench/district.py: 15 streets, 2,000 key tasks a year, 24 months of reports, 300 units,
600 users) with a hotline API client per street; gunicorn with 2 workers on 127.0.0.1 and
the background worker (`duban db_worker`); Locust headless (bench/locustfile.py) with
`--users` users spawned `--spawn-rate` a second for `--time`, stopped after
`--max-requests` requests at the latest; then, with the servers stopped, the check:

- every batch a reporter saved or submitted (acknowledged by a redirect) is in the
  database with the text last sent for each task, exactly one report per task and month,
  submitted where the last thing sent was a submission;
- every report an office accepted is accepted; every judged month has one judgement per
  task;
- every order the hotline pushed (acknowledged) is there exactly once, and no other.

Prints throughput and p50/p95/p99 per endpoint (Locust's figures) and the counts; exits 1
on any failed request or any lost or duplicated row.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
POSTGRES_ADMIN_URL = os.environ.get("DUBAN_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
MIX = {"reporters": 0.6, "offices": 0.15, "leaders": 0.15, "hotlines": 0.10}


# ----- inside Django (child processes on the throwaway database) -----


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup(plan_path, args):
    """Migrate, build the district, make the hotline clients; write the plan for Locust."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from district import build_district

    from duban.api.models import ApiClient
    from duban.org import roles as R
    from duban.org.models import Office, Profile, Unit
    from duban.tickets.models import TicketCategory

    started = time.perf_counter()
    ids = build_district(tasks=args.tasks)
    built = time.perf_counter() - started
    streets = list(Office.objects.filter(parent_id=ids["district"]).order_by("order", "pk"))
    profiles = Profile.objects.select_related("user", "unit", "office")

    def usernames(role, **filters):
        return list(
            profiles.filter(roles__code=role, **filters)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        )

    # reporters of the units that have something to report this month, busiest first
    from django.db.models import Count

    from duban.ledger.models import KeyTask

    busy = dict(
        KeyTask.objects.filter(year=ids["year"])
        .values_list("lead_unit")
        .annotate(n=Count("pk"))
        .values_list("lead_unit", "n")
    )
    reporters = sorted(
        profiles.filter(roles__code=R.REPORTER, unit__isnull=False),
        key=lambda p: (-busy.get(p.unit_id, 0), p.user.username),
    )
    categories = ["市容环境", "物业管理", "噪声扰民", "交通出行"]
    for name in categories:
        TicketCategory.objects.get_or_create(name=name, parent=None)
    hotlines = []
    for street in streets:
        _client, token = ApiClient.create(
            name=f"压测热线{street.pk}", office=street, rate_limit=1_000_000
        )
        units = Unit.objects.filter(office=street)
        hotlines.append(
            {
                "office": street.pk,
                "token": token,
                "categories": categories,
                "units": list(
                    units.exclude(kind=Unit.Kind.COMMUNITY).values_list("name", flat=True)
                ),
                "communities": list(
                    units.filter(kind=Unit.Kind.COMMUNITY).values_list("name", flat=True)
                ),
            }
        )
    plan = {
        "password": ids["password"],
        "period": ids["current_period"],
        "year": ids["year"],
        "reporters": [p.user.username for p in reporters],
        "offices": [
            {"username": u, "office": p}
            for p, u in profiles.filter(roles__code=R.SUPERVISOR, office__in=streets)
            .order_by("office__order")
            .values_list("office_id", "user__username")
        ],
        "leaders": usernames(R.LEADER),
        "hotlines": hotlines,
        "log_dir": str(args.log_dir),
        "users": split(args.users),
        "district": ids["counts"],
        "build_s": built,
    }
    Path(plan_path).write_text(json.dumps(plan, ensure_ascii=False, indent=1))


def split(users):
    """How many users of each kind: the MIX of `users`, at least one of each."""
    counts = {kind: max(1, round(users * share)) for kind, share in MIX.items()}
    counts["reporters"] += users - sum(counts.values())
    return counts


def verify(plan_path):
    """Count the rows against the clients' logs; print one JSON line."""
    django_setup()
    from django.db.models import Count

    from duban.progress.models import Judgement, Submission
    from duban.tickets.models import Ticket

    plan = json.loads(Path(plan_path).read_text())
    log_dir = Path(plan["log_dir"])
    entries = []
    for path in sorted(log_dir.glob("*.jsonl")):
        kind = path.name.split("-", 1)[0]
        entries += [
            {**json.loads(line), "kind": kind} for line in path.read_text().splitlines() if line
        ]
    entries.sort(key=lambda e: e["t"])
    period = plan["period"]
    out = {"sent": {}, "lost": {}, "duplicated": {}, "problems": []}

    # reports: the last text sent for each task, and whether it was a submission
    last = {}
    for e in entries:
        if e["kind"] == "reporter":
            for pk, marker in e["tasks"].items():
                last[int(pk)] = (marker, e["op"])
    out["sent"]["batch saves"] = sum(e.get("op") == "save" for e in entries)
    out["sent"]["batch submissions"] = sum(e.get("op") == "submit" for e in entries)
    out["sent"]["reports (tasks written)"] = len(last)
    rows = {}
    for s in Submission.objects.filter(period=period, task_id__in=last):
        rows.setdefault(s.task_id, []).append(s)
    lost = 0
    for pk, (marker, op) in last.items():
        found = rows.get(pk, [])
        if len(found) != 1 or found[0].progress != marker:
            lost += 1
            if len(out["problems"]) < 10:
                texts = [f.progress[:40] for f in found]
                out["problems"].append(f"task {pk}: sent {marker[:40]!r}, found {texts}")
        elif op == "submit" and found[0].state == Submission.State.DRAFT:
            lost += 1
            out["problems"].append(f"task {pk}: submitted, found a draft")
    out["lost"]["reports"] = lost
    out["duplicated"]["reports"] = (
        Submission.objects.values("task_id", "period").annotate(n=Count("pk")).filter(n__gt=1)
    ).count()

    accepted = {i for e in entries if e.get("op") == "accept" for i in e["ids"]}
    out["sent"]["acceptances"] = len(accepted)
    out["lost"]["acceptances"] = (
        Submission.objects.filter(pk__in=accepted).exclude(state=Submission.State.ACCEPTED).count()
    )
    judged = {(e["office"], e["period"]) for e in entries if e.get("op") == "judge"}
    out["sent"]["month judgements confirmed"] = sum(e.get("op") == "judge" for e in entries)
    from duban.ledger.models import KeyTask

    missing = 0
    for office, month in judged:
        tasks = KeyTask.objects.filter(office_id=office, year=int(month[:4])).count()
        have = Judgement.objects.filter(task__office_id=office, period=month).count()
        missing += max(0, tasks - have)
    out["lost"]["judgements"] = missing
    out["duplicated"]["judgements"] = (
        Judgement.objects.values("task_id", "period").annotate(n=Count("pk")).filter(n__gt=1)
    ).count()

    numbers = [e["number"] for e in entries if e.get("op") == "ticket"]
    out["sent"]["hotline orders"] = len(numbers)
    pushed = Ticket.objects.filter(source_number__startswith="LT")
    found = set(pushed.filter(source_number__in=numbers).values_list("source_number", flat=True))
    out["lost"]["hotline orders"] = len(set(numbers) - found)
    out["duplicated"]["hotline orders"] = pushed.values("office", "source_number").annotate(
        n=Count("pk")
    ).filter(n__gt=1).count() + (len(numbers) - len(set(numbers)))
    out["unacknowledged rows"] = pushed.exclude(source_number__in=numbers).count()
    out["rows"] = {
        f"reports of {period}": Submission.objects.filter(period=period).count(),
        f"accepted reports of {period}": Submission.objects.filter(
            period=period, state=Submission.State.ACCEPTED
        ).count(),
        f"judgements of {period}": Judgement.objects.filter(period=period).count(),
        "hotline orders": pushed.count(),
    }
    print("VERIFY " + json.dumps(out, ensure_ascii=False))


# ----- the driver -----


def child(mode, plan, env):
    done = subprocess.run(
        [sys.executable, __file__, mode, str(plan)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{mode} failed (exit {done.returncode})")
    return done.stdout


def wait_ready(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def stop(process):
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def endpoint_table(stats_csv):
    from _common import print_rows

    rows = []
    with open(stats_csv, encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            rows.append(
                [
                    r["Name"] if r["Name"] != "Aggregated" else "all endpoints",
                    r["Request Count"],
                    r["Failure Count"],
                    f"{float(r['Requests/s']):.2f}",
                    r["50%"],
                    r["95%"],
                    r["99%"],
                    r["Max Response Time"].split(".")[0],
                ]
            )
    columns = ["endpoint", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    print_rows(columns, rows)
    return rows


def endpoint_of(method, path):
    """Locust's name of a request from the access log's method and path."""
    if path.startswith("/api/v1/tickets/"):
        return "/api/v1/tickets/{number} [PATCH]"
    names = {
        ("GET", "/login/"): "/login/ [GET]",
        ("POST", "/login/"): "/login/ [POST]",
        ("GET", "/progress/batch/"): "/progress/batch/ [GET]",
        ("POST", "/progress/batch/"): "/progress/batch/ [save or submit]",
        ("GET", "/progress/judge/"): "/progress/judge/ [GET]",
        ("POST", "/progress/judge/"): "/progress/judge/ [confirm]",
        ("POST", "/api/v1/tickets"): "/api/v1/tickets [new or again]",
    }
    return names.get((method, path), path)


def service_table(access_log):
    """p50/p95/p99 of the time spent inside gunicorn's workers, per endpoint."""
    import statistics

    from _common import print_rows

    times = {}
    for line in Path(access_log).read_text().splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        method, path, _status, micros = parts
        times.setdefault(endpoint_of(method, path), []).append(int(micros) / 1000)
    times["all endpoints"] = [t for ts in list(times.values()) for t in ts]
    rows = []
    for name, ms in sorted(times.items(), key=lambda kv: (kv[0] == "all endpoints", kv[0])):
        cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
        rows.append(
            [
                name,
                str(len(ms)),
                f"{statistics.median(ms):.0f}",
                f"{cuts[94]:.0f}",
                f"{cuts[98]:.0f}",
            ]
        )
    print_rows(["endpoint", "requests", "p50 ms", "p95 ms", "p99 ms"], rows)


def main():
    if len(sys.argv) == 3 and sys.argv[1] in ("--setup-child", "--verify-child"):
        plan = Path(sys.argv[2])
        if sys.argv[1] == "--verify-child":
            verify(plan)
        else:
            setup(plan, argparse.Namespace(**json.loads(os.environ["LOADTEST_ARGS"])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", default="5m", help="Locust's --run-time, e.g. 5m, 90s")
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=2000, help="key tasks of the district a year")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()

    import psycopg

    name = f"duban_loadtest_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="duban-loadtest-"))
    log_dir = folder / "clients"
    log_dir.mkdir()
    plan = folder / "plan.json"
    base = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "duban.settings",
        "DUBAN_DATABASE_URL": f"{POSTGRES_ADMIN_URL}/{name}",
        "DUBAN_DATA_DIR": str(folder / "data"),
        "DUBAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DUBAN_DEBUG": "0",
        "PYTHONPATH": str(ROOT),
        "LOADTEST_ARGS": json.dumps(
            {"tasks": args.tasks, "users": args.users, "log_dir": str(log_dir)}
        ),
    }
    admin = psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True, connect_timeout=3)
    admin.execute(f'CREATE DATABASE "{name}"')
    server = worker = None
    failed = True
    try:
        started = time.perf_counter()
        child("--setup-child", plan, env)
        details = json.loads(plan.read_text())
        print(
            f"data: the district {details['district']} built in {details['build_s']:.0f} s "
            f"(setup {time.perf_counter() - started:.0f} s); month {details['period']}; "
            f"users {details['users']}",
            flush=True,
        )
        bin_dir = Path(sys.executable).parent
        server = subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "duban.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{args.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
                # the time each request took inside a worker (µs), beside the method and path:
                # Locust's figures include the wait for a free worker, these do not
                "--access-logfile",
                str(folder / "access.log"),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(D)s",
            ],
            env=env,
            cwd=ROOT,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "duban", "db_worker", "--no-reload", "--verbosity", "0"],
            env=env,
            cwd=ROOT,
        )
        host = f"http://127.0.0.1:{args.port}"
        wait_ready(f"{host}/login/")
        stats = folder / "locust"
        command = [
            str(bin_dir / "locust"),
            "-f",
            str(BENCH / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.time,
            "--stop-timeout",
            "60",
            "--host",
            host,
            "--csv",
            str(stats),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        locust_env = {
            **base,
            "LOADTEST_PLAN": str(plan),
            "LOADTEST_MAX_REQUESTS": str(args.max_requests),
        }
        print(f"locust: {args.users} users, {args.spawn_rate:g}/s, {args.time}", flush=True)
        ran = subprocess.run(command, env=locust_env, cwd=BENCH, capture_output=True, text=True)
        stop(worker)
        stop(server)
        server = worker = None
        print()
        rows = endpoint_table(f"{stats}_stats.csv")
        print()
        print("inside gunicorn (the same requests without the wait for a free worker):")
        service_table(folder / "access.log")
        failures = sum(int(r[2]) for r in rows if r[0] != "all endpoints")
        failures_csv = Path(f"{stats}_failures.csv")
        if failures_csv.exists():
            for line in list(csv.DictReader(failures_csv.open(encoding="utf-8")))[:10]:
                print(f"failure ×{line['Occurrences']}: {line['Name']}: {line['Error'][:200]}")
        if ran.returncode not in (0, 1):
            sys.stderr.write(ran.stderr[-3000:])
        out = child("--verify-child", plan, env)
        result = json.loads(next(x for x in out.splitlines() if x.startswith("VERIFY "))[7:])
        print()
        print("sent (acknowledged):", ", ".join(f"{k} {v}" for k, v in result["sent"].items()))
        print("lost:", ", ".join(f"{k} {v}" for k, v in result["lost"].items()))
        print("duplicated:", ", ".join(f"{k} {v}" for k, v in result["duplicated"].items()))
        print(f"rows written without an acknowledgement: {result['unacknowledged rows']}")
        print("in the database:", ", ".join(f"{k} {v}" for k, v in result["rows"].items()))
        for problem in result["problems"]:
            print(f"  {problem}")
        bad = sum(result["lost"].values()) + sum(result["duplicated"].values())
        failed = bool(failures or bad)
        print(
            f"\n{'FAILED' if failed else 'OK'}: {failures} failed requests, "
            f"{bad} lost or duplicated rows; took {time.perf_counter() - started:.0f} s"
        )
    finally:
        stop(worker)
        stop(server)
        if args.keep:
            print(f"kept: database {name}, logs and Locust's CSV in {folder}")
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(folder, ignore_errors=True)
        admin.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
