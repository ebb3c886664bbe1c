"""12345 work orders at a city's volume: `duban tickets import` of 1,000,000 rows and the
statistics of 1,000,000 requests, on SQLite and PostgreSQL, beside their floors.

    .venv/bin/python bench/tickets_bench.py [--rows 1000000] [--xlsx-rows 50000]
    .venv/bin/python bench/tickets_bench.py --rows 100000 --only postgresql

A seeded generator writes one csv of `--rows` work orders (the contract's 14 columns:
32 units, 16 communities, 24 categories, states and follow-ups in the proportions of
the reference hotline report) and one xlsx of `--xlsx-rows` others. Each database
gets a fresh worker process (this script with --worker) on a throwaway database,
which measures, in one run:

- import: `TicketImport.apply` of the csv (staged: COPY into a temporary table on
  PostgreSQL, executemany on SQLite, then merged by SQL in one transaction), its rows
  per second and its peak memory: the largest sum of the proportional set size (PSS)
  of this process and of the processes that check the file beside it (core/tabular.py,
  `parallel_bytes`), sampled every 0.2 s from /proc — pages they share counted once;
  beside it each one's ru_maxrss, which counts shared pages in every process;
- bare: the same csv rows read with the csv module and written as they are into a
  plain table of 14 text columns — COPY on PostgreSQL, executemany on SQLite — and
  the ratio import ÷ bare;
- xlsx: the import of the xlsx file (rows per second);
- statistics: `metrics.summarized` of the year (all requests of the office, from the
  summary table, as `duban tickets stats` and the page compute them), best of 3,
  against a hand-written SQL query for the same figures from the requests themselves
  (totals and the four breakdowns), and the ratio; the row-based `metrics.compute`
  once beside them ("by rows"), which must give the same dict.

Floors (issue 11): PostgreSQL import ≥ 20,000 rows/s with peak memory ≤ 300 MB;
SQLite import ≤ 8 × bare executemany; PostgreSQL statistics ≤ 1 s. The machine's
load changes the times; no test asserts them.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from ledger_bench import RESULT, cell, postgres_run, print_rows, sqlite_run

ROOT = Path(__file__).resolve().parent.parent
SEED = 12345
FLOOR_PG_ROWS_S = 20_000
FLOOR_PG_PEAK_MB = 300
FLOOR_SQLITE_RATIO = 8.0
FLOOR_PG_STATS_S = 1.0

HEADERS = [
    "工单编号",
    "来源",
    "受理时间",
    "诉求类别",
    "诉求内容",
    "社区",
    "诉求人",
    "联系电话",
    "承办单位",
    "状态",
    "办结时间",
    "是否联系",
    "是否解决",
    "满意度",
]
UNITS = [
    f"{name}{n}" for name in ("城建中心", "城管执法队", "社区事务所", "平安办") for n in range(8)
]
COMMUNITIES = [f"{name}居民区" for name in "东西南北中春夏秋冬梅兰竹菊松柏桃"]
CATEGORIES = [
    f"{name}{n}"
    for name in ("市容环境", "物业管理", "噪声扰民", "交通出行", "供水供暖", "其他")
    for n in range(4)
]
MATTERS = [
    "占道经营",
    "垃圾清运不及时",
    "楼道堆物",
    "夜间施工噪声",
    "路灯不亮",
    "停车难",
    "漏水",
    "暖气不热",
]
SURNAMES = "张王李赵刘陈杨黄周吴"
# the reference report's proportions: 5011 received, 2013 closed, 1808 returned, 1190 open
STATES = [("已办结", 2013), ("已退单", 1808), ("办理中", 1190), ("待分派", 0)]


def generate(rows, start=0, prefix="GD", seed=SEED):
    """The rows of the generated export, one list of 14 cells at a time."""
    rng = random.Random(seed + start)
    states = [s for s, w in STATES for _ in range(w)] + ["待分派"] * 100
    year = dt.datetime(2023, 1, 1)
    for n in range(start, start + rows):
        received = year + dt.timedelta(seconds=rng.randrange(365 * 86400 - 40 * 86400))
        state = rng.choice(states)
        closed = followed = ""
        if state == "已办结":
            closed = (received + dt.timedelta(hours=rng.randrange(2, 400))).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
            followed = rng.random() < 0.9
        yield [
            f"{prefix}{n:09d}",
            "12345热线",
            received.strftime("%Y-%m-%d %H:%M:%S"),
            rng.choice(CATEGORIES),
            f"{rng.choice(COMMUNITIES)}{rng.randrange(1, 60)}号楼{rng.choice(MATTERS)}，请尽快处理",
            rng.choice(COMMUNITIES),
            rng.choice(SURNAMES) + "先生",
            f"13{rng.randrange(100000000, 999999999)}",
            "" if state == "待分派" else rng.choice(UNITS),
            state,
            closed,
            ("是" if rng.random() < 0.97 else "否") if followed else "",
            ("是" if rng.random() < 0.9 else "否") if followed else "",
            rng.choice(["满意"] * 8 + ["基本满意", "不满意"]) if followed else "",
        ]


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(generate(rows))
    return path


def write_xlsx(path, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for row in generate(rows, prefix="XL"):
        sheet.append(row)
    workbook.save(path)
    return path


def peak_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def _pss_mb(pid):
    """The proportional set size of process `pid` (a page shared by k processes counts
    1/k to each), in MB; 0 when it is gone or the kernel does not say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class GroupPeak:
    """While running: the largest sum, sampled every 0.2 s, of the PSS of this process
    and its children (the processes that check a large file beside it) — the memory the
    import takes, shared pages counted once. None where Linux's /proc does not say."""

    def __init__(self):
        import threading

        self.peak, self._stop = None, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = os.getpid()
        while True:
            try:
                with open(f"/proc/{me}/task/{me}/children") as handle:
                    children = [int(pid) for pid in handle.read().split()]
            except OSError:
                return
            total = _pss_mb(me) + sum(_pss_mb(pid) for pid in children)
            if total:
                self.peak = max(self.peak or 0, total)
            if self._stop.wait(0.2):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def bare_load(path):
    """The csv's rows as they are into a plain table: COPY (PostgreSQL) or executemany."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare")
        cursor.execute(f"CREATE TABLE bench_bare ({columns})")
        started = time.perf_counter()
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy("COPY bench_bare FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(HEADERS))
                chunk = []
                for row in reader:
                    chunk.append(row)
                    if len(chunk) >= 5000:
                        cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", chunk)
                        chunk = []
                cursor.executemany(f"INSERT INTO bench_bare VALUES ({marks})", chunk)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_bare")
    return elapsed


def hand_sql_stats(office_ids, start, end):
    """The statistics' figures by hand-written SQL: totals and the four breakdowns."""
    from django.db import connection

    from duban.tickets import flow

    def states(bucket):
        return "(" + ", ".join(f"'{s.value}'" for s, b in flow.BUCKET.items() if b == bucket) + ")"

    counts = f"""
        count(*),
        count(*) FILTER (WHERE state IN {states(flow.CLOSED)}),
        count(*) FILTER (WHERE state IN {states(flow.RETURNED)}),
        count(*) FILTER (WHERE state IN {states(flow.IN_PROGRESS)}),
        count(*) FILTER (WHERE state IN {states(flow.AWAITING)}),
        count(*) FILTER (WHERE followed_up),
        count(*) FILTER (WHERE followed_up AND contacted),
        count(*) FILTER (WHERE followed_up AND resolved),
        count(*) FILTER (WHERE followed_up AND satisfaction = 'satisfied'),
        count(*) FILTER (WHERE followed_up AND satisfaction = 'basically_satisfied'),
        count(*) FILTER (WHERE followed_up AND satisfaction = 'unsatisfied'),
        count(*) FILTER (WHERE state IN {states(flow.CLOSED)} AND closed_at <= deadline)"""
    where = "office_id = ANY(%s) AND received_at >= %s AND received_at < %s"
    params = [list(office_ids), start, end]
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts} FROM tickets_ticket WHERE {where}", params)
        out["totals"] = cursor.fetchone()
        for key in ("unit_id", "category_id", "community_id"):
            cursor.execute(
                f"SELECT {key}, {counts} FROM tickets_ticket WHERE {where} GROUP BY {key}", params
            )
            out[key] = cursor.fetchall()
        cursor.execute(
            f"SELECT date_trunc('month', received_at AT TIME ZONE 'Asia/Shanghai'), {counts} "
            f"FROM tickets_ticket WHERE {where} GROUP BY 1",
            params,
        )
        out["month"] = cursor.fetchall()
    return out


