"""The staged import at small scale: rows stream into a temporary table a chunk at a
time (COPY on PostgreSQL, executemany on SQLite) and are merged by SQL in one
transaction — same results either way, idempotent, all or nothing, never the whole
file in memory."""

import pytest
from django.db import connection

from duban.core import tabular
from duban.core.tabular import CLI_LIMITS, Stage
from duban.tickets import importer as ticket_importer
from duban.tickets.importer import HEADERS, TicketImport
from duban.tickets.models import FollowUp, Ticket, TicketCategory, Transition
from tests.tickets.test_tickets_import import row, write_csv


@pytest.fixture
def category(db):
    return TicketCategory.objects.create(name="市容环境")


def orders(count, start=0):
    """`count` varied rows: every state, follow-ups on some, units on most."""
    out = []
    for n in range(start, start + count):
        state = ["已办结", "办理中", "已退单", "待分派"][n % 4]
        closed = state == "已办结"
        out.append(
            row(
                f"GD{n:05d}",
                状态=state,
                受理时间=f"2023-03-{1 + n % 28:02d} {n % 24:02d}:15",
                办结时间="2023-04-02 10:00" if closed else "",
                社区=["东苑居民区", "西苑居民区"][n % 2],
                是否联系="是" if closed else "",
                是否解决=("是" if n % 3 else "否") if closed else "",
                满意度=["满意", "基本满意", "不满意"][n % 3] if closed else "",
                诉求内容=f"第{n}号诉求",
            )
        )
    return out


def snapshot(office):
    """What an import wrote for `office`, without ids: tickets, transitions, follow-ups
    and historical rows, each as sorted tuples of their values."""
    fields = [
        "source",
        "source_number",
        "received_at",
        "category_id",
        "content",
        "community_id",
        "reporter_name",
        "reporter_phone",
        "unit_id",
        "state",
        "closed_at",
        "deadline",
        "followed_up",
        "contacted",
        "resolved",
        "satisfaction",
        "urgency",
        "grid",
        "result",
        "reopen_count",
    ]
    tickets = Ticket.objects.filter(office=office)
    return {
        "tickets": sorted(tickets.values_list(*fields)),
        "transitions": sorted(
            Transition.objects.filter(ticket__office=office).values_list(
                "ticket__source_number", "action", "from_state", "to_state", "reason", "unit_id"
            )
        ),
        "follow_ups": sorted(
            FollowUp.objects.filter(ticket__office=office).values_list(
                "ticket__source_number", "at", "contacted", "resolved", "satisfaction"
            )
        ),
        "history": sorted(
            Ticket.history.filter(office_id=office.pk).values_list(
                "source_number", "history_type", "channel", "state", "deadline", "unit_id"
            )
        ),
    }


def test_rows_are_staged_a_chunk_at_a_time_and_merged(tmp_path, office, units, category):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(25))
    importer = TicketImport(office, limits=CLI_LIMITS)
    importer.chunk_rows = 4
    report = importer.apply(path)
    assert report.ok, report.errors
    assert (report.n_created, report.n_updated, report.n_unchanged) == (25, 0, 0)
    assert Ticket.objects.count() == 25
    assert Transition.objects.filter(action="import", reason="导入").count() == 25
    assert FollowUp.objects.count() == 7  # the closed ones (n % 4 == 0)
    assert Ticket.history.filter(history_type="+", batch_id=report.batch_id).count() == 25
    waiting = Ticket.objects.get(source_number="GD00003")
    assert waiting.state == "received" and waiting.unit_id is None
    closed = Ticket.objects.get(source_number="GD00004")
    assert closed.satisfaction == "basically_satisfied" and closed.unit == units["build"]
    assert closed.follow_ups.get().resolved is True


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares PostgreSQL's COPY path with the other"
)
def test_the_copy_path_writes_what_the_executemany_path_writes(
    tmp_path, office, units, category, monkeypatch
):
    """On PostgreSQL: COPY into the stage and the one-statement merge give, value for
    value, what executemany and the step-by-step merge (SQLite's path) give."""
    from duban.org.models import Office, Unit

    other = Office.objects.create(name="另一街道")
    for unit in units.values():
        Unit.objects.create(office=other, name=unit.name, kind=unit.kind)
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(30))
    rows = orders(10)
    rows[1] = row("GD00001", 状态="已办结", 办结时间="2023-04-05 09:00", 满意度="满意")
    changed = write_csv(tmp_path / "gd2.csv", HEADERS, rows)

    def run(target, copy, one_statement):
        monkeypatch.setattr(Stage, "copy", copy)
        for source in (path, changed):
            importer = TicketImport(target, limits=CLI_LIMITS)
            importer.one_statement = one_statement
            importer.chunk_rows = 7
            assert importer.apply(source).ok

    run(office, True, True)
    run(other, False, False)
    mine, theirs = snapshot(office), snapshot(other)
    units_of_other = {u.pk: u.name for u in Unit.objects.filter(office=other)}
    units_of_office = {u.pk: u.name for u in Unit.objects.filter(office=office)}

    def named(values, index, names):
        return sorted(
            tuple(names.get(v, v) if i == index else v for i, v in enumerate(t)) for t in values
        )

    assert named(mine["tickets"], 5, units_of_office) != []
    for key, unit_index in (("tickets", 8), ("transitions", 5), ("history", 5)):
        a = named(mine[key], unit_index, units_of_office)
        b = named(theirs[key], unit_index, units_of_other)
        if key == "tickets":  # community too
            a = named(a, 5, units_of_office)
            b = named(b, 5, units_of_other)
        assert a == b, key
    assert [f[1:] for f in mine["follow_ups"]] != []
    assert sorted(f[0:1] + f[2:] for f in mine["follow_ups"]) == sorted(
        f[0:1] + f[2:] for f in theirs["follow_ups"]
    )
    assert len(mine["transitions"]) == 31  # 30 imported, 1 state change on re-import


