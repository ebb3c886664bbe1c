"""The requests' work lists at a city's volume: the office's and a unit's 工作台 and
their lists with `--rows` requests (default 1,000,000) in one office, on PostgreSQL
(and SQLite with --sqlite).

    .venv/bin/python bench/worklists_bench.py [--rows 1000000] [--requests 15] [--sqlite]
    .venv/bin/python bench/worklists_bench.py --keep postgres://postgres@127.0.0.1:5432/wl

--keep builds the requests in the PostgreSQL database named (created beforehand, left
in place) the first time and measures the pages on it each time after: to compare
changes to the pages without importing a million rows again.

The requests come from the 12345 generator of tickets_bench.py, imported with
`TicketImport` (one office, 32 units, 16 communities; the received times fall in 2023,
so every open request is past its deadline), then `VACUUM ANALYZE` on PostgreSQL.
Each page is asked `--requests` times with Django's test client as the office's
supervisor (工作台, the inbox's stages, 全部诉求 unfiltered and filtered, 同人同事) and a
unit's reporter (工作台, 待领单, 办理中,
已办结); p50/p95 in ms and the number of queries of one answer. No floor: the targets
are those of the pages (issue 14), and a stage holds hundreds of thousands of rows.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import RESULT, postgres_run, print_rows, run_script, sqlite_run, timed

PAGES = [
    ("supervisor", "工作台", "/"),
    ("supervisor", "待分单", "/tickets/?stage=dispatch"),
    ("supervisor", "已退单", "/tickets/?stage=returned"),
    ("supervisor", "已超期", "/tickets/?stage=overdue"),
    ("supervisor", "已超期 末页", "/tickets/?stage=overdue&page=20"),
    ("supervisor", "待回访", "/tickets/?stage=follow_up"),
    ("supervisor", "全部诉求", "/tickets/all/"),
    ("supervisor", "全部诉求 已退单", "/tickets/all/?state=returned"),
    ("supervisor", "同人同事", "/tickets/duplicates/"),
    ("reporter", "工作台", "/"),
    ("reporter", "待领单", "/tickets/unit/?stage=claim"),
    ("reporter", "办理中", "/tickets/unit/?stage=doing"),
    ("reporter", "已办结", "/tickets/unit/?stage=done"),
]


def worker(args):
    from _common import setup_worker

    vendor = setup_worker()
    import json

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from tickets_bench import create_reference

    from duban.core.tabular import CLI_LIMITS
    from duban.org import roles as R
    from duban.org.models import Unit
    from duban.tickets.importer import TicketImport
    from duban.tickets.models import Ticket
    from tests.factories import make_user

    names = {"supervisor": "bench_worklists_admin", "reporter": "bench_worklists_reporter"}
    built = get_user_model().objects.filter(username__in=names.values())
    result = {"import_s": 0}
    if not built.exists():  # (--keep: built by an earlier run)
        office = create_reference()
        started = time.perf_counter()
        report = TicketImport(office, limits=CLI_LIMITS).apply(args.csv)
        assert report.ok, [str(e) for e in report.errors[:5]]
        result["import_s"] = time.perf_counter() - started
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE tickets_ticket")
        unit = Unit.objects.get(office=office, name="城建中心0")
        make_user(names["supervisor"], R.SUPERVISOR, office=office)
        make_user(names["reporter"], R.REPORTER, unit=unit)
    result["rows"] = Ticket.objects.count()
    people = {role: built.get(username=name) for role, name in names.items()}
    clients = {}
    for role, user in people.items():
        clients[role] = Client()
        clients[role].force_login(user)
    result["pages"] = []
    for role, label, url in PAGES:
        client = clients[role]
        client.get(url)  # warm: caches, the first compilation of templates
        # (a test client's request resets Django's query log: count them as they run)
        captured = []

        def counted(run, sql, *rest, _into=captured):
            _into.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(counted):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        figures = timed(lambda _i, c=client, u=url: c.get(u), args.requests)
        result["pages"].append(
            {"role": role, "page": label, "url": url, "queries": len(captured), **figures}
        )
    result["jobs"] = daily_jobs(Unit.objects.get(name="城建中心0").office, args.requests)
    print(RESULT + json.dumps(result), flush=True)


def daily_jobs(office, repeat):
    """The daily run's two readers of every late request: `duban remind --dry-run`'s
    plan and `duban supervise propose --dry-run` (seconds, and the peak of Python's
    allocations in one run)."""
    import tracemalloc

    from django.utils import timezone

    from duban.core.periods import Period
    from duban.core.workdays import Calendar
    from duban.notify import reminders
    from duban.supervision import services

    calendar = Calendar.load()
    today = timezone.localdate()
    while not calendar.is_workday(today):
        today += dt.timedelta(days=1)
    period = Period.containing(today).previous()
    jobs = {
        "催办提醒 (remind --dry-run)": lambda: len(reminders.plan(today, calendar)),
        "督办建议 (propose --dry-run)": lambda: len(
            services.propose(office, period, today, dry_run=True)[0]
        ),
    }
    rows = []
    for label, job in jobs.items():
        tracemalloc.start()
        made = job()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        seconds = []
        for _ in range(max(1, repeat // 5)):
            started = time.perf_counter()
            job()
            seconds.append(time.perf_counter() - started)
        rows.append({"job": label, "made": made, "peak_mb": peak / 2**20, "s": sorted(seconds)[0]})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--sqlite", action="store_true", help="SQLite as well")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--keep", metavar="URL", help="an existing PostgreSQL database")
    parser.add_argument("--csv")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    from tickets_bench import write_csv

    base_env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="duban-worklists-bench-") as folder:
        csv_path = write_csv(Path(folder) / "gd.csv", args.rows)
        worker_args = ["--rows", str(args.rows), "--requests", str(args.requests)]
        worker_args += ["--csv", str(csv_path)]

        def run(env, label):
            return run_script(__file__, worker_args, env, label, timeout=3600)

        results = []
        if args.keep:
            env = {**base_env, "DUBAN_DATABASE_URL": args.keep, "DUBAN_DATA_DIR": folder}
            results.append(run(env, "PostgreSQL"))
        else:
            if args.sqlite:
                results.append(sqlite_run(run, base_env))
            results.append(postgres_run(run, base_env, prefix="duban_worklists_bench"))
    for result in results:
        if "error" in result:
            print(f"{result['database']}: {result['error']}", file=sys.stderr)
            continue
        print(
            f"{result['database']}: {result['rows']:,} requests"
            + (f" (imported in {result['import_s']:.0f} s)" if result["import_s"] else "")
        )
        print_rows(
            ["who", "page", "p50 (ms)", "p95 (ms)", "queries"],
            [
                [p["role"], p["page"], f"{p['p50']:.1f}", f"{p['p95']:.1f}", str(p["queries"])]
                for p in result["pages"]
            ],
        )
        print_rows(
            ["daily job", "made", "best (s)", "peak Python (MB)"],
            [
                [j["job"], f"{j['made']:,}", f"{j['s']:.2f}", f"{j['peak_mb']:.0f}"]
                for j in result["jobs"]
            ],
        )


if __name__ == "__main__":
    main()
