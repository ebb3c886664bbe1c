"""`duban remind` started twice at the same moment (issue 14: cron and a person, or two
servers) sends each message once: every send is claimed by a unique ReminderLog row before
it is made (notify/reminders.py). Two real processes against one database of their own
(SQLite file; PostgreSQL when the tests run on it), with a slow group robot so that the
runs overlap."""

import collections
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.faults.scratch import make_scratch
from tests.faults.test_killed_import import LEDGER_HEADERS, ledger_rows, write_csv


@pytest.fixture
def scratch(tmp_path, django_db_setup, django_db_blocker):
    yield from make_scratch(tmp_path, django_db_blocker)


@pytest.fixture
def robot():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body)["text"]["content"])
            time.sleep(0.2)  # a slow robot: the two runs overlap
            answer = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received = received
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_two_remind_runs_at_once_send_each_message_once(scratch, robot, tmp_path):
    ledger = write_csv(tmp_path / "台账.csv", LEDGER_HEADERS, ledger_rows(6))
    scratch.python(
        "from django.core.management import call_command\n"
        f"call_command('ledger', 'import', {str(ledger)!r}, '--year', '2022', '--create-missing')\n"
        "from duban.org import roles as R\n"
        "from duban.org.models import Unit\n"
        "from tests.factories import make_user\n"
        "for n, unit in enumerate(Unit.objects.order_by('pk')):\n"
        "    make_user(f'reporter{n}', R.REPORTER, unit=unit)\n"
    )
    robot_env = {
        "DUBAN_WEBHOOK_URL": f"http://127.0.0.1:{robot.server_port}/robot/send",
        "DUBAN_WEBHOOK_KIND": "dingtalk",
    }

    runs = [scratch.popen("remind", "--date", "2022-09-27", extra_env=robot_env) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    logs = scratch.query("SELECT channel, ok FROM notify_reminderlog")
    by_channel = collections.Counter(channel for channel, _ in logs)
    assert by_channel["webhook"] >= 3 and by_channel["inapp"] >= 3  # there was much to send
    assert all(ok in (1, True) for _, ok in logs)  # every claim confirmed
    assert len(robot.received) == by_channel["webhook"]  # each robot message once
    assert len(set(robot.received)) == len(robot.received)
    notifications = scratch.query(
        "SELECT count(*), count(DISTINCT user_id || '/' || title || '/' || body) FROM notify_notification"
    )
    assert notifications == [(by_channel["inapp"], by_channel["inapp"])]