def test_a_reimport_writes_nothing_and_a_change_is_one_update(tmp_path, office, units, category):
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(12))
    first = TicketImport(office).apply(path)
    assert first.ok and first.n_created == 12
    counts = (Ticket.objects.count(), Transition.objects.count(), Ticket.history.count())
    again = TicketImport(office).apply(path)
    assert again.ok and not again.applied
    assert (again.n_created, again.n_updated, again.n_unchanged) == (0, 0, 12)
    assert "完全一致" in again.summary()
    assert (Ticket.objects.count(), Transition.objects.count(), Ticket.history.count()) == counts

    rows = orders(12)
    rows[1] = row("GD00001", 状态="已退单", 诉求内容="第1号诉求")
    report = TicketImport(office).apply(write_csv(tmp_path / "gd2.csv", HEADERS, rows))
    assert report.ok and (report.n_updated, report.n_unchanged) == (1, 11)
    [change] = report.updated
    assert change.row == 3 and change.key == "12345热线 GD00001"
    assert ("状态", "in_progress", "returned") in change.changes
    ticket = Ticket.objects.get(source_number="GD00001")
    assert ticket.state == "returned"
    assert ticket.transitions.filter(reason="导入更新", from_state="in_progress").count() == 1
    assert ticket.history.filter(history_type="~").count() == 1
    assert Ticket.objects.count() == 12


def test_new_rows_between_updated_ones_get_their_own_history(tmp_path, office, units, category):
    """New tickets take the ids past the last one ever used (here a deleted ticket's),
    in the file's order, also when updated rows come between them: each transition,
    follow-up and historical row is the one of its own ticket."""
    assert TicketImport(office).apply(write_csv(tmp_path / "a.csv", HEADERS, orders(6))).ok
    Ticket.objects.get(source_number="GD00005").delete()  # the last id is not reused
    rows = orders(12)
    rows[1] = row("GD00001", 状态="已办结", 办结时间="2023-04-05 09:00", 满意度="满意")
    del rows[5]
    report = TicketImport(office).apply(write_csv(tmp_path / "b.csv", HEADERS, rows))
    assert report.ok and (report.n_created, report.n_updated) == (6, 1), report.summary()
    new = Ticket.objects.filter(source_number__gte="GD00006").order_by("id")
    assert [t.source_number for t in new] == [f"GD{n:05d}" for n in range(6, 12)]
    deleted = Ticket.history.filter(source_number="GD00005").values_list("id", flat=True)
    assert new[0].id == deleted.first() + 1
    for ticket in new:
        assert ticket.transitions.get().to_state == ticket.state
        [version] = ticket.history.all()
        assert (version.source_number, version.state, version.deadline) == (
            ticket.source_number,
            ticket.state,
            ticket.deadline,
        )
        assert ticket.follow_ups.count() == (1 if ticket.followed_up else 0)
    assert Transition.objects.count() == 5 + 6 + 1  # the deleted ticket's went with it
    assert Ticket.history.count() == 6 + 1 + 6 + 1  # the deletion has its own version


def test_an_error_in_any_row_writes_nothing(tmp_path, office, units, category):
    rows = [*orders(20), row("GD00003"), row("LAST", 受理时间="2023-02-30 10:00")]
    importer = TicketImport(office)
    importer.chunk_rows = 5
    report = importer.apply(write_csv(tmp_path / "bad.csv", HEADERS, rows))
    messages = [str(e) for e in report.errors]
    assert messages[0].startswith("第22行【工单编号】“12345热线 GD00003”与第5行重复")
    assert messages[1].startswith("第23行【受理时间】日期不存在：2023年2月30日")
    assert not report.applied and report.summary() == "发现 2 处错误，未写入任何数据"
    assert Ticket.objects.count() == 0 and Transition.objects.count() == 0
    assert Ticket.history.count() == 0


