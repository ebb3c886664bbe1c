"""The JSON API's timings on SQLite and, when reachable, PostgreSQL.

    .venv/bin/python bench/api_bench.py [--rows 2000] [--requests 100]

For each database a fresh worker process (this script with --worker, as in
bench/ledger_bench.py) migrates a throwaway database, imports a generated ledger of
`--rows` tasks, then times with Django's test client (the whole middleware stack, no
network):

- ledger JSON: GET /api/v1/ledger?year=Y (50 of the rows), by session and by token,
  beside the HTML list page of the same 50 rows and a floor: the same 50 rows read with
  `.values()` and `json.dumps`'d, no HTTP stack;
- ticket POST: `--requests` new orders pushed by a hotline client (create), the same
  orders pushed again (unchanged), and a follow-up PATCH of each;
- dashboard JSON: GET /api/v1/dashboard.
p50 and p95 in milliseconds. Issue 14's peer: ledger list 10.5 ms (JSON, PostgreSQL),
target ≤ 1.5× that.
"""

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from _common import timed as _timed
from ledger_bench import (
    COMMUNITIES,
    RESULT,
    build_ledger,
    office_with_units,
    postgres_run,
    print_rows,
    run_script,
    setup_worker,
    sqlite_run,
)

PEER_LEDGER_MS = 10.5


def timed(call, n):
    """The API answers 200, or 201 for a created order; nothing else counts."""
    return _timed(call, n, ok=(200, 201))


def worker(args):
    vendor = setup_worker()

    from django.test import Client

    from duban.api.models import ApiClient
    from duban.ledger.importer import LedgerImport
    from duban.ledger.models import KeyTask
    from duban.tickets.models import Ticket, TicketCategory

    office, supervisor = office_with_units()
    report = LedgerImport(office, args.year, user=supervisor).apply(args.file)
    result = {"database": vendor, "rows": args.rows}
    if not report.ok:
        result["error"] = f"ledger import failed: {[str(e) for e in report.errors[:3]]}"
        print(RESULT + json.dumps(result, ensure_ascii=False))
        return
    TicketCategory.objects.create(name="市容环境")
    hotline, token = ApiClient.create(name="bench 热线", office=office, rate_limit=1_000_000)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    n = args.requests
    year = {"year": args.year}

    session = Client()
    session.force_login(supervisor)
    tokened = Client()
    first = session.get("/api/v1/ledger", year).json()  # warm caches and the session
    result["ledger_rows_on_page"] = len(first["results"])
    result["ledger_count"] = first["count"]
    tokened.get("/api/v1/ledger", year, **auth)
    result["ledger_session"] = timed(lambda i: session.get("/api/v1/ledger", year), n)
    result["ledger_token"] = timed(lambda i: tokened.get("/api/v1/ledger", year, **auth), n)
    session.get("/ledger/", year)
    result["ledger_html"] = timed(lambda i: session.get("/ledger/", year), n)
    result["ledger_json_bytes"] = len(session.get("/api/v1/ledger", year).content)

    def floor(_i):
        rows = list(
            KeyTask.objects.filter(year=args.year)
            .order_by("code")
            .values("id", "code", "title", "goal", "lead_unit__name", "leader", "deadline")[:50]
        )
        body = json.dumps(rows, default=str, ensure_ascii=False)

        class Done:
            status_code = 200
            content = body

        return Done()

    result["ledger_floor"] = timed(floor, n)
    session.get("/api/v1/dashboard", year)
    result["dashboard"] = timed(lambda i: session.get("/api/v1/dashboard", year), n)

    def order(i):
        return {
            "number": f"B{i:06d}",
            "received_at": (dt.datetime(args.year, 3, 1, 9) + dt.timedelta(hours=i)).isoformat(),
            "category": "市容环境",
            "content": f"第{i}件：小区门口占道经营",
            "community": COMMUNITIES[i % len(COMMUNITIES)],
            "reporter_name": "张三",
            "reporter_phone": "13812345678",
            "unit": "城建中心",
            "state": "办理中",
        }

    def push(i):
        return tokened.post(
            "/api/v1/tickets", json.dumps(order(i)), content_type="application/json", **auth
        )

    result["post_create"] = timed(push, n)
    result["post_unchanged"] = timed(push, n)
    follow_up = json.dumps({"contacted": True, "resolved": True, "satisfaction": "满意"})
    result["patch_follow_up"] = timed(
        lambda i: tokened.patch(
            f"/api/v1/tickets/B{i:06d}", follow_up, content_type="application/json", **auth
        ),
        n,
    )
    result["tickets"] = Ticket.objects.count()
    print(RESULT + json.dumps(result, ensure_ascii=False))


ROWS = [
    ("ledger_session", "GET /api/v1/ledger (50 rows, session)"),
    ("ledger_token", "GET /api/v1/ledger (50 rows, token)"),
    ("ledger_html", "GET /ledger/ HTML page (same rows)"),
    ("ledger_floor", "floor: .values() + json.dumps, no HTTP"),
    ("dashboard", "GET /api/v1/dashboard"),
    ("post_create", "POST /api/v1/tickets (new order)"),
    ("post_unchanged", "POST /api/v1/tickets (same order again)"),
    ("patch_follow_up", "PATCH /api/v1/tickets/{n} (follow-up)"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--year", type=int, default=dt.date.today().year)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    base_env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as folder:
        args.file = Path(folder) / "ledger.xlsx"
        build_ledger(args.file, args.rows, args.year)
        worker_args = ["--file", str(args.file), "--year", str(args.year)]
        worker_args += ["--rows", str(args.rows), "--requests", str(args.requests)]

        def run(env, label):
            return run_script(__file__, worker_args, env, label)

        results = [sqlite_run(run, base_env)]
        if not args.no_postgres:
            results.append(postgres_run(run, base_env, prefix="duban_api_bench"))

    columns = ["operation"] + [f"{r['database']} p50 / p95 (ms)" for r in results]
    table = []
    for key, label in ROWS:
        cells = []
        for r in results:
            value = r.get(key)
            cells.append("—" if value is None else f"{value['p50']:.1f} / {value['p95']:.1f}")
        table.append([label, *cells])
    print_rows(columns, table)
    for r in results:
        if r.get("error"):
            print(f"{r['database']}: {r['error']}")
            continue
        ratio = r["ledger_token"]["p50"] / PEER_LEDGER_MS
        print(
            f"{r['database']}: ledger page {r['ledger_rows_on_page']} of {r['ledger_count']} rows, "
            f"{r['ledger_json_bytes'] / 1024:.0f} KB; {r['tickets']} tickets written; "
            f"ledger JSON p50 ÷ peer's {PEER_LEDGER_MS} ms = {ratio:.2f} (target ≤ 1.5 on PostgreSQL)"
        )


if __name__ == "__main__":
    main()
