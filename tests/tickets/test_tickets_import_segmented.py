"""A large file is merged a segment at a time while the checking processes
read on (core/tabular.py, `segment_rows`, `_apply_segmented`): it writes what staging the
whole file writes — tickets, transitions, follow-ups, history, the summary — reports the
same counts and rows, and any error, however late in the file, writes nothing."""

import os

import pytest
from django.db import transaction

from duban.core import tabular
from duban.core.tabular import CLI_LIMITS, Limits
from duban.tickets.importer import HEADERS, TicketImport
from duban.tickets.models import DayCount, Ticket, Transition
from tests.tickets import test_tickets_import_parallel as parallel
from tests.tickets.test_tickets_import import row, write_csv
from tests.tickets.test_tickets_import_parallel import category, named  # noqa: F401 - a fixture
from tests.tickets.test_tickets_import_staged import orders

# forked checking processes, as there; every test has the category the rows name
pytestmark = [parallel.pytestmark, pytest.mark.usefixtures("category")]


@pytest.fixture
def merges(monkeypatch):
    """The rows each merge of an import was given, in order."""
    sizes = []
    original = TicketImport.merge

    def counted(self, stage, report):
        sizes.append(stage.count)
        return original(self, stage, report)

    monkeypatch.setattr(TicketImport, "merge", counted)
    return sizes


def importer(office, segment, **kw):
    """Checked in two processes, chunks of 4 rows; merged every `segment` rows, or once
    the file is read (None)."""
    made = TicketImport(office, limits=kw.pop("limits", CLI_LIMITS), **kw)
    made.parallel_bytes = 0
    made.chunk_rows = 4
    if segment is None:
        made._segmented = lambda source: False
    else:
        made.segment_rows = segment
    return made


def summary(office):
    return sorted(
        DayCount.objects.filter(office=office)
        .values_list(
            "day", "dimension", "key", "received", "closed", "returned", "satisfied", "on_time"
        )
        .order_by()
    )


def report_of(report):
    return (
        report.n_created,
        report.n_updated,
        report.n_unchanged,
        [(c.row, c.key, c.title) for c in report.created + report.unchanged],
        [(c.row, c.key, c.changes) for c in report.updated],
    )


def test_segments_write_and_report_what_the_whole_file_does(tmp_path, office, units, merges):
    """A first file of 30 new rows, then one that updates some and adds others: value for
    value, report for report, the summary included."""
    first = write_csv(tmp_path / "gd.csv", HEADERS, orders(30))
    rows = orders(20, start=20)  # 10 already there, 10 new
    rows[1] = row("GD00021", 状态="已办结", 办结时间="2023-04-05 09:00", 满意度="满意")
    rows[7] = row("GD00027", 状态="已退单", 诉求内容="改过的内容")
    second = write_csv(tmp_path / "gd2.csv", HEADERS, rows)

    def run(segment):
        reports = []
        for source in (first, second):
            report = importer(office, segment).apply(source)
            assert report.ok, report.errors
            assert report.applied
            reports.append(report_of(report))
        return reports, named(office), summary(office)

    with transaction.atomic():
        whole = run(None)
        transaction.set_rollback(True)
    assert merges == [30, 20]
    merges.clear()
    segmented = run(7)
    assert merges == [8, 8, 8, 6, 8, 8, 4]  # whole chunks of 4, at least 7 each
    assert segmented == whole
    reports = whole[0]
    assert reports[0][:3] == (30, 0, 0)
    assert reports[1][:3] == (10, 2, 8)
    assert whole[2], "the summary holds the imported days"


def test_a_bad_row_late_in_the_file_undoes_the_segments_merged_before_it(
    tmp_path, office, units, merges
):
    rows = orders(30)
    rows[26] = row("GD00026", 受理时间="2023-02-30 08:00")
    path = write_csv(tmp_path / "gd.csv", HEADERS, rows)
    whole = importer(office, None).apply(path)
    segmented = importer(office, 4).apply(path)
    assert [str(e) for e in segmented.errors] == [str(e) for e in whole.errors]
    assert segmented.errors[0].row == 28 and segmented.errors[0].field == "受理时间"
    assert len(merges) >= 2, "segments were merged before the bad row was read"
    assert not segmented.applied and not segmented.totals and not segmented.created
    assert "未写入任何数据" in segmented.summary()
    assert not Ticket.objects.exists() and not Transition.objects.exists()
    assert not DayCount.objects.exists()


