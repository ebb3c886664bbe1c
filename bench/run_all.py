"""`make bench`: every benchmark on SQLite and PostgreSQL, one table, each figure beside
its floor measured in the same run.

    .venv/bin/python bench/run_all.py              # full: 1,000,000 requests (takes a while)
    .venv/bin/python bench/run_all.py --quick      # 100,000 requests, fewer repeats
    BENCH_QUICK=1 make bench                       # the same through make
    .venv/bin/python bench/run_all.py --only postgresql --skip tickets

It runs the workers of the other bench scripts (each on its own throwaway database, built
by their seeded generators, see bench/README.md) and reads their RESULT lines:

- pages_bench: on the district data set (bench/district.py: 15 streets, 2,000 tasks a
  year, 24 months of reports, 300 units, 600 users) the ledger, task, dashboard and batch
  pages, the API's ledger and dashboard JSON and a status change; floors: minimal Django
  views returning the same rows (one query, a bare template);
- ledger_bench: the ledger import (2,000 tasks), floor: the file's rows read and written
  as they are (COPY on PostgreSQL, executemany on SQLite; bench/floors.py);
- progress_import_bench: a month's progress import (2,000 rows), floor as above;
- progress_bench: judging a month (2,000 tasks, 24 months of reports), floor: the inputs
  read in one query each and one row per task written without rules;
- report_bench: the monthly report (60 and 2,000 tasks) and the quarterly bulletin,
  figures + Word, floor: the same blocks in bare python-docx;
- tickets_bench: the requests import (the city's volume, csv) and a year's statistics,
  floors: COPY of the same rows, hand-written SQL for the same figures.

No timed assertion anywhere: a figure over its target is marked, not failed.
"""

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger_bench  # noqa: E402
import tickets_bench  # noqa: E402
from _common import POSTGRES_ADMIN_URL, postgres_run, print_rows, run_script, sqlite_run  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECTIONS = ("pages", "ledger", "progress_import", "progress", "report", "tickets")


# ----- running the sections -----


