"""Statistics and reports read from a read replica, when one is configured.

PostgreSQL stays the single system of record: every write goes to `default`. With
DUBAN_REPLICA_URL set (settings.py), the database alias `replica` points at a streaming
replica of it, and the reads of the pages that only count and report — the dashboard,
the reports, the request statistics and their JSON (REPLICA_PATHS) — go there, so that a
leader's dashboard or a district's monthly report does not queue behind the month-end
writes. Code outside a request (a command, a job) asks for it with `replica_reads()`.

What never goes to the replica, whatever the page: sessions, accounts, roles and people
(`org`, `auth`), the background jobs, notifications and the API clients — what a request
needs in order to know who is asking must be read where it was written a moment ago
(a replica lags by a fraction of a second). Without DUBAN_REPLICA_URL nothing here is
installed and every query goes to `default`, as before. See docs/scaling.md.
"""

from contextlib import contextmanager
from contextvars import ContextVar

REPLICA = "replica"
# the pages (path prefixes, GET and HEAD only) whose reads go to the replica
REPLICA_PATHS = ("/dashboard/", "/reports/", "/tickets/stats/", "/api/v1/dashboard")
# apps whose models hold the district's data; everything else stays on `default`
DATA_APPS = {"ledger", "progress", "tickets", "indicators", "supervision", "reports"}

_reading = ContextVar("duban_replica_reads", default=False)


def replica_settings(default, url):
    """The `replica` DATABASES entry for `url`: a test mirror of `default` (tests run on
    one database, as a replica shows what the primary holds)."""
    from duban.core.env import database_from_url

    entry = database_from_url(url)
    entry["TEST"] = {"MIRROR": "default"}
    return entry


@contextmanager
def replica_reads():
    """Within this block, reads of the data apps go to the replica (when configured)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Reads of the data apps inside `replica_reads()` → `replica`; all else → `default`."""

    def db_for_read(self, model, **hints):
        if _reading.get() and model._meta.app_label in DATA_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, seen twice

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"  # the replica follows the primary's schema


class ReplicaReadsMiddleware:
    """GET and HEAD of REPLICA_PATHS read their data from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(REPLICA_PATHS):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