def best_of(n, function):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return min(times), value


def timed_phases(cls, names, phases):
    """Seconds spent in the methods `names` of `cls`, added up in `phases` as they run."""
    for name in names:
        original = getattr(cls, name)

        def timed(self, *a, _original=original, _name=name, **kw):
            started = time.perf_counter()
            try:
                return _original(self, *a, **kw)
            finally:
                phases[_name] = phases.get(_name, 0) + time.perf_counter() - started

        setattr(cls, name, timed)


def create_reference():
    """The office of a fresh database with the generator's units, communities and
    categories; returns the office."""
    from duban.org.models import Office, Unit
    from duban.tickets.models import TicketCategory

    office = Office.objects.order_by("id").first()
    for name in UNITS:
        Unit.objects.create(office=office, name=name, kind=Unit.Kind.DEPARTMENT)
    for name in COMMUNITIES:
        Unit.objects.create(office=office, name=name, kind=Unit.Kind.COMMUNITY)
    for name in CATEGORIES:
        TicketCategory.objects.create(name=name)
    return office


def worker(args):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from duban.core.tabular import CLI_LIMITS
    from duban.tickets import metrics
    from duban.tickets.importer import TicketImport
    from duban.tickets.models import Ticket

    office = create_reference()
    result = {"rows": args.rows}
    before = peak_mb()
    from duban.core.tabular import Stage
    from duban.tickets import summary

    phases = {}
    timed_phases(
        TicketImport,
        [
            name
            for name in ("_run_staged", "_apply_segmented", "_settle_errors", "plan_stage", "merge")
            if hasattr(TicketImport, name)  # an older tree (--worker of another checkout)
        ],
        phases,
    )
    timed_phases(Stage, ("write", "drop"), phases)
    refresh_days = summary.refresh_days

    def timed_refresh(days):
        started = time.perf_counter()
        try:
            return refresh_days(days)
        finally:
            phases["summary"] = phases.get("summary", 0) + time.perf_counter() - started

    summary.refresh_days = timed_refresh

    # SQLite copies what a transaction wrote from its write-ahead log into the database
    # file when it commits (the automatic checkpoint, inside the commit; at a million
    # rows, some 850 MB): here the same checkpoint runs right after the import, still
    # inside its time, so that the phases show it apart from the commit itself
    checkpointing = connection.vendor == "sqlite"
    if checkpointing:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            autocheckpoint = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
    started, cpu = time.perf_counter(), time.process_time()
    importer = TicketImport(office, limits=CLI_LIMITS)
    # the processes that check the file beside this one (none before they existed)
    in_child = getattr(importer, "_in_child", None)
    checkers = importer.checkers if in_child is not None and in_child(args.csv) else 0
    with GroupPeak() as group:
        report = importer.apply(args.csv)
    if checkpointing:
        checkpoint_started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
        phases["checkpoint"] = time.perf_counter() - checkpoint_started
    result["import_s"] = time.perf_counter() - started
    # this process's own CPU time (reading, checking, staging): the machine's load aside
    result["import_cpu_s"] = time.process_time() - cpu
    assert report.ok, [str(e) for e in report.errors[:5]]
    assert report.n_created == args.rows, report.summary()
    result["import_rows_s"] = args.rows / result["import_s"]
    # where the time went: reading and checking the rows, writing them to the staging
    # table, planning, merging, dropping the staging table, the commit (PostgreSQL checks
    # deferred foreign keys) and SQLite's checkpoint
    checkpoint = {"checkpoint": phases["checkpoint"]} if "checkpoint" in phases else {}
    if "_apply_segmented" in phases:
        # merged a segment at a time while the checking processes read on: the time
        # spent waiting for their rows is what the merges did not hide
        whole = phases["_apply_segmented"]
        inside = ("write", "plan_stage", "merge", "_settle_errors", "summary", "drop")
        result["phases_s"] = {
            "waiting for rows": whole - sum(phases.get(n, 0) for n in inside),
            "stage writes": phases["write"],
            "plan": phases["plan_stage"],
            "merge": phases["merge"],
            "summary": phases.get("summary", 0),
            "final checks": phases.get("_settle_errors", 0),
            "drop stage": phases.get("drop", 0),
            "commit": result["import_s"] - whole - phases.get("checkpoint", 0),
            **checkpoint,
        }
    else:
        result["phases_s"] = {
            "read+check": phases["_run_staged"] - phases["write"] - phases["plan_stage"],
            "stage writes": phases["write"],
            "plan": phases["plan_stage"],
            "merge": phases["merge"] - phases.get("summary", 0),
            "summary": phases.get("summary", 0),
            "drop stage": phases.get("drop", 0),
            "commit": result["import_s"]
            - phases["_run_staged"]
            - phases["merge"]
            - phases.get("drop", 0)
            - phases.get("checkpoint", 0),
            **checkpoint,
        }
    phases.clear()
    result["peak_self_mb"] = peak_mb()
    result["checkers"] = checkers
    result["peak_checker_mb"] = peak_mb(resource.RUSAGE_CHILDREN) if checkers else 0
    # the import's memory: the sampled PSS of the group where /proc says it, else the
    # upper bound (this process's peak plus each checking process's at the largest's)
    result["peak_group_mb"] = group.peak
    result["peak_mb"] = group.peak or (
        result["peak_self_mb"] + checkers * result["peak_checker_mb"]
    )
    result["peak_before_mb"] = before
    result["bare_s"] = bare_load(args.csv)
    result["ratio"] = result["import_s"] / result["bare_s"]

    # each figure is printed as soon as it is known (the last RESULT line has them all)
    print(RESULT + json.dumps(result), flush=True)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tickets_ticket")
    tickets = metrics.between(
        Ticket.objects.filter(office_id__in=office.scope_ids()),
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
    )
    # the statistics as `duban tickets stats` and the page give them for a whole office:
    # from the summary table; the row-based computation (metrics.compute) must agree
    year = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
    result["stats_s"], stats = best_of(
        3, lambda: metrics.summarized(office.scope_ids(), *year, metrics.DEFAULT_WEIGHT)
    )
    result["stats_received"] = stats["received"]
    result["rows_stats_s"], by_rows = best_of(1, lambda: metrics.compute(tickets))
    assert by_rows == stats, "summary and row-based statistics differ"
    if connection.vendor == "postgresql":
        tz = timezone.get_current_timezone()
        result["hand_sql_s"], hand = best_of(
            3,
            lambda: hand_sql_stats(
                office.scope_ids(),
                dt.datetime(2023, 1, 1, tzinfo=tz),
                dt.datetime(2024, 1, 1, tzinfo=tz),
            ),
        )
        assert hand["totals"][0] == stats["received"], (hand["totals"], stats["received"])
        result["stats_ratio"] = result["stats_s"] / result["hand_sql_s"]
    print(RESULT + json.dumps(result), flush=True)

    if args.xlsx:  # last: openpyxl's reading is slow
        started = time.perf_counter()
        report = TicketImport(office, limits=CLI_LIMITS).apply(args.xlsx)
        result["xlsx_s"] = time.perf_counter() - started
        assert report.ok and report.n_created == args.xlsx_rows, report.summary()
        result["xlsx_rows_s"] = args.xlsx_rows / result["xlsx_s"]

    result["tickets"] = Ticket.objects.count()
    print(RESULT + json.dumps(result), flush=True)


