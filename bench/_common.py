"""What the benchmarks share: a worker process per database on a throwaway database,
its one result line, percentiles and a plain-text table.

The driver runs `script --worker ...` once per database (`sqlite_run`, `postgres_run`);
the worker calls `setup_worker()` (Django on that database, migrated), does its work and
prints one `RESULT` line of JSON, which `run_script` returns as a dict.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = "BENCH_RESULT "
POSTGRES_ADMIN_URL = os.environ.get("DUBAN_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def setup_worker():
    """What every worker process does first: Django on the throwaway database the driver
    chose, migrated. Returns the connection's vendor name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    settle()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def settle():
    """What the product's entry points (the `duban` command, WSGI) do once Django is set
    up: `duban.core.runtime.settle`, the garbage collector set for long jobs. A tree from
    before it (progress_import_bench.py --code) has none and runs as it did."""
    try:
        from duban.core.runtime import settle as product_settle
    except ImportError:
        return
    product_settle()


def run_script(script, worker_args, env, label, profile=False, echo_stderr=False, timeout=900):
    """Run `script --worker ...` in a child process with `env`; its RESULT line as a dict."""
    command = [sys.executable, script, "--worker", *worker_args]
    if profile:
        command.append("--profile")
    env = {**env, "DUBAN_ALLOWED_HOSTS": "testserver", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if profile or echo_stderr or done.returncode:
        sys.stderr.write(done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            return {**json.loads(line[len(RESULT) :]), "database": label}
    return {"database": label, "error": f"worker exited {done.returncode}: {done.stderr[-500:]}"}


def sqlite_run(run, base_env):
    """`run(env, label)` against a new SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="duban-bench-sqlite-") as folder:
        env = {**base_env, "DUBAN_SQLITE_PATH": f"{folder}/bench.sqlite3", "DUBAN_DATA_DIR": folder}
        return run(env, "SQLite")


def postgres_run(run, base_env, prefix="duban_bench"):
    """`run(env, label)` against a throwaway PostgreSQL database, dropped afterwards."""
    try:
        import psycopg
    except ImportError:
        return {"database": "PostgreSQL", "error": "psycopg is not installed"}
    name = f"{prefix}_{os.getpid()}"
    try:
        admin = psycopg.connect(
            f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.Error as exc:
        return {"database": "PostgreSQL", "error": f"not reachable at {POSTGRES_ADMIN_URL}: {exc}"}
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory(prefix="duban-bench-pg-") as folder:
                env = {
                    **base_env,
                    "DUBAN_DATABASE_URL": f"{POSTGRES_ADMIN_URL}/{name}",
                    "DUBAN_DATA_DIR": folder,
                }
                return run(env, "PostgreSQL")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def print_rows(columns, rows):
    """A plain-text table: header, rule, one line per row, columns padded to fit."""
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def cell(result, key, scale=1.0, digits=2):
    value = result.get(key)
    return "—" if value is None else f"{value * scale:.{digits}f}"


def percentiles(timings):
    """p50 and p95 of a list of milliseconds."""
    return {
        "p50": statistics.median(timings),
        "p95": statistics.quantiles(timings, n=100, method="inclusive")[94],
    }


def timed(call, n, ok=range(200, 400)):
    """`call(i)` n times; p50/p95 in ms. Every answer's status must be in `ok` (by
    default a 2xx or 3xx)."""
    timings = []
    for i in range(n):
        start = time.perf_counter()
        response = call(i)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code in ok, (response.status_code, response.content[:300])
    return percentiles(timings)
