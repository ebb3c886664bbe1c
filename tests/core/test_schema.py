"""The tables imports write keep the indexes their queries use, no more (`core.schema`):
every index is maintained for every row written, and a 2,000-task ledger or a month's
progress import writes tens of thousands of rows with their history."""

import pytest
from django.db import connection

#: the non-unique indexes (their columns) each table keeps; a second index on the same
#: columns (PostgreSQL's `…_like`) shows as a duplicate
KEPT = {
    "ledger_keytask": [
        ("category_id",),
        ("lead_unit_id",),
        ("office_id", "year", "category_id"),
        ("source_id",),
    ],
    "ledger_historicalkeytask": [("batch_id",), ("history_date",), ("history_user_id",), ("id",)],
    "ledger_historicalmilestone": [
        ("batch_id",),
        ("history_date",),
        ("history_user_id",),
        ("id",),
        ("task_id",),  # a task's 变更记录 reads its milestones' history by task
    ],
    "progress_submission": [
        ("period",),
        ("reason_category_id",),
        ("submitted_by_id",),
        ("unit_id",),
    ],
    "progress_judgement": [("judged_by_id",), ("period",), ("reason_category_id",)],
    "progress_historicalsubmission": [
        ("batch_id",),
        ("history_date",),
        ("history_user_id",),
        ("id",),
    ],
    "progress_historicaljudgement": [
        ("batch_id",),
        ("history_date",),
        ("history_user_id",),
        ("id",),
    ],
}


def plain_indexes(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return sorted(
        tuple(c["columns"])
        for c in constraints.values()
        if c["index"] and not c["unique"] and not c["primary_key"]
    )


@pytest.mark.parametrize("table", sorted(KEPT))
def test_a_table_an_import_writes_keeps_only_the_indexes_its_queries_use(db, table):
    assert plain_indexes(table) == sorted(KEPT[table])


def test_a_tasks_reports_and_judgements_are_found_through_their_unique_task_period_index(db):
    """The task's own index went because the unique (task, period) one serves it."""
    with connection.cursor() as cursor:
        for table in ("progress_submission", "progress_judgement"):
            constraints = connection.introspection.get_constraints(cursor, table)
            assert ["task_id", "period"] in [
                c["columns"] for c in constraints.values() if c["unique"]
            ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE indexes")
def test_no_table_an_import_writes_keeps_a_like_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [sorted(KEPT)],
        )
        like = [row for row in cursor.fetchall() if "pattern_ops" in row[1]]
    assert like == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_an_offices_year_is_read_through_the_office_year_index(db):
    """Without an index on the year alone, PostgreSQL no longer scans every office's
    tasks of the year to find one office's (the status change's whole-month check)."""
    from duban.ledger.models import KeyTask

    plan = KeyTask.objects.filter(office_id=1, year=2026).values("pk").explain()
    assert "office" in plan and "year_" not in plan
