"""What each index of the tables a tickets import writes costs it, on PostgreSQL.

    .venv/bin/python bench/tickets_index_cost.py [--rows 200000] [--repeat 3]

On a throwaway, migrated database, each table the import's merge writes (requests,
their transitions, follow-ups and historical versions) is copied without indexes
(`CREATE TABLE … (LIKE …)`), and `--rows` generated rows shaped like an import's (32
units, 16 communities, 24 categories, a year of 受理时间, one batch id and one moment
for the history) are inserted by one `INSERT … SELECT` into that copy: with no index,
with the primary key only, with the primary key and each other index of the real
table in turn (its own definition from pg_indexes), and with all of them. Each line is
the backend's CPU seconds (from /proc, so the machine's load matters less than to the
wall clock), the best of `--repeat` runs into an emptied table. An index's cost is its
line less the primary key's.
"""

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from _common import RESULT, postgres_run, run_script, setup_worker

TICK = os.sysconf("SC_CLK_TCK")

#: generated rows: g (1..n), a state, 受理时间, unit, category, community
SOURCE = """
CREATE TEMPORARY TABLE gen AS SELECT g, (g * 7919) %% 4 AS s,
  timestamptz '2023-01-01' + ((g * 104729) %% 31536000) * interval '1 second' AS r,
  1 + (g * 31) %% 32 AS u, 1 + (g * 17) %% 24 AS cat, 33 + (g * 13) %% 16 AS com
FROM generate_series(1::bigint, %s) g
"""
STATES = "(ARRAY['received', 'in_progress', 'closed', 'returned'])[s + 1]"
ROWS = {
    "tickets_ticket": (
        "id, office_id, source, source_number, received_at, category_id, content, community_id, "
        "reporter_name, reporter_phone, unit_id, state, closed_at, deadline, followed_up, "
        "satisfaction, urgency, grid, address, result, reopen_count",
        f"g, 1, 'hotline', 'GD' || lpad(g::text, 8, '0'), r, cat, '占道经营 第' || g || '号', "
        f"com, '张三', '13800138000', u, {STATES}, NULL, r + interval '9 days', s = 2, "
        f"'', 'normal', '', '', '', 0",
    ),
    "tickets_transition": (
        "ticket_id, action, from_state, to_state, actor_id, at, reason, unit_id",
        f"g, 'import', '', {STATES}, NULL, now(), '导入', u",
    ),
    "tickets_followup": (
        "ticket_id, at, by_id, contacted, resolved, satisfaction, comment",
        "g, r + interval '3 days', NULL, true, s = 2, 'satisfied', ''",
    ),
    "tickets_historicalticket": (
        "history_id, history_date, history_type, channel, batch_id, id, office_id, source, "
        "source_number, received_at, category_id, content, community_id, reporter_name, "
        "reporter_phone, unit_id, state, deadline, followed_up, satisfaction, urgency, grid, "
        "address, result, reopen_count",
        f"g, now(), '+', 'import', 'b7c1e0f2a3d44e5f9a8b7c6d5e4f3a2b', g, 1, 'hotline', "
        f"'GD' || g, r, cat, '占道经营 第' || g || '号', com, '张三', '13800138000', u, "
        f"{STATES}, r + interval '9 days', s = 2, '', 'normal', '', '', '', 0",
    ),
}


def worker(args):
    setup_worker()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

        def cpu():
            fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / TICK

        cursor.execute(SOURCE, [args.rows])
        result = {"rows": args.rows, "tables": {}}
        for table, (columns, values) in ROWS.items():
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
            )
            indexes = dict(cursor.fetchall())
            primary = next(name for name in indexes if name.endswith("_pkey"))
            copy = f"cost_{table}"
            cursor.execute(
                f"CREATE TABLE {copy} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
            )

            def measure(names, copy=copy, indexes=indexes, columns=columns, values=values):
                cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [copy])
                for (name,) in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                for name in names:
                    definition = re.sub(r"\bON public\.\w+", f"ON {copy}", indexes[name])
                    cursor.execute(definition.replace(f"INDEX {name} ", "INDEX "))
                best = None
                for _ in range(args.repeat):
                    cursor.execute(f"TRUNCATE {copy}")
                    before = cpu()
                    cursor.execute(f"INSERT INTO {copy} ({columns}) SELECT {values} FROM gen")
                    spent = cpu() - before
                    best = spent if best is None else min(best, spent)
                return best

            lines = [("(no index)", measure([])), ("primary key", measure([primary]))]
            for name in sorted(indexes):
                if name != primary:
                    lines.append((f"+ {name}", measure([primary, name])))
            lines.append(("all indexes", measure(list(indexes))))
            cursor.execute(f"DROP TABLE {copy}")
            result["tables"][table] = lines
    print(RESULT + __import__("json").dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    base_env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
    worker_args = ["--rows", str(args.rows), "--repeat", str(args.repeat)]
    with tempfile.TemporaryDirectory(prefix="duban-index-cost-"):
        result = postgres_run(
            lambda env, label: run_script(__file__, worker_args, env, label, echo_stderr=True),
            base_env,
            prefix="duban_index_cost",
        )
    if "error" in result:
        sys.exit(result["error"])
    print(
        f"{result['rows']} rows, backend CPU seconds of one INSERT … SELECT (best of {args.repeat})"
    )
    for table, lines in result["tables"].items():
        print(table)
        primary = lines[1][1]
        for label, seconds in lines:
            extra = f"  (+{seconds - primary:.2f})" if label.startswith("+") else ""
            print(f"  {label:52s} {seconds:6.2f}{extra}")


if __name__ == "__main__":
    main()