def section_runs(args, folder):
    """{section: run(env, label) -> result dict}; files are generated once into folder."""
    year = dt.date.today().year
    ledger_file = Path(folder) / "ledger.xlsx"
    ledger_bench.build_ledger(ledger_file, args.tasks, year)
    common = ["--requests", str(args.requests)]
    runs = {
        "ledger": lambda env, label: run_script(
            str(BENCH / "ledger_bench.py"),
            [
                *("--file", str(ledger_file), "--year", str(year), "--rows", str(args.tasks)),
                *("--repeat", str(args.repeat), *common),
            ],
            env,
            label,
        ),
        "progress_import": lambda env, label: run_script(
            str(BENCH / "progress_import_bench.py"),
            ["--tasks", str(args.tasks), "--repeat", str(args.repeat)],
            env,
            label,
        ),
        "progress": lambda env, label: run_script(
            str(BENCH / "progress_bench.py"),
            ["--tasks", str(args.tasks), "--repeat", str(args.repeat), *common],
            env,
            label,
        ),
        "report": lambda env, label: run_script(
            str(BENCH / "report_bench.py"),
            ["--district-tasks", str(args.tasks), "--repeat", str(args.repeat), "--no-pdf"],
            env,
            label,
        ),
    }
    if (BENCH / "pages_bench.py").exists():
        runs["pages"] = lambda env, label: run_script(
            str(BENCH / "pages_bench.py"), ["--tasks", str(args.tasks), *common], env, label
        )
    if "tickets" not in args.skip:
        started = time.perf_counter()
        csv_path = tickets_bench.write_csv(Path(folder) / "requests.csv", args.requests_rows)
        print(
            f"  generated {args.requests_rows:,} requests in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        ticket_args = ["--rows", str(args.requests_rows), "--xlsx-rows", "0"]
        runs["tickets"] = lambda env, label: tickets_bench.run_worker(
            [*ticket_args, "--csv", str(csv_path)], env, label
        )
    return {name: run for name, run in runs.items() if name not in args.skip}


def run_everything(args):
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    results = {label: {} for key, label in DATABASES.items() if key in args.only}
    with tempfile.TemporaryDirectory(prefix="duban-bench-all-") as folder:
        runs = section_runs(args, folder)
        for key, label in DATABASES.items():
            if key not in args.only:
                continue
            for name, run in runs.items():
                print(f"  {label}: {name} …", file=sys.stderr, flush=True)
                started = time.perf_counter()
                if key == "sqlite":
                    result = sqlite_run(run, base_env)
                else:
                    result = postgres_run(run, base_env, prefix=f"duban_bench_all_{name}")
                took = time.perf_counter() - started
                print(f"  {label}: {name} done in {took:.0f} s", file=sys.stderr, flush=True)
                results[label][name] = result
    return results


# ----- the table -----


def dig(result, *keys):
    for key in keys:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def rows_of(args):
    """(operation, unit, target, figure(sections), floor(sections)) for each table row."""
    n = f"{args.tasks:,}"
    r = f"{args.requests_rows:,}"

    def page(name, stat="p50"):
        return (
            lambda s: dig(s, "pages", name, "page", stat),
            lambda s: dig(s, "pages", name, "floor", stat),
        )

    def document(*keys):
        def figure(s):
            m = dig(s, "report", *keys)
            return m and m["figures_s"] + m["docx_s"]

        return figure, lambda s: dig(s, "report", *keys, "floor_s")

    def kb(key):
        return lambda s: (dig(s, "pages", "dashboard", key) or 0) / 1024 or None

    def seconds(section, key, floor_key):
        return lambda s: dig(s, section, key), lambda s: dig(s, section, floor_key)

    return [
        (
            f"ledger import, {n} tasks",
            "s",
            "≤ 2×",
            *seconds("ledger", "import_s", "floor_import_s"),
        ),
        (
            f"progress import, {n} rows",
            "s",
            "≤ 2×",
            *seconds("progress_import", "first_s", "floor_s"),
        ),
        (f"period judgement, {n} tasks", "s", "≤ 1 s", *seconds("progress", "first_s", "floor_s")),
        ("batch page p50, 50 tasks", "ms", "≤ 60 ms", *page("batch")),
        ("ledger page p50, 50 rows", "ms", "≤ 20 ms", *page("ledger")),
        ("ledger page p95", "ms", "≤ 40 ms", *page("ledger", "p95")),
        ("ledger JSON p50, 50 rows", "ms", "≤ 15.8 ms", *page("api_ledger")),
        ("task page p50", "ms", "≤ 10 ms", *page("task")),
        ("dashboard p50", "ms", "≤ 30 ms", *page("dashboard")),
        ("dashboard size", "KB", "≤ 100 KB", kb("page_bytes"), kb("floor_bytes")),
        ("dashboard JSON p50", "ms", "—", *page("api_dashboard")),
        ("status change p50", "ms", "≤ 12.6 ms", *page("status")),
        ("monthly report, 60 tasks", "s", "≤ 1 s", *document("street")),
        (f"monthly report, {n} tasks", "s", "≤ 10 s", *document("district")),
        (f"bulletin, {n} tasks", "s", "—", *document("district", "bulletin")),
        (
            f"requests import, {r} rows",
            "s",
            "≤ 2×",
            *seconds("tickets", "import_s", "bare_s"),
        ),
        (
            f"request statistics, {r}",
            "s",
            "≤ 1 s, ≤ 2×",
            *seconds("tickets", "stats_s", "hand_sql_s"),
        ),
    ]


def number(value, unit):
    if value is None:
        return "—"
    if unit == "ms" or unit == "KB":
        return f"{value:.1f}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def print_table(results, args):
    labels = list(results)
    columns = ["operation", "unit"]
    for label in labels:
        columns += [f"{label}", "floor", "÷"]
    columns.append("target")
    table = []
    for operation, unit, target, figure, floor in rows_of(args):
        row = [operation, unit]
        for label in labels:
            sections = results[label]
            try:
                value, base = figure(sections), floor(sections)
            except (KeyError, TypeError):
                value = base = None
            row += [
                number(value, unit),
                number(base, unit),
                f"{value / base:.1f}×" if value and base else "—",
            ]
        row.append(target)
        table.append(row)
    print_rows(columns, table)


def print_notes(results):
    for label, sections in results.items():
        for name, result in sections.items():
            for key, value in result.items():
                if key == "error" or key.endswith("_error"):
                    print(f"{label} {name}: {key}: {str(value)[:300]}")
                elif isinstance(value, dict) and value.get("error"):
                    print(f"{label} {name} {key}: {str(value['error'])[:300]}")


def machine():
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    pg = "—"
    try:
        import psycopg

        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", connect_timeout=3) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # noqa: BLE001 - the table says PostgreSQL was not reachable
        pass
    return (
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.python_implementation()} "
        f"{platform.python_version()}, {cores} cores, load {load}, PostgreSQL {pg}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    parser.add_argument("--quick", action="store_true", default=quick)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--requests-rows", type=int, help="requests to import (city volume)")
    parser.add_argument("--requests", type=int, help="timed requests per page")
    parser.add_argument("--repeat", type=int, help="runs per measure, best shown")
    parser.add_argument("--only", choices=list(DATABASES), action="append")
    parser.add_argument("--skip", choices=SECTIONS, action="append", default=[])
    parser.add_argument("--json", type=Path, help="also write every raw result here")
    args = parser.parse_args()
    args.only = args.only or list(DATABASES)
    args.requests_rows = args.requests_rows or (100_000 if args.quick else 1_000_000)
    args.requests = args.requests or (20 if args.quick else 50)
    args.repeat = args.repeat or (1 if args.quick else 3)

    started = time.perf_counter()
    print(f"machine: {machine()}", flush=True)
    print(
        f"data: {args.tasks:,}-task ledger of one street and of a district of 10 streets, "
        f"24 months of reports, {args.requests_rows:,} requests (seeded generators); "
        f"{args.requests} timed requests per page, best of {args.repeat}"
        + (" (quick)" if args.quick else ""),
        flush=True,
    )
    results = run_everything(args)
    print()
    print_table(results, args)
    print_notes(results)
    print(
        f"÷ = figure ÷ floor; floors: the same rows by COPY/executemany, minimal Django views "
        f"of the same rows, bare python-docx, hand-written SQL. Took {time.perf_counter() - started:.0f} s."
    )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    rc = 1 if any("error" in r for sections in results.values() for r in sections.values()) else 0
    sys.exit(rc)


if __name__ == "__main__":
    main()
