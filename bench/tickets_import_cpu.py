"""Where a PostgreSQL import of 12345 work orders spends CPU: this process (reading,
checking, staging) and its PostgreSQL backend, statement by statement.

    .venv/bin/python bench/tickets_import_cpu.py [--rows 200000] [--explain]

On a shared machine the wall clock of `tickets_bench.py` mostly measures the other
processes (at load 8 on 2 cores it is about three times the CPU time); CPU seconds do
not. The database runs on this machine: the backend's CPU is read from
/proc/<pg_backend_pid()>/stat before and after each statement; what no statement
accounts for is the COPY into the staging table and the commit (where PostgreSQL runs
deferred foreign-key checks). `--explain` runs each write of the merge under
EXPLAIN (ANALYZE, BUFFERS) instead (the same work, plus its plan on stdout).
Same generated csv and office as `tickets_bench.py`; a throwaway database.
"""

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from _common import RESULT, postgres_run, run_script, setup_worker
from tickets_bench import create_reference, write_csv

TICK = os.sysconf("SC_CLK_TCK")


def worker(args):
    setup_worker()
    from django.db import connection

    from duban.core.tabular import CLI_LIMITS
    from duban.tickets.importer import TicketImport

    office = create_reference()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu():
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    statements = {}

    def timed(execute, sql, params, many, context):
        started, cpu = time.perf_counter(), backend_cpu()
        write = sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "WITH I", "DELETE")
        if args.explain and not many and write and "duban_stage" in sql:
            result = execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
            print("\n".join(r[0] for r in context["cursor"].fetchall()), file=sys.stderr)
        else:
            result = execute(sql, params, many, context)
        key = re.sub(r"duban_stage_\w+", "STAGE", " ".join(sql.split()))[:90]
        entry = statements.setdefault(key, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += time.perf_counter() - started
        entry[2] += backend_cpu() - cpu
        return result

    started, cpu, own = time.perf_counter(), backend_cpu(), time.process_time()
    with connection.execute_wrapper(timed):
        report = TicketImport(office, limits=CLI_LIMITS).apply(args.csv)
    assert report.ok, [str(e) for e in report.errors[:5]]
    backend = backend_cpu() - cpu
    in_statements = sum(e[2] for e in statements.values())
    top = sorted(statements.items(), key=lambda kv: -kv[1][2])[:12]
    print(
        RESULT
        + json.dumps(
            {
                "rows": args.rows,
                "wall_s": time.perf_counter() - started,
                "python_cpu_s": time.process_time() - own,
                "backend_cpu_s": backend,
                "copy_and_commit_cpu_s": backend - in_statements,
                "statements": [[k, n, wall, cpu] for k, (n, wall, cpu) in top],
            },
            ensure_ascii=False,
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--csv")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="duban-tickets-cpu-") as folder:
        path = write_csv(Path(folder) / "gd.csv", args.rows)
        extra = ["--explain"] if args.explain else []
        worker_args = ["--rows", str(args.rows), "--csv", str(path), *extra]
        result = postgres_run(
            lambda env, label: run_script(__file__, worker_args, env, label, echo_stderr=True),
            base_env,
            prefix="duban_tickets_cpu",
        )
    if "error" in result:
        sys.exit(result["error"])
    print(
        f"{result['rows']} rows: wall {result['wall_s']:.1f} s; CPU: import process "
        f"{result['python_cpu_s']:.1f} s, PostgreSQL backend {result['backend_cpu_s']:.1f} s "
        f"(COPY and commit {result['copy_and_commit_cpu_s']:.1f} s)"
    )
    print("backend CPU (s) | wall (s) | times | statement")
    for key, n, wall, cpu in result["statements"]:
        print(f"{cpu:15.2f} | {wall:8.2f} | {n:5d} | {key}")


if __name__ == "__main__":
    main()
