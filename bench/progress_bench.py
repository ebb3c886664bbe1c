"""研判 timings: judge_period for one month of 2,000 tasks, on SQLite and PostgreSQL.

    .venv/bin/python bench/progress_bench.py [--tasks 2000] [--requests 50] [--profile]
    .venv/bin/python bench/progress_bench.py --only postgresql --requests 5

Each database gets a fresh worker process (this script with --worker) on a
throwaway database, as bench/ledger_bench.py does: a temporary SQLite file, and
a database `duban_bench_progress_<pid>` created on the PostgreSQL server and
dropped afterwards. The worker writes two years (2021, 2022) of `--tasks` tasks
each, 2-4 milestones per task, an accepted submission for every task and month
(24 months), judges 2022-01..2022-06 untimed (so streaks have history), then
times `judge_period(2022-07)` three times: first (creates every judgement),
again (nothing changed, writes nothing), and with another as_of (updates every
row, with history). Then the 2022-07 reports of the 50 tasks one unit leads are
turned back into drafts and its 批量填报 page (GET /progress/batch/?period=2022-07)
is timed as that unit's 单位填报员 with django.test.Client, --requests times after
one warm-up. Nothing under var/ or in the configured databases is touched.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import floors
from ledger_bench import (
    CODE,
    COMMUNITIES,
    DEPARTMENTS,
    RESULT,
    STEPS,
    cell,
    postgres_run,
    print_rows,
    ratio,
    run_script,
    setup_worker,
    sqlite_run,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.0
TARGET_BATCH_P95_MS = 200.0
BATCH_TASKS = 50  # tasks led by the unit whose batch sheet is timed
BATCH_UNIT = "填报基准单位"
YEARS = (2021, 2022)
PERIOD = "2022-07"


# ----- one database, in its own process -----


def batch_numbers(n_tasks):
    """The task numbers (of 2022) led by BATCH_UNIT: BATCH_TASKS of them, spread evenly."""
    step = max(1, n_tasks // BATCH_TASKS)
    return set(range(step, n_tasks + 1, step)[:BATCH_TASKS])


def populate(n_tasks, seed=2022):
    """Tasks, milestones and accepted submissions written with bulk_create (no history:
    only judge_period and the batch page are measured). In 2022, BATCH_UNIT leads
    BATCH_TASKS tasks; the rest are spread over the other units."""
    from decimal import Decimal

    from duban.ledger.models import Category, KeyTask, Milestone
    from duban.org.models import Office, Unit
    from duban.progress.models import Submission

    rng = random.Random(seed)
    office = Office.objects.order_by("id").first()
    units = Unit.objects.bulk_create(
        [Unit(office=office, name=n, kind=Unit.Kind.DEPARTMENT) for n in DEPARTMENTS]
        + [Unit(office=office, name=n, kind=Unit.Kind.COMMUNITY) for n in COMMUNITIES]
    )
    units = list(Unit.objects.filter(office=office))
    batch_unit = Unit.objects.create(office=office, name=BATCH_UNIT, kind=Unit.Kind.DEPARTMENT)
    ours = batch_numbers(n_tasks)

    def lead_unit(year, n):
        unit = rng.choice(units)  # drawn for every task, so the data stays the same
        return batch_unit if year == 2022 and n in ours else unit

    counts = {"tasks": 0, "milestones": 0, "submissions": 0}
    for year in YEARS:
        category = Category.objects.for_year(year).first()
        tasks = KeyTask.objects.bulk_create(
            [
                KeyTask(
                    office=office,
                    year=year,
                    code=f"MS-{n:04d}",
                    category=category,
                    title=f"重点工作（第{n}项）",
                    lead_unit=lead_unit(year, n),
                    deadline=dt.date(year, rng.randint(6, 12), 28),
                    target_value=Decimal(rng.choice([100, 1200, 30])) if n % 3 else None,
                )
                for n in range(1, n_tasks + 1)
            ],
            batch_size=500,
        )
        if tasks[0].pk is None:  # backends without RETURNING on bulk insert
            tasks = list(KeyTask.objects.filter(office=office, year=year).order_by("code"))
        milestones, submissions = [], []
        for task in tasks:
            months = sorted(rng.sample(range(1, 13), rng.randint(2, 4)))
            milestones += [
                Milestone(task=task, due=dt.date(year, m, 20), description=rng.choice(STEPS))
                for m in months
            ]
            value = Decimal(0)
            for month in range(1, 13):
                if task.target_value:
                    value += task.target_value * Decimal(rng.randint(0, 15)) / 100
                submissions.append(
                    Submission(
                        task=task,
                        period=f"{year}-{month:02d}",
                        unit_id=task.lead_unit_id,
                        state=Submission.State.ACCEPTED,
                        progress="按计划推进",
                        self_status=rng.choices(
                            ["on_track", "lagging", "completed"], [80, 15, 5 if month > 6 else 0]
                        )[0],
                        completed_value=value.quantize(Decimal("0.01"))
                        if task.target_value
                        else None,
                    )
                )
        Milestone.objects.bulk_create(milestones, batch_size=1000)
        Submission.objects.bulk_create(submissions, batch_size=1000)
        counts["tasks"] += len(tasks)
        counts["milestones"] += len(milestones)
        counts["submissions"] += len(submissions)
    return counts


def worker(args):
    vendor = setup_worker()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duban.ledger.models import KeyTask
    from duban.progress.judging import judge_period
    from duban.progress.models import Judgement

    result = {"database": vendor, "written": populate(args.tasks)}
    tasks = KeyTask.objects.filter(year=2022)
    for month in range(1, 7):
        judge_period(tasks, f"2022-{month:02d}", as_of=dt.date(2022, month, 28))

    def timed(key, as_of):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            results = judge_period(tasks, PERIOD, as_of=as_of)
        seconds = time.perf_counter() - start
        result[key] = min(result.get(key, seconds), seconds)
        result[key + "_queries"] = len(queries)
        return results

    # best of --repeat: the machine may be shared, the minimum is the code's own cost
    for attempt in range(args.repeat):
        Judgement.history.filter(period=PERIOD).delete()
        Judgement.objects.filter(period=PERIOD).delete()
        profiling = args.profile and attempt == 0
        if profiling:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        results = timed("first_s", dt.date(2022, 7, 29))
        if profiling:
            profiler.disable()
            print(
                f"--- cProfile of the first judge_period on {connection.vendor} ---",
                file=sys.stderr,
            )
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        timed("again_s", dt.date(2022, 7, 29))
        timed("update_s", dt.date(2022, 7, 31))
    result["floor_s"], _ = floors.best_of(args.repeat, lambda: judge_floor(tasks))
    result["judged"] = len(results)
    result["statuses"] = {
        s: sum(r.status == s for r in results.values())
        for s in ("completed", "on_track", "lagging")
    }
    result["history"] = Judgement.history.filter(period=PERIOD).count()
    result.update(batch_page(args))
    print(RESULT + json.dumps(result, ensure_ascii=False))


def judge_floor(tasks):
    """Judging without rules, the floor of judge_period: the inputs read in one query
    each (the month's reports, the milestones' last dates) and one row per task written
    as it is (bench/floors.py)."""
    from duban.ledger.models import Milestone
    from duban.progress.models import Submission

    reports = dict(
        Submission.objects.filter(task__in=tasks, period=PERIOD).values_list(
            "task_id", "self_status"
        )
    )
    due = {}
    for task_id, date in Milestone.objects.filter(task__in=tasks).values_list("task_id", "due"):
        due[task_id] = max(date, due.get(task_id, date))
    rows = (
        (pk, PERIOD, reports.get(pk, ""), due.get(pk, ""))
        for pk in tasks.values_list("pk", flat=True)
    )
    return floors.bare_load(rows, 4)


def batch_page(args):
    """Time BATCH_UNIT's 批量填报 sheet for PERIOD as its 单位填报员, with a draft
    report for every task it leads."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from duban.ledger.models import KeyTask
    from duban.org import roles as R
    from duban.org.models import Profile, Role, Unit
    from duban.progress.models import Submission

    unit = Unit.objects.get(name=BATCH_UNIT)
    codes = set(KeyTask.objects.filter(lead_unit=unit, year=2022).values_list("code", flat=True))
    drafts = Submission.objects.filter(task__lead_unit=unit, period=PERIOD).update(
        state=Submission.State.DRAFT
    )
    if len(codes) != BATCH_TASKS or drafts != len(codes):
        return {"batch_error": f"{unit.name}: {len(codes)} tasks, {drafts} drafts"}
    reporter = get_user_model().objects.create_user("bench_reporter")
    profile = Profile.objects.create(user=reporter, unit=unit, office=unit.office)
    profile.roles.set(Role.objects.filter(code=R.REPORTER))
    client = Client()
    client.force_login(reporter)
    url = reverse("progress:batch")
    query = {"period": PERIOD}
    try:
        response = client.get(url, query)  # warm caches and the session
        if response.status_code != 200:
            return {"batch_error": f"GET {url}?period={PERIOD} answered {response.status_code}"}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        # counted now: each later request empties the query log the capture reads from
        query_count = len(queries)
        # a sheet that lists nothing would be fast for the wrong reason
        missing = codes - set(CODE.findall(response.content.decode()))
        if response.status_code != 200 or missing:
            return {
                "batch_error": f"GET {url}?period={PERIOD} answered {response.status_code}, "
                f"{len(missing)} of the unit's {len(codes)} task codes missing"
            }
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(url, query)
            timings.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                return {"batch_error": f"GET {url} answered {response.status_code}"}
    except Exception as exc:  # noqa: BLE001 - report the page's failure, never a number
        return {"batch_error": f"GET {url} raised {type(exc).__name__}: {exc}"}
    return {
        "batch_p50_ms": statistics.median(timings),
        "batch_p95_ms": statistics.quantiles(timings, n=100, method="inclusive")[94],
        "batch_queries": query_count,
    }


