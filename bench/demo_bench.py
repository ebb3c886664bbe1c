"""How long `duban demo` takes (what `make run` waits for on a fresh machine), on SQLite
and PostgreSQL, for a short year and a long one.

    .venv/bin/python bench/demo_bench.py [--dates 2026-02-15 2026-12-02]

Each database and date gets a fresh worker process (this script with --worker) on a
throwaway, migrated database, as bench/ledger_bench.py does. The worker times
`duban demo --quiet --date D`: 25 units, 63 tasks with their milestones, 6 accounts, and
the monthly reports from January to the month before D, each month accepted
(`workflow.accept_imported`) and judged whole (`judging.judge_month`). It prints the
seconds, the months written and the number of queries.
"""

import argparse
import io
import os
import time

from ledger_bench import (
    RESULT,
    cell,
    postgres_run,
    print_rows,
    run_script,
    setup_worker,
    sqlite_run,
)

DATES = ["2026-02-15", "2026-12-02"]
TARGET_S = 10.0


def worker(args):
    vendor = setup_worker()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duban.progress.models import Judgement, Submission

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        call_command("demo", "--quiet", "--date", args.date, stdout=io.StringIO())
    seconds = time.perf_counter() - started
    result = {
        "vendor": vendor,
        "date": args.date,
        "seconds": seconds,
        "queries": len(queries),
        "reports": Submission.objects.count(),
        "judgements": Judgement.objects.count(),
        "months": len(set(Judgement.objects.values_list("period", flat=True))),
    }
    print(RESULT + __import__("json").dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", nargs="+", default=DATES, help="the days taken as today")
    parser.add_argument("--date", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    results = []
    for date in args.dates:

        def run(env, label, date=date):
            return run_script(__file__, ["--date", date], env, label)

        results += [sqlite_run(run, base_env), postgres_run(run, base_env, "duban_bench_demo")]
    columns = ["database", "today", "months", "reports", "judgements", "queries", "seconds"]
    rows = []
    for r in results:
        if r.get("error"):
            print(f"{r['database']}: {r['error']}")
            continue
        rows.append(
            [
                r["database"],
                r["date"],
                str(r["months"]),
                str(r["reports"]),
                str(r["judgements"]),
                str(r["queries"]),
                cell(r, "seconds"),
            ]
        )
    print("duban demo (one run each, fresh database, migrations not counted)")
    print_rows(columns, rows)
    slow = [r for r in results if r.get("seconds", 0) > TARGET_S]
    print(
        f"target: <= {TARGET_S:g} s"
        + (
            ""
            if not slow
            else "; over target: " + ", ".join(f"{r['database']} {r['date']}" for r in slow)
        )
    )


if __name__ == "__main__":
    main()
