"""进展导入 timings: `ProgressImport.apply` of a month of 2,000 rows, on SQLite and PostgreSQL.

    .venv/bin/python bench/progress_import_bench.py [--tasks 2000] [--repeat 2]
    .venv/bin/python bench/progress_import_bench.py --code /tmp/duban-before   # another tree
    .venv/bin/python bench/progress_import_bench.py --only postgresql --profile

Each database gets a fresh worker process (this script with --worker) on a throwaway
database, as bench/progress_bench.py does, with the same data: two years of `--tasks`
tasks with milestones and accepted submissions, 2022-01..2022-06 judged. The 2022-07
submissions are removed and a 2022-07 progress sheet of one row per task is written
(a quarter with 状态 blank, so the engine decides; the others 推进正常, 推进滞后 with a
reason, or 已完成; 完成值 where the task has a target). Timed, best of --repeat:

- first: the import of the sheet (creates every submission, review and judgement);
- again: the same sheet again (everything unchanged, writes nothing);
- preview: `preview()` of a sheet whose every progress text changed (writes nothing).

`--code DIR` imports duban from DIR instead of this checkout (e.g. `git archive` of an
earlier commit), so that the same script prints the figures before a change.
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import floors
from _common import settle
from ledger_bench import RESULT, cell, postgres_run, print_rows, ratio, run_script, sqlite_run

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 3.0
PERIOD = "2022-07"
HEADERS = ["编号", "进展情况", "状态", "滞后原因", "原因类别", "下步措施", "完成值"]


def write_sheet(path, tasks, reason_category, changed=False):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for n, task in enumerate(tasks):
        status = ["", "推进正常", "推进滞后", "已完成"][n % 4]
        lagging = status == "推进滞后"
        sheet.append(
            [
                task.code,
                f"第{n}项按计划推进" + ("（修改）" if changed else ""),
                status,
                "资金未到位" if lagging else "",
                reason_category if lagging else "",
                "加快推进",
                float(task.target_value) / 2 if task.target_value else None,
            ]
        )
    workbook.save(path)
    return path


def worker(args):
    if args.code:
        sys.path.insert(0, args.code)
    else:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    import django

    django.setup()
    settle()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from progress_bench import populate

    import duban
    from duban.ledger.models import KeyTask
    from duban.org.models import Office
    from duban.progress.importer import ProgressImport
    from duban.progress.judging import judge_period
    from duban.progress.models import Judgement, ReasonCategory, Review, Submission

    result = {"database": connection.vendor, "code": str(Path(duban.__file__).parent.parent)}
    populate(args.tasks)
    tasks = KeyTask.objects.filter(year=2022)
    for month in range(1, 7):
        judge_period(tasks, f"2022-{month:02d}", as_of=dt.date(2022, month, 28))
    office = Office.objects.order_by("id").first()
    ordered = list(tasks.order_by("code"))
    category = ReasonCategory.objects.filter(active=True).first().name
    folder = Path(tempfile.mkdtemp(prefix="duban-bench-import-"))
    sheet = write_sheet(folder / "7月进展.xlsx", ordered, category)
    changed = write_sheet(folder / "7月进展（修改）.xlsx", ordered, category, changed=True)

    def timed(key, action, path):
        profiler = None
        if args.profile and key == "first_s" and key not in result:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            report = getattr(ProgressImport(office, PERIOD), action)(path)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        if profiler is not None:
            import pstats

            profiler.disable()
            if os.environ.get("PROGRESS_PROFILE_OUT"):
                profiler.dump_stats(os.environ["PROGRESS_PROFILE_OUT"])
            print(f"--- cProfile of the first import on {connection.vendor} ---", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        if not report.ok:
            raise SystemExit(f"import failed: {report.errors[:3]}")
        if os.environ.get("PROGRESS_QUERIES") and key == "first_s" and key not in result:
            print(
                f"--- the slowest queries of the first import on {connection.vendor} ---",
                file=sys.stderr,
            )
            for query in sorted(queries, key=lambda q: -float(q["time"]))[:12]:
                print(
                    f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:150]}", file=sys.stderr
                )
        if key not in result or seconds < result[key]:
            result[key] = seconds
            result[key + "_queries"] = len(queries)
        # this process's CPU time: steadier than the wall clock on a shared machine
        result[key + "_cpu"] = min(cpu, result.get(key + "_cpu", cpu))
        return report

    for _attempt in range(args.repeat):
        for model in (Judgement, Submission):
            model.history.filter(period=PERIOD).delete()
            model.objects.filter(period=PERIOD).delete()
        report = timed("first_s", "apply", sheet)
        result["created"] = len(report.created)
        again = timed("again_s", "apply", sheet)
        result["unchanged"] = len(again.unchanged)
        preview = timed("preview_s", "preview", changed)
        result["would_update"] = len(preview.updated)
    result["floor_s"] = min(floors.file_floor(sheet) for _ in range(args.repeat))
    result["written"] = {
        "submissions": Submission.objects.filter(period=PERIOD).count(),
        "reviews": Review.objects.filter(submission__period=PERIOD).count(),
        "judgements": Judgement.objects.filter(period=PERIOD).count(),
    }
    print(RESULT + json.dumps(result, ensure_ascii=False))


def print_table(results, args):
    columns = [
        "database",
        "first (s)",
        "floor (s)",
        "÷ floor",
        "again (s)",
        "preview (s)",
        "queries first/again/preview",
    ]
    rows = [
        [
            r["database"],
            cell(r, "first_s"),
            cell(r, "floor_s"),
            ratio(r, "first_s", "floor_s"),
            cell(r, "again_s"),
            cell(r, "preview_s"),
            "/".join(
                str(r.get(k, "—"))
                for k in ("first_s_queries", "again_s_queries", "preview_s_queries")
            ),
        ]
        for r in results
    ]
    print(f"progress import of {args.tasks} rows ({PERIOD}), code: {args.code or ROOT}")
    print_rows(columns, rows)
    print(f"target: each <= {TARGET_S:g} s (best of {args.repeat})")
    for r in results:
        if r.get("first_s_cpu") is not None:
            print(
                f"{r['database']}: this process's CPU, least of {args.repeat}: first "
                f"{r['first_s_cpu']:.2f} s, again {r['again_s_cpu']:.2f} s, "
                f"preview {r['preview_s_cpu']:.2f} s"
            )
        if r.get("error"):
            print(f"{r['database']}: {r['error']}")
        elif r.get("written"):
            print(
                f"{r['database']}: created {r.get('created')}, unchanged on re-import "
                f"{r.get('unchanged')}, preview would update {r.get('would_update')}; "
                f"wrote {r['written']}"
            )
        over = [k for k in ("first_s", "again_s", "preview_s") if r.get(k, 0) > TARGET_S]
        if over:
            print(f"{r['database']}: over target — {', '.join(over)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks per year (rows)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per database; best shown")
    parser.add_argument("--code", help="import duban from this tree instead of the checkout")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"

    def run(env, label):
        worker_args = ["--tasks", str(args.tasks), "--repeat", str(args.repeat)]
        if args.code:
            worker_args += ["--code", args.code]
            env = {**env, "PYTHONPATH": args.code}
        return run_script(__file__, worker_args, env, label, args.profile)

    results = []
    if args.only != "postgresql":
        results.append(sqlite_run(run, base_env))
    if args.only != "sqlite":
        results.append(postgres_run(run, base_env, "duban_bench_pimport"))
    print_table(results, args)


if __name__ == "__main__":
    main()
