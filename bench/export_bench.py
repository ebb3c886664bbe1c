"""Ledger export timings: GET /ledger/export/ of a year of 20,000 tasks, against the floor.

    .venv/bin/python bench/export_bench.py [--tasks 20000] [--postgres]

A worker process (this script with --worker) migrates a throwaway database (SQLite; with
--postgres also PostgreSQL), writes --tasks key tasks of 2022 in one street (5 categories,
37 units, 0-3 协同单位 and 2-4 节点 each, about a third judged for the month), then times:

- page: GET /ledger/export/?year=2022 as a 督查管理员 — the filter, the month's columns
  (状态, 预警, 进展) and the streamed workbook, what a user waits for;
- workbook: `ledger.exporter.build_workbook` of the same tasks, saved to memory;
- floor: bare openpyxl in write-only mode writing the same rows (already in a list, no
  styling, no safe cells) — the least any xlsx of these rows can cost. workbook / floor
  says what the queries, the styles and the safe cells add.

Each figure is wall-clock seconds with the process's CPU seconds in brackets: on a
shared machine the CPU time is the steadier of the two.

`--code DIR` imports duban from DIR instead of this checkout (e.g. `git archive` of an
earlier commit), so that the same script prints the figures before a change. Issue 10
measured 98 s for 20,000 tasks before the export streamed.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time

from ledger_bench import (
    COMMUNITIES,
    DEPARTMENTS,
    LEADERS,
    RESULT,
    STEPS,
    SUBJECTS,
    cell,
    postgres_run,
    print_rows,
    run_script,
    setup_worker,
    sqlite_run,
)

PERIOD = "2022-07"


def build_tasks(n_tasks, seed=2022):
    from duban.ledger.models import Category, KeyTask, Milestone
    from duban.org.models import Office, Unit
    from duban.progress.models import Judgement

    rng = random.Random(seed)
    office = Office.objects.order_by("id").first()
    Unit.objects.bulk_create([Unit(office=office, name=name) for name in DEPARTMENTS + COMMUNITIES])
    units = list(Unit.objects.filter(office=office))
    if hasattr(Category.objects, "ensure_for"):
        categories = list(Category.objects.ensure_for(office, 2022))
    else:  # a tree from before categories had an office
        categories = list(Category.objects.for_year(2022))
    tasks = KeyTask.objects.bulk_create(
        [
            KeyTask(
                office=office,
                year=2022,
                code=f"BQ-{n:05d}",
                category=categories[n % len(categories)],
                title=f"{rng.choice(SUBJECTS)}综合改造（第{n}项）",
                goal=f"完成{rng.randint(1, 12)}处改造，惠及居民{rng.randint(100, 5000)}户",
                lead_unit=rng.choice(units),
                leader=rng.choice(LEADERS),
                deadline=dt.date(2022, rng.randint(6, 12), 28),
            )
            for n in range(1, n_tasks + 1)
        ],
        batch_size=1000,
    )
    through = KeyTask.partner_units.through
    through.objects.bulk_create(
        [
            through(keytask_id=task.pk, unit_id=unit.pk)
            for task in tasks
            for unit in rng.sample(units, rng.randint(0, 3))
            if unit.pk != task.lead_unit_id
        ],
        batch_size=2000,
    )
    Milestone.objects.bulk_create(
        [
            Milestone(
                task=task, due=dt.date(2022, month, 28), description=rng.choice(STEPS), order=i
            )
            for task in tasks
            for i, month in enumerate(sorted(rng.sample(range(1, 13), rng.randint(2, 4))), 1)
        ],
        batch_size=2000,
    )
    Judgement.objects.bulk_create(
        [
            Judgement(
                task=task,
                period=PERIOD,
                as_of=dt.date(2022, 7, 31),
                status="on_track",
                light="blue",
                proposed_status="on_track",
                source="engine",
            )
            for task in tasks[::3]
        ],
        batch_size=2000,
    )
    return office


def worker(args):
    if args.code:
        sys.path.insert(0, args.code)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        call_command("migrate", verbosity=0)
        vendor = connection.vendor
    else:
        vendor = setup_worker()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from openpyxl import Workbook, load_workbook

    from duban.ledger.exporter import build_workbook, task_row
    from duban.ledger.models import KeyTask
    from duban.org import roles as R
    from duban.org.models import Profile, Role, Unit

    office = build_tasks(args.tasks)
    supervisor = get_user_model().objects.create_user("bench_supervisor")
    profile = Profile.objects.create(
        user=supervisor, office=office, unit=Unit.objects.filter(office=office).first()
    )
    profile.roles.set(Role.objects.filter(code=R.SUPERVISOR))
    result = {"database": vendor, "tasks": args.tasks}

    client = Client()
    client.force_login(supervisor)
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(reverse("ledger:export"), {"year": 2022, "period": PERIOD})
    result["page_s"] = time.perf_counter() - start
    result["page_cpu_s"] = time.process_time() - cpu
    if response.status_code != 200:
        result["error"] = f"export answered {response.status_code}"
    else:
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        result["rows"] = sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))
        result["mb"] = len(response.content) / 1024 / 1024

    tasks = KeyTask.objects.filter(office=office, year=2022).order_by("code")
    start, cpu = time.perf_counter(), time.process_time()
    build_workbook(tasks).save(io.BytesIO())
    result["workbook_s"] = time.perf_counter() - start
    result["workbook_cpu_s"] = time.process_time() - cpu

    # the rows themselves, read untimed (task_row is in every version of the exporter)
    rows = [
        task_row(task)
        for task in tasks.select_related("category", "lead_unit").prefetch_related(
            "partner_units", "milestones"
        )
    ]
    start, cpu = time.perf_counter(), time.process_time()
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet()
    for row in rows:
        ws.append(row)
    workbook.save(io.BytesIO())
    result["floor_s"] = time.perf_counter() - start
    result["floor_cpu_s"] = time.process_time() - cpu
    print(RESULT + json.dumps(result, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--code", help="import duban from this tree instead of the checkout")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    def run(env, label):
        worker_args = ["--tasks", str(args.tasks)]
        if args.code:
            worker_args += ["--code", args.code]
        return run_script(__file__, worker_args, env, label)

    print(f"ledger export of {args.tasks} tasks, code: {args.code or 'this checkout'}")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    results = [sqlite_run(run, base_env)]
    if args.postgres:
        results.append(postgres_run(run, base_env, prefix="duban_export_bench"))
    rows = []
    for r in results:
        if "error" in r:
            print(f"{r['database']}: {r['error']}")
            continue
        ratio = r["workbook_cpu_s"] / r["floor_cpu_s"] if r.get("floor_cpu_s") else 0
        rows.append(
            [
                r["database"],
                str(r["tasks"]),
                str(r.get("rows", "")),
                cell(r, "mb", digits=1),
                f"{cell(r, 'page_s')} ({cell(r, 'page_cpu_s')})",
                f"{cell(r, 'workbook_s')} ({cell(r, 'workbook_cpu_s')})",
                f"{cell(r, 'floor_s')} ({cell(r, 'floor_cpu_s')})",
                f"{ratio:.1f}×",
            ]
        )
    if rows:
        print_rows(
            [
                "database",
                "tasks",
                "rows",
                "MB",
                "page s (cpu)",
                "workbook s (cpu)",
                "floor s (cpu)",
                "cpu ÷ floor",
            ],
            rows,
        )


if __name__ == "__main__":
    main()