# ----- the driver -----


def run_worker(args, env, label):
    worker_args = ["--tasks", str(args.tasks), "--repeat", str(args.repeat)]
    worker_args += ["--requests", str(args.requests)]
    return run_script(__file__, worker_args, env, label, args.profile)


def print_table(results, args):
    columns = [
        "database",
        "first (s)",
        "floor (s)",
        "÷ floor",
        "again (s)",
        "update all (s)",
        "queries first/again/update",
        "batch p50 (ms)",
        "batch p95 (ms)",
        "batch queries",
    ]
    rows = [
        [
            r["database"],
            cell(r, "first_s", digits=3),
            cell(r, "floor_s", digits=3),
            ratio(r, "first_s", "floor_s"),
            cell(r, "again_s", digits=3),
            cell(r, "update_s", digits=3),
            "/".join(
                str(r.get(k, "—"))
                for k in ("first_s_queries", "again_s_queries", "update_s_queries")
            ),
            cell(r, "batch_p50_ms", digits=1),
            cell(r, "batch_p95_ms", digits=1),
            str(r.get("batch_queries", "—")),
        ]
        for r in results
    ]
    print_rows(columns, rows)
    print(
        f"target: judge_period({PERIOD}) of {args.tasks} tasks <= {TARGET_S:g} s "
        f"(best of {args.repeat} runs); batch p95 <= {TARGET_BATCH_P95_MS:g} ms "
        f"({args.requests} requests of /progress/batch/?period={PERIOD} as 单位填报员 "
        f"of a unit leading {BATCH_TASKS} tasks)"
    )
    for r in results:
        if r.get("written"):
            written = ", ".join(f"{n} {k}" for k, n in r["written"].items())
            print(f"{r['database']}: {written}; judged {r.get('judged')} {r.get('statuses')}")
        for key in ("error", "batch_error"):
            if r.get(key):
                print(f"{r['database']}: {r[key]}")
        over = [k for k in ("first_s", "again_s", "update_s") if r.get(k, 0) > TARGET_S]
        if r.get("batch_p95_ms", 0) > TARGET_BATCH_P95_MS:
            over.append("batch p95")
        if over:
            print(f"{r['database']}: over target — {', '.join(over)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks per year")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per database; the best is shown"
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests of the batch page")
    parser.add_argument("--profile", action="store_true", help="cProfile the first judge_period")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"

    def run(env, label):
        return run_worker(args, env, label)

    results = []
    if args.only != "postgresql":
        results.append(sqlite_run(run, base_env))
    if args.only != "sqlite":
        results.append(postgres_run(run, base_env, "duban_bench_progress"))
    print_table(results, args)


if __name__ == "__main__":
    main()