def run_worker(worker_args, env, label):
    """This script with --worker in a child process (an hour at most: a million rows on
    a busy machine); its RESULT line as a dict."""
    import subprocess

    command = [sys.executable, __file__, "--worker", *worker_args]
    env = {**env, "DUBAN_ALLOWED_HOSTS": "testserver", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT):
            return {**json.loads(line[len(RESULT) :]), "database": label}
    return {"database": label, "error": f"worker exited {done.returncode}: {done.stderr[-500:]}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--csv")
    parser.add_argument("--xlsx")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    results = []
    with tempfile.TemporaryDirectory(prefix="duban-tickets-bench-") as folder:
        started = time.perf_counter()
        csv_path = write_csv(Path(folder) / "gd.csv", args.rows)
        xlsx_path = write_xlsx(Path(folder) / "gd.xlsx", args.xlsx_rows) if args.xlsx_rows else ""
        print(
            f"generated {args.rows} csv rows, {args.xlsx_rows} xlsx rows "
            f"in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        worker_args = [
            "--rows",
            str(args.rows),
            "--xlsx-rows",
            str(args.xlsx_rows),
            "--csv",
            str(csv_path),
            *(["--xlsx", str(xlsx_path)] if xlsx_path else []),
        ]

        def run(env, label):
            return run_worker(worker_args, env, label)

        if args.only != "postgresql":
            results.append(sqlite_run(run, base_env))
        if args.only != "sqlite":
            results.append(postgres_run(run, base_env, prefix="duban_tickets_bench"))
    print_table(results, args)


