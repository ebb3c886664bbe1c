"""The Python row path of the 12345 work-order import, phase by phase, in CPU time per row:
reading the csv (`read_rows`), validating each row (`validate_row`), turning it into
staging values (`stage_values`), and the whole `TicketImport.apply` — on a throwaway
SQLite database (or PostgreSQL with --postgresql), optionally under cProfile.

    .venv/bin/python bench/tickets_rowpath.py [--rows 100000] [--profile [--sort tottime]]
    .venv/bin/python bench/tickets_rowpath.py --postgresql --rows 100000

The csv is the one `tickets_bench.py` generates (same seed, same columns). The floors
beside the figures: the csv module alone over the same file, and a bare executemany
(SQLite) or COPY (PostgreSQL) of the same rows into a plain table. Target (issue 11):
read + validate + stage ≤ 15 µs a row, so that the PostgreSQL import can reach
20,000 rows/s; nothing here is asserted.
"""

import argparse
import cProfile
import csv
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from _common import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent


def cpu(function):
    """(CPU seconds, wall seconds, value) of function()."""
    started, wall = time.process_time(), time.perf_counter()
    value = function()
    return time.process_time() - started, time.perf_counter() - wall, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument(
        "--profile",
        choices=["apply", "rows"],
        help="cProfile apply(), or the rows' read + validate + stage values, to stderr",
    )
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="time apply()'s slow statements")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="duban-rowpath-")
    os.environ["DUBAN_DATA_DIR"] = folder
    os.environ["DUBAN_ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("DUBAN_DATABASE_URL", None)
    admin = name = None
    if args.postgresql:
        import psycopg

        name = f"duban_rowpath_bench_{os.getpid()}"
        admin = psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DUBAN_DATABASE_URL"] = f"{POSTGRES_ADMIN_URL}/{name}"
    else:
        os.environ["DUBAN_SQLITE_PATH"] = f"{folder}/bench.sqlite3"
    try:
        run(args, Path(folder))
    finally:
        if admin is not None:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def run(args, folder):
    from tickets_bench import create_reference, write_csv

    path = write_csv(folder / "gd.csv", args.rows)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from duban.core.tabular import CLI_LIMITS, read_rows
    from duban.tickets.importer import TicketImport

    office = create_reference()

    n = args.rows
    figures = {}

    def bare_csv():
        with open(path, encoding="utf-8", newline="") as handle:
            return sum(1 for _ in csv.reader(handle))

    figures["csv module alone"] = cpu(bare_csv)

    importer = TicketImport(office, limits=CLI_LIMITS)

    def read():
        return sum(1 for _ in read_rows(path, importer.columns, limits=CLI_LIMITS))

    figures["read_rows"] = cpu(read)

    importer.prepare()

    def validate():
        errors, records = [], 0
        for row in read_rows(path, importer.columns, limits=CLI_LIMITS):
            if importer.validate_row(row, errors) is not None:
                records += 1
        assert not errors, [str(e) for e in errors[:5]]
        return records

    figures["read + validate"] = cpu(validate)

    profiler = cProfile.Profile() if args.profile else None

    def stage_values():
        errors, values = [], 0
        if args.profile == "rows":
            profiler.enable()
        for row in read_rows(path, importer.columns, limits=CLI_LIMITS):
            record = importer.validate_row(row, errors)
            values += len(importer.stage_values(record))
        if args.profile == "rows":
            profiler.disable()
        return values

    figures["read + validate + stage values"] = cpu(stage_values)

    def bare_write():
        columns = ", ".join(f"c{i} text" for i in range(14))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_bare ({columns})")
            with open(path, encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                next(reader)
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy("COPY bench_bare FROM STDIN") as copy:
                        for row in reader:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * 14)
                    sql = f"INSERT INTO bench_bare VALUES ({marks})"
                    chunk = []
                    for row in reader:
                        chunk.append(row)
                        if len(chunk) >= 5000:
                            cursor.executemany(sql, chunk)
                            chunk = []
                    cursor.executemany(sql, chunk)
            cursor.execute("DROP TABLE bench_bare")

    figures["bare write (floor)"] = cpu(bare_write)

    statements = []

    def timed(execute, sql, params, many, context):
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(
                (
                    time.perf_counter() - started,
                    time.process_time() - started_cpu,
                    many,
                    " ".join(sql.split()),
                )
            )

    def apply():
        if args.profile == "apply":
            profiler.enable()
        try:
            if args.sql:
                with connection.execute_wrapper(timed):
                    return TicketImport(office, limits=CLI_LIMITS).apply(path)
            return TicketImport(office, limits=CLI_LIMITS).apply(path)
        finally:
            if args.profile == "apply":
                profiler.disable()

    figures["apply"] = cpu(apply)
    report = figures["apply"][2]
    assert report.ok and report.n_created == n, report.summary()

    print(f"{n} rows, {connection.vendor}; load {os.getloadavg()[0]:.1f}")
    print(f"{'phase':34} {'CPU s':>7} {'wall s':>7} {'µs/row (CPU)':>13}")
    for label, (cpu_s, wall_s, _) in figures.items():
        print(f"{label:34} {cpu_s:7.2f} {wall_s:7.2f} {cpu_s / n * 1e6:13.1f}")
    print(
        f"apply ÷ bare write (wall): {figures['apply'][1] / figures['bare write (floor)'][1]:.1f}"
    )
    if statements:
        many = [(wall, cpu_s) for wall, cpu_s, m, _ in statements if m]
        print(
            f"executemany: {sum(w for w, _ in many):.2f} s wall, "
            f"{sum(c for _, c in many):.2f} s CPU in {len(many)} calls"
        )
        print("statements of 0.05 s or more: wall s, CPU s, SQL")
        for wall, cpu_s, m, sql in statements:
            if wall >= 0.05 and not m:
                print(f"  {wall:6.2f} {cpu_s:6.2f}  {sql[:120]}")
        print(f"all statements: {sum(s[1] for s in statements):.2f} s CPU")
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
