"""A large staged import is read and checked in other, forked processes while this one
writes the staging table (core/tabular.py, `parallel_bytes`, `checkers`): the same rows,
errors, names to create and report as when one process does all of it, and nothing
written when a checking process fails, queries the database or dies."""

import multiprocessing
import os

import pytest
from django.db import transaction

from duban.core import tabular
from duban.core.tabular import CLI_LIMITS, Limits
from duban.org.models import Unit
from duban.tickets.importer import HEADERS, TicketImport
from duban.tickets.models import Ticket, TicketCategory
from tests.tickets.test_tickets_import import row, write_csv
from tests.tickets.test_tickets_import_staged import orders, snapshot

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="the second process is forked (Linux)",
)


@pytest.fixture
def category(db):
    return TicketCategory.objects.create(name="市容环境")


@pytest.fixture
def forks(monkeypatch):
    """How many checking processes each import that forks started, in order."""
    counts = []
    original = tabular._checked_in_children

    def counted(made, source, count):
        counts.append(count)
        yield from original(made, source, count)

    monkeypatch.setattr(tabular, "_checked_in_children", counted)
    return counts


def importer(office, parallel, **kw):
    """An import that checks in a second process (`parallel`) whatever the file's size,
    or never; small chunks, so that several cross the pipe."""
    made = TicketImport(office, limits=kw.pop("limits", CLI_LIMITS), **kw)
    made.parallel_bytes = 0 if parallel else None
    made.chunk_rows = 4
    return made


def named(office):
    """`snapshot` with unit and category ids as names: the same across two runs that
    each create their missing names."""
    units = dict(Unit.objects.values_list("pk", "name"))
    categories = dict(TicketCategory.objects.values_list("pk", "name"))
    shot = snapshot(office)
    ticket_fields = {"category_id": 3, "community_id": 5, "unit_id": 8}

    def rename(values, positions):
        values = list(values)
        for index, names in positions:
            values[index] = names.get(values[index], values[index])
        return tuple(values)

    positions = [
        (ticket_fields["category_id"], categories),
        (ticket_fields["community_id"], units),
        (ticket_fields["unit_id"], units),
    ]
    shot["tickets"] = sorted(rename(t, positions) for t in shot["tickets"])
    shot["transitions"] = sorted(rename(t, [(5, units)]) for t in shot["transitions"])
    shot["history"] = sorted(rename(t, [(5, units)]) for t in shot["history"])
    return shot


def test_the_checking_process_is_used_only_for_a_large_file(tmp_path, office, units, category):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(3))
    made = TicketImport(office, limits=CLI_LIMITS)
    assert made.parallel_bytes and os.path.getsize(path) < made.parallel_bytes
    assert not made._in_child(path)
    made.parallel_bytes = os.path.getsize(path)
    assert made._in_child(path)
    assert not made._in_child(open(path, "rb"))  # an upload's file object: here  # noqa: SIM115
    assert not made._in_child(tmp_path / "missing.csv")  # read_rows says what is wrong


def test_a_second_process_writes_what_one_process_writes(tmp_path, office, units, category, forks):
    """With names to create (a unit, a community, a category) and updates of tickets
    already there, value for value, report for report."""
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(30))
    rows = orders(12)
    rows[1] = row("GD00001", 状态="已办结", 办结时间="2023-04-05 09:00", 满意度="满意")
    rows[5] = row("GD00105", 承办单位="新成立的服务中心", 社区="新建居民区", 诉求类别="绿化养护")
    changed = write_csv(tmp_path / "gd2.csv", HEADERS, rows)

    def run(parallel):
        reports = []
        for source in (path, changed):
            report = importer(office, parallel, create_missing=True).apply(source)
            assert report.ok, report.errors
            reports.append(
                (
                    report.n_created,
                    report.n_updated,
                    report.n_unchanged,
                    sorted(str(r) for r in report.created_refs),
                    [(c.row, c.key) for c in report.created + report.updated],
                )
            )
        return reports, named(office)

    with transaction.atomic():
        one = run(parallel=False)
        transaction.set_rollback(True)
    assert not Ticket.objects.exists() and not forks
    two = run(parallel=True)
    assert forks == [1, 1]  # names to create: one process hands out their placeholders
    assert two == one
    reports, shot = two
    assert reports[0][:2] == (30, 0) and reports[1][1] >= 1
    assert len(shot["tickets"]) == 31
    assert Unit.objects.filter(name="新成立的服务中心", office=office).exists()
    assert TicketCategory.objects.filter(name="绿化养护").exists()


def test_row_errors_are_the_same_and_nothing_is_written(tmp_path, office, units, category):
    rows = orders(20)
    rows[3] = row("GD00003", 受理时间="2023-13-45")
    rows[9] = row("GD00009", 承办单位="不存在的单位")
    rows[14] = row("GD00001")  # the same number as row 3 of the data
    path = write_csv(tmp_path / "gd.csv", HEADERS, rows)

    def errors(parallel):
        report = importer(office, parallel).apply(path)
        assert not report.ok
        return [(e.row, e.field, e.message) for e in report.errors]

    serial = errors(False)
    assert errors(True) == serial
    assert {field for _, field, _ in serial} >= {"受理时间", "承办单位", "工单编号"}
    assert not Ticket.objects.exists()