def print_table(results, args):
    columns = [
        "database",
        f"import {args.rows} (s)",
        "rows/s",
        "peak MB",
        "bare (s)",
        "import ÷ bare",
        f"xlsx {args.xlsx_rows} rows/s",
        "stats (s)",
        "by rows (s)",
        "hand SQL (s)",
        "stats ÷ SQL",
    ]
    rows = []
    for r in results:
        if "error" in r:
            rows.append([r["database"], r["error"][:60], *["—"] * (len(columns) - 2)])
            continue
        pg = r["database"] == "PostgreSQL"
        rows.append(
            [
                r["database"],
                cell(r, "import_s", digits=1),
                cell(r, "import_rows_s", digits=0) + (f" (≥ {FLOOR_PG_ROWS_S})" if pg else ""),
                cell(r, "peak_mb", digits=0) + (f" (≤ {FLOOR_PG_PEAK_MB})" if pg else ""),
                cell(r, "bare_s", digits=1),
                cell(r, "ratio", digits=1) + ("" if pg else f" (≤ {FLOOR_SQLITE_RATIO:.0f})"),
                cell(r, "xlsx_rows_s", digits=0),
                cell(r, "stats_s", digits=2) + (f" (≤ {FLOOR_PG_STATS_S:.0f})" if pg else ""),
                cell(r, "rows_stats_s", digits=2),
                cell(r, "hand_sql_s", digits=2),
                cell(r, "stats_ratio", digits=2),
            ]
        )
    print_rows(columns, rows)
    for r in results:
        if "phases_s" in r:
            text = ", ".join(f"{k} {v:.1f} s" for k, v in r["phases_s"].items())
            print(f"{r['database']} import phases: {text}")
        if r.get("checkers"):
            group = r.get("peak_group_mb")
            print(
                f"{r['database']} peak memory: "
                + (f"{group:.0f} MB PSS of the import's processes; " if group else "")
                + f"ru_maxrss: this process {r['peak_self_mb']:.0f} MB, "
                f"{r['checkers']} checking processes {r['peak_checker_mb']:.0f} MB at most each"
            )
    for r in results:
        if "error" in r:
            print(f"{r['database']}: {r['error']}", file=sys.stderr)


if __name__ == "__main__":
    main()
