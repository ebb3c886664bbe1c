"""The requests' history drops the `…_like` index PostgreSQL's schema editor adds to
every indexed CharField (`varchar_pattern_ops`, for LIKE 'x%'): no query looks a batch
id up by its beginning — they compare it whole, which the plain index on `batch_id`
serves — and a large import maintained it for every historical row it wrote
(bench/tickets_index_cost.py; docs/performance.md; `duban.core.schema`). Only PostgreSQL
has such an index.
"""

from django.db import migrations

from duban.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [("tickets", "0103_import_speed")]

    operations = [drop_like_indexes(("tickets_historicalticket", "batch_id"))]
