"""A process killed in the middle of an import (issue 14) leaves the database exactly as it
was — every table's rows and their checksums — and running the import again completes it.

The command-line import runs in a subprocess against a whole database of its own (a copy of
the test database: SQLite file, or PostgreSQL when the tests run on it). The test hook
DUBAN_TEST_PAUSE_IMPORT (core/tabular.py) makes the import wait inside its transaction once
every row is written; the test then kills it with SIGKILL — no chance to clean up."""

import csv
import signal
import time

import pytest

from duban.tickets.importer import HEADERS as TICKET_HEADERS
from tests.faults.scratch import make_scratch

LEDGER_HEADERS = ["编号", "类别", "事项名称", "牵头单位", "完成时限"]
UNITS = ["城建中心", "东苑居民区", "西苑居民区"]


def write_csv(path, headers, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def ledger_rows(count, title="事项"):
    return [
        [f"MS-{n:03d}", "街道民生实事项目", f"{title}{n}", UNITS[n % 3], "12月底"]
        for n in range(1, count + 1)
    ]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory, django_db_setup, django_db_blocker):
    # one database for the module's three imports: each test compares the whole of it
    # before and after, so they need no fresh copy each (a copy is most of their time)
    yield from make_scratch(tmp_path_factory.mktemp("killed"), django_db_blocker)


@pytest.fixture(scope="module")
def with_ledger(scratch, tmp_path_factory):
    base = write_csv(tmp_path_factory.mktemp("base") / "台账.csv", LEDGER_HEADERS, ledger_rows(30))
    scratch.python(
        "from django.core.management import call_command\n"
        f"call_command('ledger', 'import', {str(base)!r}, '--year', '2022', '--create-missing')"
    )
    return scratch


def kill_while_applying(scratch, tmp_path, *args):
    """Starts `duban <args>`, waits until it is inside its transaction with every row
    written, and kills it."""
    marker = tmp_path / "applying"
    process = scratch.popen(*args, extra_env={"DUBAN_TEST_PAUSE_IMPORT": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"the import ended before it paused: {process.communicate()}")
        assert time.monotonic() < deadline, "the import never reached its transaction"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def killed_then_rerun(scratch, tmp_path, *args):
    before = scratch.tables()
    kill_while_applying(scratch, tmp_path, *args)
    assert scratch.tables() == before  # every table, row for row

    again = scratch.duban(*args)
    assert again.returncode == 0, again.stderr
    after = scratch.tables()
    assert after != before
    return before, after


def test_a_killed_ledger_import_writes_nothing_and_a_rerun_completes_it(with_ledger, tmp_path):
    path = write_csv(
        tmp_path / "新台账.csv",
        LEDGER_HEADERS,
        ledger_rows(30, title="修改后事项") + ledger_rows(50)[30:],
    )

    before, after = killed_then_rerun(
        with_ledger, tmp_path, "ledger", "import", path, "--year", "2022"
    )

    table = "ledger_keytask"
    assert before[table][0] == 30 and after[table][0] == 50
    assert with_ledger.query(
        "SELECT count(*) FROM ledger_keytask WHERE title LIKE '修改后事项%%'"
    ) == [(30,)]


def test_a_killed_progress_import_writes_nothing_and_a_rerun_completes_it(with_ledger, tmp_path):
    path = write_csv(
        tmp_path / "进展.csv",
        ["编号", "进展情况", "状态"],
        [[f"MS-{n:03d}", f"第{n}项已完成方案设计", "推进正常"] for n in range(1, 31)],
    )

    before, after = killed_then_rerun(
        with_ledger, tmp_path, "progress", "import", path, "--period", "2022-07"
    )

    assert before["progress_submission"][0] == 0 and after["progress_submission"][0] == 30


def test_a_killed_requests_import_writes_nothing_and_a_rerun_completes_it(scratch, tmp_path):
    rows = []
    for n in range(40):
        values = {h: "" for h in TICKET_HEADERS}
        values.update(
            工单编号=f"GD{n:04d}",
            来源="12345热线",
            受理时间=f"2023-03-{1 + n % 28:02d} 09:30",
            诉求内容=f"第{n}号诉求：小区门口占道经营",
            社区=["东苑居民区", "西苑居民区"][n % 2],
            状态="办理中",
        )
        rows.append([values[h] for h in TICKET_HEADERS])
    path = write_csv(tmp_path / "工单.csv", TICKET_HEADERS, rows)

    before, after = killed_then_rerun(
        scratch, tmp_path, "tickets", "import", path, "--create-missing"
    )

    assert before["tickets_ticket"][0] == 0 and after["tickets_ticket"][0] == 40
