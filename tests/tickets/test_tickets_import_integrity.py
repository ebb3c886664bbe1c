"""The requests' foreign keys are no database constraints (PostgreSQL would check each
one row by row, most of a million-row import's time): the import checks the ids it
writes set-based, and deleting goes through Django's on_delete as before. Runs on
SQLite and PostgreSQL alike."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import ProtectedError

from duban.org.models import Office, Unit
from duban.tickets.importer import HEADERS, TicketImport
from duban.tickets.models import FollowUp, Ticket, TicketCategory, Transition
from tests.factories import make_user
from tests.tickets.test_tickets_import import row, write_csv


@pytest.fixture
def category(db):
    return TicketCategory.objects.create(name="市容环境")


def orphans():
    """Rows of the request tables naming a row that does not exist, per column."""
    checks = {
        "ticket.office": Ticket.objects.exclude(office_id__in=Office.objects.values("pk")),
        "ticket.unit": Ticket.objects.filter(unit_id__isnull=False).exclude(
            unit_id__in=Unit.objects.values("pk")
        ),
        "ticket.community": Ticket.objects.filter(community_id__isnull=False).exclude(
            community_id__in=Unit.objects.values("pk")
        ),
        "ticket.category": Ticket.objects.filter(category_id__isnull=False).exclude(
            category_id__in=TicketCategory.objects.values("pk")
        ),
        "transition.ticket": Transition.objects.exclude(ticket_id__in=Ticket.objects.values("pk")),
        "transition.unit": Transition.objects.filter(unit_id__isnull=False).exclude(
            unit_id__in=Unit.objects.values("pk")
        ),
        "follow_up.ticket": FollowUp.objects.exclude(ticket_id__in=Ticket.objects.values("pk")),
    }
    return {name: query.count() for name, query in checks.items() if query.exists()}


def test_the_request_tables_keep_no_database_foreign_key(db):
    with connection.cursor() as cursor:
        for model in (Ticket, Transition, FollowUp, Ticket.history.model):
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            assert not [n for n, c in constraints.items() if c["foreign_key"]], model


def test_a_unit_deleted_while_the_file_is_read_is_named_and_nothing_is_written(
    tmp_path, office, units, category
):
    class Racing(TicketImport):
        def plan_stage(self, stage, report):
            # another person deletes the unit after the rows were checked against it
            Unit.objects.filter(pk=units["build"].pk).delete()
            super().plan_stage(stage, report)

    path = write_csv(
        tmp_path / "gd.csv",
        HEADERS,
        [row("GD001", 承办单位="党政办公室"), row("GD002"), row("GD003")],
    )
    report = Racing(office).apply(path)
    assert [str(e) for e in report.errors] == [
        "第3行【承办单位】“城建中心”已不存在（可能刚被删除），请刷新后重新导入"
    ]
    assert not report.applied
    assert not Ticket.objects.exists() and not Transition.objects.exists()
    assert orphans() == {}


def test_an_import_leaves_no_orphan_and_deleting_still_protects_and_cascades(
    tmp_path, office, units, category
):
    importer = make_user("importer")
    path = write_csv(
        tmp_path / "gd.csv",
        HEADERS,
        [
            row("GD001"),
            row("GD002", 状态="办理中", 办结时间="", 是否联系="", 是否解决="", 满意度=""),
        ],
    )
    report = TicketImport(office, user=importer).apply(path)
    assert report.ok and report.n_created == 2
    assert orphans() == {}

    # PROTECT: a unit, a community, a category with requests cannot be deleted
    for protected in (units["build"], units["east"], category):
        with pytest.raises(ProtectedError):
            protected.delete()

    # CASCADE: a request takes its transitions and follow-ups along
    ticket = Ticket.objects.get(source_number="GD001")
    assert ticket.transitions.exists() and ticket.follow_ups.exists()
    ticket.delete()
    assert orphans() == {}
    assert Transition.objects.count() == 1 and not FollowUp.objects.exists()

    # SET_NULL: the person who imported them leaves, the requests stay
    get_user_model().objects.filter(pk=importer.pk).delete()
    left = Ticket.objects.get(source_number="GD002")
    assert left.created_by_id is None
    assert not Transition.objects.filter(actor_id=importer.pk).exists()


def test_a_delete_that_checked_before_an_import_committed_is_refused_after(
    tmp_path, office, units, category
):
    """Django checks PROTECT before it deletes; an import still running is invisible to
    that check. The guard checks again once it holds the row (after the import)."""
    from duban.tickets import integrity

    path = write_csv(tmp_path / "gd.csv", HEADERS, [row("GD001")])
    assert TicketImport(office).apply(path).ok
    with pytest.raises(ProtectedError, match="仍有诉求或流转记录引用，不能删除"):
        integrity.guard_delete(Unit, units["build"])
    with pytest.raises(ProtectedError):
        integrity.guard_delete(TicketCategory, category)
    integrity.guard_delete(Unit, units["party"])  # named by no request: may go


@pytest.mark.django_db(transaction=True)
def test_a_unit_deleted_in_another_session_while_an_import_commits_stays(
    tmp_path, office, units, category
):
    """Two real sessions on PostgreSQL: an import has written its requests and not yet
    committed; another person deletes the unit they name. Django's PROTECT check cannot
    see the uncommitted requests; the guard's FOR UPDATE waits for the import's FOR KEY
    SHARE, then sees them and refuses — no request is left naming a deleted unit."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: the delete cannot run beside the import")
    import threading

    from django.db import connections

    written, commit = threading.Event(), threading.Event()
    outcome = {}

    class Slow(TicketImport):
        def merge(self, stage, report):
            super().merge(stage, report)
            written.set()
            commit.wait(30)

    def run_import():
        try:
            outcome["report"] = Slow(office).apply(
                write_csv(tmp_path / "gd.csv", HEADERS, [row("GD001"), row("GD002")])
            )
        finally:
            connections.close_all()

    def delete_unit():
        try:
            Unit.objects.get(pk=units["build"].pk).delete()
            outcome["deleted"] = True
        except ProtectedError as exc:
            outcome["refused"] = str(exc)
        finally:
            connections.close_all()

    importing = threading.Thread(target=run_import)
    importing.start()
    assert written.wait(30)
    deleting = threading.Thread(target=delete_unit)
    deleting.start()
    # the delete waits for the import's lock: a backend of this database waits on a lock
    with connection.cursor() as cursor:
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the delete did not wait for the import")
    commit.set()
    importing.join(30)
    deleting.join(30)
    assert outcome["report"].applied and outcome["report"].n_created == 2
    assert "deleted" not in outcome
    assert "仍有诉求或流转记录引用，不能删除" in outcome["refused"]
    assert Unit.objects.filter(pk=units["build"].pk).exists()
    assert orphans() == {}
