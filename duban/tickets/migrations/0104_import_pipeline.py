"""The requests' history drops the `…_like` index PostgreSQL's schema editor adds to
every indexed CharField (`varchar_pattern_ops`, for LIKE 'x%'): no query looks a batch
id up by its beginning — they compare it whole, which the plain index on `batch_id`
serves — and a large import maintained it for every historical row it wrote
(bench/tickets_index_cost.py; docs/performance.md). Only PostgreSQL has such an index.
"""

from django.db import migrations

TABLE = "tickets_historicalticket"


def _like_index(schema_editor):
    return schema_editor._create_index_name(TABLE, ["batch_id"], suffix="_like")


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_like_index(schema_editor))}")


def restore_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(_like_index(schema_editor))} "
            f"ON {TABLE} (batch_id varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0103_import_speed")]

    operations = [migrations.RunPython(drop_like_index, restore_like_index)]