def test_the_file_is_read_lazily_never_whole(office, units, category, monkeypatch):
    """Rows come from a generator that checks, as each row is taken, that the rows
    before it have already gone to the staging table (at most one chunk waits) — a
    reader that took the whole file first would fail; the error in its last row is
    still reported, and nothing is written."""
    staged = []
    write = Stage.write

    def spy(self, rows, converted=False):
        staged.append(len(rows))
        write(self, rows, converted)

    monkeypatch.setattr(Stage, "write", spy)
    chunk = 10

    def source():
        yield HEADERS
        for n, cells in enumerate(orders(95)):
            assert n - sum(staged) <= chunk, "rows were read ahead of the staging table"
            yield cells
        yield row("END", 状态="未知")

    importer = TicketImport(office, limits=CLI_LIMITS)
    importer.chunk_rows = chunk
    report = importer.apply(source())
    assert [str(e) for e in report.errors] == [
        "第97行【状态】“未知”无法识别，应为 待分派、办理中、已办结、已退单"
    ]
    assert staged == [10] * 9 + [5]
    assert Ticket.objects.count() == 0


def test_a_large_file_lists_the_first_rows_and_counts_all(
    tmp_path, office, units, category, monkeypatch
):
    monkeypatch.setattr(ticket_importer, "LISTED", 3)
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(8))
    report = TicketImport(office).preview(path)
    assert report.ok and report.n_created == 8 and len(report.created) == 3
    assert [c.row for c in report.created] == [2, 3, 4]
    assert report.summary().startswith("新增 8 项，更新 0 项，未变 0 项")
    assert Ticket.objects.count() == 0


def test_rows_may_come_from_any_iterable(office, units, category):
    rows = list(tabular.read_rows(iter([HEADERS, row()]), TicketImport(office).columns))
    assert [r.number for r in rows] == [2]
    assert rows[0].values["number"] == "GD001"


def test_the_preview_page_counts_every_row_and_says_how_many_it_lists(
    client, tmp_path, people, units, category, monkeypatch
):
    from django.urls import reverse

    monkeypatch.setattr(ticket_importer, "LISTED", 2)
    client.force_login(people["alice"])
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(5))
    with open(path, "rb") as handle:
        client.post(reverse("tickets:import"), {"file": handle})
    page = client.get(reverse("tickets:import_preview")).content.decode()
    assert '新增 <span class="count">5</span> 项（列出前 2 项）' in page
    assert page.count('class="import-row"') == 2


def test_staged_rows_find_their_request_through_the_unique_index(office, units, category):
    """(来源, 工单编号) is looked up in the partial unique index, not by scanning the
    office's requests for every staged row (a 500-row file into 30,000 requests took 4 s
    on SQLite before)."""
    importer = TicketImport(office, limits=CLI_LIMITS)
    stage = Stage(importer.stage_fields()).create()
    try:
        sql = (
            f"SELECT t.id FROM {Ticket._meta.db_table} t JOIN {stage.table} "
            f"ON {importer._match(stage)}"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " ".join(str(step[-1]) for step in cursor.fetchall())
            else:
                # The question is whether the join can use the index at all, not
                # which plan a near-empty test table prefers: leave the planner no
                # other way to read the requests for each staged row (without
                # `material`, it may read the office's few requests once through
                # another index and filter them, depending on the statistics the
                # tests before left).
                for method in ("seqscan", "bitmapscan", "hashjoin", "mergejoin", "material"):
                    cursor.execute(f"SET LOCAL enable_{method} = off")
                cursor.execute(f"EXPLAIN {sql}")
                plan = " ".join(step[0] for step in cursor.fetchall())
        assert "ticket_source_number_unique" in plan, plan
    finally:
        stage.drop()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY held open is PostgreSQL's path"
)
def test_a_query_while_the_copy_is_open_is_refused_and_nothing_is_written(
    tmp_path, office, units, category, monkeypatch
):
    """The stage's one COPY holds the connection while the file is read: a validator
    that queried would be refused at once (not sent into the COPY), the COPY aborted
    and the transaction rolled back — and the connection serves the next import."""
    validate = TicketImport.validate_row

    def querying(self, row, errors):
        if row.number == 12:  # after two chunks of rows went into the COPY
            Ticket.objects.count()
        return validate(self, row, errors)

    monkeypatch.setattr(TicketImport, "validate_row", querying)
    path = write_csv(tmp_path / "gd.csv", HEADERS, orders(20))
    importer = TicketImport(office, limits=CLI_LIMITS)
    importer.chunk_rows = 5
    with pytest.raises(RuntimeError, match="COPY"):
        importer.apply(path)
    assert Ticket.objects.count() == 0 and Transition.objects.count() == 0
    monkeypatch.setattr(TicketImport, "validate_row", validate)
    assert TicketImport(office, limits=CLI_LIMITS).apply(path).n_created == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE indexes")
def test_the_request_history_keeps_no_like_index_for_batch_ids(db):
    """A large import writes a historical row per request: of its indexes, the one for
    LIKE 'x%' on the batch id serves no query (they compare the id whole) and is gone
    (migration 0104_import_pipeline); the plain one stays."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'tickets_historicalticket'"
        )
        definitions = [d for (d,) in cursor.fetchall()]
    assert not [d for d in definitions if "pattern_ops" in d]
    assert [d for d in definitions if d.endswith("(batch_id)")]
