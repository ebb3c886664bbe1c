"""What the schema keeps, for migrations: PostgreSQL's schema editor adds, beside the plain
index of every indexed CharField, a `…_like` index (`varchar_pattern_ops`) for LIKE 'x%'.
No query of duban looks a batch id or a month key up by its beginning — they compare it
whole (or, for a year's months, within a task's rows), which the plain index serves — and
every row an import writes had to maintain it (bench/tickets_index_cost.py;
docs/performance.md). Migrations drop those indexes with `drop_like_indexes`; SQLite has
none. The same reasoning keeps historical tables to the indexes history is read by: its
object (id), date, user and import batch (`HistoricalRecords(no_db_index=…)`)."""

from django.db import migrations


def _like_index(schema_editor, table, column):
    return schema_editor._create_index_name(table, [column], suffix="_like")


def drop_like_indexes(*columns):
    """A migration operation dropping the `…_like` indexes of (table, column) pairs on
    PostgreSQL, and creating them again when it is reversed."""

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.quote_name
        for table, column in columns:
            schema_editor.execute(
                f"DROP INDEX IF EXISTS {qn(_like_index(schema_editor, table, column))}"
            )

    def restore(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.quote_name
        for table, column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {qn(_like_index(schema_editor, table, column))} "
                f"ON {qn(table)} ({qn(column)} varchar_pattern_ops)"
            )

    return migrations.RunPython(drop, restore)
