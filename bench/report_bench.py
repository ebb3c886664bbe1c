"""Monthly report timings: figures and every format, for the demo street (60 tasks) and a
2,000-task district, on SQLite and PostgreSQL.

    .venv/bin/python bench/report_bench.py [--district-tasks 2000] [--repeat 3] [--no-pdf]

Each database gets a fresh worker process (this script with --worker) on a throwaway
database, as bench/ledger_bench.py does. The worker loads the demo (`duban demo`: one
street, 60 key tasks judged January–July 2022), then builds a district of 10 streets with
`--district-tasks` key tasks in all, each judged for 2022-07 (about a quarter lagging,
with reasons) and with an accepted July report. For both it times, best of --repeat:

- figures: `reports.figures.monthly(office, "2022-07")` (all the queries);
- json, docx, xlsx, pdf: rendering that dict (pdf = docx + LibreOffice; left out when
  soffice is missing or with --no-pdf);
- floor: a bare python-docx script writing the same paragraphs and tables with no
  styling at all — the least any Word output of this report can cost. The ratio
  docx / floor says what the official layout adds.

Targets (from the issue): docx <= 1 s for 60 tasks and <= 10 s for 2,000, counted as
figures + rendering, since that is what a user waits for.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import time
from pathlib import Path

import floors
from ledger_bench import (
    RESULT,
    cell,
    postgres_run,
    print_rows,
    run_script,
    setup_worker,
    sqlite_run,
)

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2022-07"
QUARTER = "2022Q3"
STREETS = 10
TARGETS = {"street": 1.0, "district": 10.0}
FORMATS = ("json", "docx", "xlsx", "pdf")


def build_district(n_tasks, seed=2022):
    """A district of STREETS streets holding n_tasks key tasks of 2022, judged for July."""
    from duban.ledger.models import Category, KeyTask
    from duban.org.models import Office, Unit
    from duban.progress.models import Judgement, ReasonCategory, Submission

    rng = random.Random(seed)
    district = Office.objects.create(name="基准区", kind=Office.Kind.DISTRICT, order=100)
    streets = [
        Office.objects.create(name=f"基准第{i}街道", parent=district, order=100 + i)
        for i in range(1, STREETS + 1)
    ]
    categories = list(Category.objects.for_year(2022).order_by("order"))
    reasons = list(ReasonCategory.objects.all())
    tasks = []
    for s, street in enumerate(streets):
        units = Unit.objects.bulk_create(
            [Unit(office=street, name=f"{street.name}第{u}科室") for u in range(1, 21)]
        )
        units = list(Unit.objects.filter(office=street))
        share = n_tasks // STREETS + (1 if s < n_tasks % STREETS else 0)
        tasks += [
            KeyTask(
                office=street,
                year=2022,
                code=f"BQ-{s:02d}-{n:04d}",
                category=categories[n % len(categories)],
                title=f"{street.name}重点工作第{n}项（老旧小区综合改造与加装电梯）",
                lead_unit=rng.choice(units),
                deadline=dt.date(2022, rng.randint(8, 12), 28),
            )
            for n in range(1, share + 1)
        ]
    KeyTask.objects.bulk_create(tasks, batch_size=500)
    tasks = list(KeyTask.objects.filter(office__in=streets).order_by("code"))
    judgements, submissions = [], []
    for task in tasks:
        status = rng.choices(["completed", "on_track", "lagging"], [10, 65, 25])[0]
        lagging = status == "lagging"
        reason = rng.choice(reasons) if lagging else None
        judgements.append(
            Judgement(
                task=task,
                period=PERIOD,
                as_of=dt.date(2022, 7, 31),
                status=status,
                proposed_status=status,
                light="red" if lagging else "green",
                reason_category=reason,
                reason="受前期手续影响，施工许可尚未取得，开工时间顺延。" if lagging else "",
            )
        )
        submissions.append(
            Submission(
                task=task,
                period=PERIOD,
                unit_id=task.lead_unit_id,
                state=Submission.State.ACCEPTED,
                self_status=status,
                progress="7月完成方案深化设计，召开居民意见征询会两次，启动施工招标准备工作。",
                reason_category=reason,
            )
        )
    Judgement.objects.bulk_create(judgements, batch_size=1000)
    Submission.objects.bulk_create(submissions, batch_size=1000)
    return district


def floor_docx(figures):
    """The same paragraphs and tables, written with python-docx and no styling."""
    from duban.reports.monthly_text import blocks

    return floors.floor_docx(blocks(figures))


def bulletin(office, quarter, args):
    """The quarterly bulletin: its figures and Word file beside bare python-docx."""
    from duban.reports import bulletin as B
    from duban.reports.bulletin_docx import blocks, render_docx

    result = {}
    result["figures_s"], figures = best(args.repeat, lambda: B.quarterly(office, quarter))
    result["docx_s"], data = best(args.repeat, lambda: render_docx(figures))
    result["docx_kb"] = len(data) / 1024
    result["floor_s"], _ = best(args.repeat, lambda: floors.floor_docx(blocks(figures)))
    return result


def best(repeat, fn):
    seconds, value = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        seconds = elapsed if seconds is None else min(seconds, elapsed)
    return seconds, value


def measure(office, args):
    from duban.core import pdf
    from duban.reports import figures as F
    from duban.reports.render import render

    result = {}
    result["figures_s"], figures = best(args.repeat, lambda: F.monthly(office, PERIOD))
    result["tasks"] = figures["overall"]["total"]
    result["lagging"] = figures["overall"]["lagging"]
    for fmt in FORMATS:
        if fmt == "pdf" and (args.no_pdf or not pdf.available()):
            continue
        repeat = 1 if fmt == "pdf" else args.repeat
        result[f"{fmt}_s"], data = best(repeat, lambda fmt=fmt: render(figures, fmt))
        result[f"{fmt}_kb"] = len(data) / 1024
    result["floor_s"], _ = best(args.repeat, lambda: floor_docx(figures))
    result["bulletin"] = bulletin(office, QUARTER, args)
    return result


def worker(args):
    vendor = setup_worker()
    from django.core.management import call_command

    from duban.org.models import Office

    call_command("demo", "--quiet", "--date", "2022-08-01", stdout=io.StringIO())
    street = Office.objects.order_by("id").first()
    result = {"database": vendor}
    result["street"] = measure(street, args)
    district = build_district(args.district_tasks)
    result["district"] = measure(district, args)
    print(RESULT + json.dumps(result, ensure_ascii=False))


def print_table(results, args):
    columns = ["database", "report", "tasks", "figures (s)"]
    columns += [f"{fmt} (s)" for fmt in FORMATS]
    columns += ["floor docx (s)", "docx / floor", "figures+docx (s)", "target (s)"]
    rows = []
    for r in results:
        for scenario in ("street", "district"):
            m = r.get(scenario)
            if not m:
                continue
            total = m["figures_s"] + m["docx_s"]
            rows.append(
                [
                    r["database"],
                    "demo street" if scenario == "street" else f"district ({STREETS} streets)",
                    str(m["tasks"]),
                    cell(m, "figures_s", digits=3),
                    *(cell(m, f"{fmt}_s", digits=3) for fmt in FORMATS),
                    cell(m, "floor_s", digits=3),
                    f"{m['docx_s'] / m['floor_s']:.1f}x",
                    f"{total:.3f}",
                    f"{TARGETS[scenario]:g}",
                ]
            )
    print_rows(columns, rows)
    print(
        f"best of {args.repeat} runs (pdf: one run, LibreOffice start-up included); "
        f"period {PERIOD}; targets: docx <= 1 s for 60 tasks, <= 10 s for 2,000"
    )
    for r in results:
        if r.get("error"):
            print(f"{r['database']}: {r['error']}")
        for scenario in ("street", "district"):
            m = r.get(scenario) or {}
            if m and "pdf_s" not in m:
                print(f"{r['database']}: pdf not timed (--no-pdf or LibreOffice missing)")
            if m and m["figures_s"] + m["docx_s"] > TARGETS[scenario]:
                print(f"{r['database']} {scenario}: docx over target")
            if m:
                sizes = ", ".join(
                    f"{fmt} {m[f'{fmt}_kb']:.0f} KB" for fmt in FORMATS if f"{fmt}_kb" in m
                )
                print(f"{r['database']} {scenario}: {m['lagging']} lagging; {sizes}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--district-tasks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; best shown")
    parser.add_argument("--no-pdf", action="store_true", help="do not time LibreOffice")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    worker_args = ["--district-tasks", str(args.district_tasks), "--repeat", str(args.repeat)]
    if args.no_pdf:
        worker_args.append("--no-pdf")

    def run(env, label):
        return run_script(__file__, worker_args, env, label)

    results = [sqlite_run(run, base_env), postgres_run(run, base_env, "duban_bench_report")]
    print(f"monthly report {PERIOD}: demo street and a {args.district_tasks}-task district")
    print_table(results, args)


if __name__ == "__main__":
    main()