@pytest.mark.parametrize("second", [5, 27], ids=["same-segment", "later-segment"])
def test_a_number_repeated_in_the_file_writes_nothing(tmp_path, office, units, merges, second):
    """Row 3's number again at row 5 (the same segment: nothing merged from there on) or
    at row 27 (segments merged meanwhile, undone)."""
    rows = orders(30)
    rows[second - 2] = row("GD00001")
    path = write_csv(tmp_path / "gd.csv", HEADERS, rows)
    whole = importer(office, None).apply(path)
    segmented = importer(office, 8).apply(path)
    assert [str(e) for e in segmented.errors] == [str(e) for e in whole.errors]
    assert [(e.row, e.field) for e in segmented.errors] == [(second, "工单编号")]
    assert "与第3行重复" in segmented.errors[0].message
    assert (len(merges) >= 2) == (second == 27)
    assert not Ticket.objects.exists() and not DayCount.objects.exists()


def test_a_file_past_its_row_limit_midway_writes_nothing(tmp_path, office, units, merges):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(30))
    limits = Limits(max_rows=20)
    whole = importer(office, None, limits=limits).apply(path)
    segmented = importer(office, 4, limits=limits).apply(path)
    assert [str(e) for e in segmented.errors] == [str(e) for e in whole.errors]
    assert "20 行" in str(segmented.errors[0])
    assert merges, "segments were merged before the limit was reached"
    assert not Ticket.objects.exists() and not DayCount.objects.exists()


def test_only_a_large_file_without_names_to_create_is_segmented(tmp_path, office, units):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(3))
    made = TicketImport(office, limits=CLI_LIMITS)
    made.parallel_bytes = 0
    assert made.segment_rows
    assert made._segmented(path)
    assert not TicketImport(office, create_missing=True).segment_rows
    made.parallel_bytes = None  # a small file: staged whole, checked here
    assert not made._segmented(path)


def test_a_checking_process_that_dies_after_segments_were_merged_writes_nothing(
    tmp_path, office, units, monkeypatch, merges
):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(40))
    validate = TicketImport.validate_row

    def dying(self, source_row, errors):
        if source_row.number == 38:
            os._exit(3)
        return validate(self, source_row, errors)

    monkeypatch.setattr(TicketImport, "validate_row", dying)
    with pytest.raises(RuntimeError, match="意外结束"):
        importer(office, 4).apply(path)
    assert merges
    assert not Ticket.objects.exists() and not DayCount.objects.exists()


def test_the_spool_passes_on_what_the_reading_side_raises():
    def chunks():
        yield 4, tabular.Encoded(b"a\n", 1), [], True
        raise tabular.TableError([tabular.RowError(None, "", "读不下去")])

    made = chunks()
    spool = tabular._Spool(next(made), made)
    segments = spool.segments(1)
    count, data, errors = next(segments)
    assert count == 4 and [e.data for e in data] == [b"a\n"] and errors == []
    with pytest.raises(tabular.TableError, match="读不下去"):
        next(segments)
    spool.close()


@pytest.mark.parametrize("second", [7, 26], ids=["same-segment", "later-segment"])
def test_a_number_already_there_repeated_writes_nothing(tmp_path, office, units, merges, second):
    """Both rows update the same ticket: no insert fails, every segment merges; the
    check over the rows that matched a ticket names the second."""
    assert importer(office, None).apply(write_csv(tmp_path / "a.csv", HEADERS, orders(10))).ok
    before = named(office)
    rows = orders(30, start=10)
    rows[1] = row("GD00002", 状态="已办结", 办结时间="2023-04-05 09:00", 满意度="满意")
    rows[second - 2] = row("GD00002", 诉求内容="又改了一次")
    path = write_csv(tmp_path / "b.csv", HEADERS, rows)
    merges.clear()
    report = importer(office, 8).apply(path)
    assert [(e.row, e.field) for e in report.errors] == [(second, "工单编号")]
    assert "与第3行重复" in report.errors[0].message
    assert len(merges) == 4, "every segment merged before the file ended"
    assert named(office) == before and Ticket.objects.count() == 10


@pytest.mark.parametrize("count", [0, 9])
def test_a_file_with_no_valid_row_says_what_the_whole_file_does(tmp_path, office, units, count):
    """No data row at all, or only rows with errors (no segment to stage)."""
    rows = [row(f"GD{n:05d}", 受理时间="昨天") for n in range(count)]
    path = write_csv(tmp_path / "gd.csv", HEADERS, rows)
    whole = importer(office, None).apply(path)
    segmented = importer(office, 4).apply(path)
    assert [str(e) for e in segmented.errors] == [str(e) for e in whole.errors]
    assert len(segmented.errors) == max(count, 1)
    assert not Ticket.objects.exists()