def test_a_file_past_a_limit_is_refused_the_same_way(tmp_path, office, units, category):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(30))
    limits = Limits(max_rows=10)
    serial = importer(office, False, limits=limits).apply(path)
    parallel = importer(office, True, limits=limits).apply(path)
    assert [str(e) for e in parallel.errors] == [str(e) for e in serial.errors]
    assert "10 行" in str(parallel.errors[0])
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "misstep, message",
    [
        # a validator must not ask the database
        (lambda: Unit.objects.count(), "(?s)进程出错.*a query was made in the process"),
        (lambda: os._exit(3), "意外结束（退出码 3）"),
    ],
    ids=["queries", "dies"],
)
def test_a_checking_process_that_queries_or_dies_fails_the_import(
    tmp_path, office, units, category, monkeypatch, misstep, message
):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(12))
    validate = TicketImport.validate_row

    def stumbling(self, source_row, errors):
        if source_row.number == 8:
            misstep()
        return validate(self, source_row, errors)

    monkeypatch.setattr(TicketImport, "validate_row", stumbling)
    with pytest.raises(RuntimeError, match=message):
        importer(office, True).apply(path)
    assert not Ticket.objects.exists()


def test_a_failure_while_writing_ends_the_checking_process(
    tmp_path, office, units, category, monkeypatch
):
    """This side stops reading (the staging table refused a chunk): the child, blocked
    or not on the pipe, is ended, and the import fails as the write did."""
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(40))
    started = []
    original = tabular._checked_in_children

    def watched(made, source, count):
        chunks = original(made, source, count)
        started.append(chunks)
        yield from chunks

    def refuse(self, rows, converted=False):
        raise OSError("磁盘已满")

    monkeypatch.setattr(tabular, "_checked_in_children", watched)
    monkeypatch.setattr(tabular.Stage, "write", refuse)
    with pytest.raises(OSError, match="磁盘已满"):
        importer(office, True).apply(path)
    assert started and started[0].gi_frame is None  # closed: its finally ended the child
    assert not Ticket.objects.exists()


def test_two_checking_processes_write_what_one_process_writes(
    tmp_path, office, units, category, forks
):
    """Without names to create, two processes check alternate chunks; the chunks come
    back in the file's order (the new tickets' ids follow it on SQLite)."""
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(31))
    rows = orders(9)
    rows[2] = row("GD00002", 状态="已办结", 办结时间="2023-04-06 09:00", 满意度="不满意")
    changed = write_csv(tmp_path / "gd2.csv", HEADERS, rows)

    def run(parallel):
        counts = []
        for source in (path, changed):
            report = importer(office, parallel).apply(source)
            assert report.ok, report.errors
            counts.append((report.n_created, report.n_updated, report.n_unchanged))
        order = list(Ticket.objects.order_by("pk").values_list("source_number", flat=True))
        return counts, named(office), order == sorted(order)

    with transaction.atomic():
        one = run(parallel=False)
        transaction.set_rollback(True)
    two = run(parallel=True)
    assert forks == [2, 2]
    assert two == one
    assert one[0][0] == (31, 0, 0) and one[0][1][1] == 1 and one[2]


@pytest.mark.parametrize("count", [0, 8, 9])
def test_files_of_any_length_across_two_processes(tmp_path, office, units, category, count):
    """No data row, a last chunk that is full (8 rows, chunks of 4), one that is not."""
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(count))
    seen = []
    made = importer(office, True)
    made.progress = lambda rows, message="", force=False: seen.append(rows)
    report = made.apply(path)
    if not count:
        assert [str(e) for e in report.errors] == ["文件：表格中没有数据行"]
        return
    assert report.ok and report.n_created == count == Ticket.objects.count()
    assert max(seen) == count


def test_past_the_error_limit_two_processes_report_what_one_does(
    tmp_path, office, units, category, monkeypatch
):
    """Each process stops at its own limit; the import keeps the errors one process
    would have found: all of a row's, row after row, until the limit is reached."""
    monkeypatch.setattr(tabular, "MAX_ERRORS", 5)
    rows = orders(30)
    for n in (1, 2, 6, 7, 11, 13, 20, 25):
        rows[n] = row(f"GD{n:05d}", 受理时间="昨天", 承办单位="不存在的单位")  # two errors
    path = write_csv(tmp_path / "gd.csv", HEADERS, rows)
    serial = [(e.row, e.field) for e in importer(office, False).apply(path).errors]
    parallel = [(e.row, e.field) for e in importer(office, True).apply(path).errors]
    assert parallel == serial
    assert len(serial) == 7 and serial[-1] == (None, "")  # 3 rows of 2, then the note
    assert not Ticket.objects.exists()


def test_an_xlsx_is_checked_by_one_process(tmp_path, office, units, category, forks):
    """Each checking process parses the whole file: an xlsx, whose parsing is most of the
    work, goes to one."""
    from tests.xlsx import write_xlsx

    path = write_xlsx(tmp_path / "gd.xlsx", HEADERS, orders(10))
    report = importer(office, True).apply(path)
    assert report.ok, report.errors
    assert forks == [1] and Ticket.objects.count() == 10
