"""The read replica's router (core/dbrouter.py): the dashboard's, reports' and statistics'
reads go to `replica`, every write and what says who is asking stay on `default`.

On PostgreSQL a second alias `replica` points at the same server (a TEST mirror of
`default`, as DUBAN_REPLICA_URL makes it), so the routing is checked on real
connections; on SQLite only the router's decisions are checked."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from duban.core.dbrouter import REPLICA, ReplicaRouter, replica_reads
from duban.ledger.models import Category, KeyTask
from duban.org.models import Profile
from duban.tickets.models import Ticket

POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
if POSTGRES and REPLICA not in connections.settings:
    # before the test databases are set up: `replica` mirrors `default`'s test database
    connections.settings[REPLICA] = {
        **connections.settings["default"],
        "TEST": {"MIRROR": "default"},
    }
ROUTED = override_settings(DATABASE_ROUTERS=["duban.core.dbrouter.ReplicaRouter"])
on_postgres = pytest.mark.skipif(not POSTGRES, reason="the replica is a PostgreSQL set-up")


def test_router_sends_data_reads_to_the_replica_only_when_asked():
    router = ReplicaRouter()
    assert router.db_for_read(KeyTask) == "default"
    with replica_reads():
        assert router.db_for_read(KeyTask) == REPLICA
        assert router.db_for_read(Ticket) == REPLICA
        # who is asking is read where it was just written
        for model in (get_user_model(), Session, Profile):
            assert router.db_for_read(model) == "default"
        assert router.db_for_write(KeyTask) == "default"
    assert router.db_for_read(Ticket) == "default"
    assert router.allow_migrate("default", "ledger") and not router.allow_migrate(REPLICA, "ledger")


@on_postgres
@pytest.mark.django_db(databases=["default", REPLICA])
def test_reads_in_replica_reads_run_on_the_replica_and_writes_on_default(office, units):
    with ROUTED, replica_reads():
        with (
            CaptureQueriesContext(connections[REPLICA]) as replica,
            CaptureQueriesContext(connections["default"]) as default,
        ):
            categories = list(Category.objects.all())  # the migrations' rows, committed
        assert categories and len(replica) == 1 and len(default) == 0
        with (
            CaptureQueriesContext(connections[REPLICA]) as replica,
            CaptureQueriesContext(connections["default"]) as default,
        ):
            KeyTask.objects.create(
                office=office, year=2022, code="MS-0001", title="加装电梯", lead_unit=units["build"]
            )
        writes = ("INSERT", "UPDATE", "DELETE")
        assert not any(q["sql"].startswith(writes) for q in replica)
        assert any(q["sql"].startswith("INSERT") for q in default)


@on_postgres
@pytest.mark.django_db(databases=["default", REPLICA])
def test_dashboard_reads_from_the_replica_and_the_batch_page_does_not(client, people):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("axes.middleware.AxesMiddleware"),
        "duban.core.dbrouter.ReplicaReadsMiddleware",
    )
    client.force_login(people["lily"])
    with ROUTED, override_settings(MIDDLEWARE=middleware):
        with CaptureQueriesContext(connections[REPLICA]) as replica:
            assert client.get("/dashboard/").status_code == 200
        assert len(replica) > 0
        client.force_login(people["bob"])
        with CaptureQueriesContext(connections[REPLICA]) as replica:
            assert client.get("/progress/batch/").status_code == 200
        assert len(replica) == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DUBAN_REPLICA_URL": "postgres://x@127.0.0.1/y"},
            "DUBAN_REPLICA_URL 需要主库也是 PostgreSQL",
        ),
        ({"DUBAN_DATABASE_URL": "mysql://x@127.0.0.1/y"}, "DUBAN_DATABASE_URL 只支持 postgres://"),
    ],
)
def test_a_wrong_database_setting_is_one_chinese_line_not_a_traceback(tmp_path, env, message):
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "duban", "check"],
        env={**clean, "DUBAN_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("配置错误：") and message in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
