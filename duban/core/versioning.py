"""Data versions: one number per group of tables that changes whenever a row of any of
them is written, however it is written (pages, bulk writes of the engines and the
imports, the admin, raw SQL). A cache keyed by such a version is exact: see
`reports/versioning.py` (the dashboard's figures) and `org/cache.py` (roles and the
office tree) for the two groups.

Database triggers keep each version, installed after every `migrate` (`install`, on
post_migrate: SQLite drops a table's triggers when a migration rebuilds the table, and a
migrate changes the version too, so a cache shared by several processes never outlives a
data migration):

- PostgreSQL: a deferred constraint trigger per table, fired at commit, sets a new
  random version once per transaction (the row is locked only while committing, after
  every other lock the transaction takes, so two writers cannot deadlock on it); TRUNCATE
  through a statement trigger;
- SQLite (one writer at a time): a trigger per table and kind of write, a new random
  version per row written.

Why exact: the version is read before the cached data, and data computed afterwards is
at least as new; a write commits its data and its new version together, so any reader
that sees the write reads a version nothing was cached under before. A random number
rather than a counter: a counter rolled back with a transaction (or a test) would give
the same number to different data. Inside a transaction (a writer, a test) a cache must
neither read nor write: on PostgreSQL the version changes only at commit.
"""

import secrets

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION duban_{name}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('duban.{name}_changed', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM set_config('duban.{name}_changed', txid_current()::text, true);
    UPDATE {version} SET version = floor(random() * 9e18)::bigint;
  END IF;
  RETURN NULL;
END $$
"""


def install(connection, name, version_model, tables, columns=None):
    """Create `version_model`'s row and the triggers named after `name` on `tables`
    (database table names) — idempotent — and change the version. `version_model` is a
    model with a `version` BigIntegerField (the historical one, from post_migrate).
    `columns`: {table: column names} where only updates of those columns count (the
    accounts' names, not the time of their last sign-in)."""
    columns = columns or {}
    version_table = version_model._meta.db_table
    if not {version_table, *tables} <= set(connection.introspection.table_names()):
        return  # migrated backwards, or only in part
    quote = connection.ops.quote_name

    def update_of(table):
        watched = columns.get(table)
        return f"UPDATE OF {', '.join(quote(c) for c in watched)}" if watched else "UPDATE"

    statements = []
    if connection.vendor == "postgresql":
        statements.append(POSTGRES_FUNCTION.format(name=name, version=quote(version_table)))
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS duban_{name}_changed ON {quote(table)}",
                f"CREATE CONSTRAINT TRIGGER duban_{name}_changed AFTER INSERT OR "
                f"{update_of(table)} OR DELETE ON {quote(table)} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION duban_{name}_changed()",
                f"DROP TRIGGER IF EXISTS duban_{name}_truncated ON {quote(table)}",
                f"CREATE TRIGGER duban_{name}_truncated AFTER TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION duban_{name}_changed()",
            ]
    elif connection.vendor == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                trigger = quote(f"duban_{name}_{table}_{event}".lower())
                statements += [
                    f"DROP TRIGGER IF EXISTS {trigger}",
                    f"CREATE TRIGGER {trigger} AFTER "
                    f"{update_of(table) if event == 'UPDATE' else event} ON {quote(table)} "
                    f"BEGIN UPDATE {quote(version_table)} SET version = random(); END",
                ]
    else:
        return  # no triggers: no version row, so nothing is cached
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    rows = version_model.objects.using(connection.alias)
    rows.get_or_create(pk=1)
    rows.filter(pk=1).update(version=secrets.randbits(62))


def current(version_model, using="default"):
    """The version now, or None when the triggers are not installed (no caching then)."""
    return version_model.objects.using(using).filter(pk=1).values_list("version", flat=True).first()


# ----- a version per key: one object's data (a task's page) ---------------------------
#
# The versions above change with every write to any row of their tables. A page about one
# object (a task: its reports, reviews, judgements, history) is better kept under a
# version of that object alone, so that a report saved for one task does not drop what is
# kept for the others. `install_keyed` keeps such versions in a log table of (key, n)
# rows: the version of a key is the sum of its `n`, and every write to a watched row adds
# to it — on PostgreSQL one row per statement and key (rows are only ever inserted, so two
# writers never wait for each other, whatever order they write in), on SQLite (one writer
# at a time) one row per key counting up. Why exact: a key's sum never goes down — rows
# are removed only by `compact_keyed`, which puts their sum back as one row in the same
# transaction — so it grows with every committed write that touches it, and a write
# commits its data and its log rows together; the sum is read before the data kept under it.

POSTGRES_KEYED = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {log} ({key_column}, n)
  SELECT k, 1 FROM ({keys}) AS written WHERE k IS NOT NULL GROUP BY k;
  RETURN NULL;
END $$
"""


def compact_keyed(connection, log_table, key_column, dry_run=False):
    """Fold each key's rows of `log_table` into one row with their sum (PostgreSQL, where
    every writing statement adds a row; SQLite keeps one row per key already). Every
    key's sum, and so its version, stays the same: the rows are removed and their sum
    written back in one statement, which readers see whole or not at all; rows another
    transaction adds meanwhile are not among those removed. Returns (rows before, rows
    after) for the keys folded, (0, 0) where there is nothing to fold."""
    if connection.vendor != "postgresql":
        return 0, 0
    quote = connection.ops.quote_name
    log, key = quote(log_table), quote(key_column)
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(
                f"SELECT coalesce(sum(c), 0), count(*) FROM "
                f"(SELECT count(*) AS c FROM {log} GROUP BY {key} HAVING count(*) > 1) AS many"
            )
        else:
            cursor.execute(
                f"WITH gone AS (DELETE FROM {log} WHERE {key} IN "
                f"(SELECT {key} FROM {log} GROUP BY {key} HAVING count(*) > 1) "
                f"RETURNING {key}, n), "
                f"folded AS (INSERT INTO {log} ({key}, n) "
                f"SELECT {key}, sum(n) FROM gone GROUP BY {key} RETURNING 1) "
                f"SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM folded)"
            )
        before, after = cursor.fetchone()
    return int(before), int(after)


def _keys_sql(quote, rows, column, via):
    """The keys of the rows of transition table `rows` (PostgreSQL)."""
    if via is None:
        return f"SELECT r.{quote(column)} AS k FROM {rows} AS r"
    table, match, key = via
    return (
        f"SELECT v.{quote(key)} AS k FROM {rows} AS r "
        f"JOIN {quote(table)} AS v ON v.{quote(match)} = r.{quote(column)}"
    )


def _key_expr(quote, row, column, via):
    """The key of trigger row `row` (NEW or OLD) as an SQL expression (SQLite)."""
    if via is None:
        return f"{row}.{quote(column)}"
    table, match, key = via
    return f"(SELECT {quote(key)} FROM {quote(table)} WHERE {quote(match)} = {row}.{quote(column)})"


def install_keyed(connection, name, log_table, key_column, sources):
    """Triggers that add to the version of a key in `log_table` (columns `key_column`,
    `n`) with every row written to `sources`: [(table, column, via)], where the row's key
    is its `column`, or with `via` = (other table, its column matched by `column`, its
    key column) the key of the row `column` points to. Idempotent; the triggers are
    dropped and created again, so a changed definition takes effect."""
    tables = {log_table, *(table for table, _column, _via in sources)}
    tables |= {via[0] for _table, _column, via in sources if via}
    if not tables <= set(connection.introspection.table_names()):
        return  # migrated backwards, or only in part
    quote = connection.ops.quote_name
    statements = []
    if connection.vendor == "sqlite":
        # one row per key, counted up in place (an upsert: a third of the cost of an
        # update and an insert where missing, per row written)
        statements.append(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(f'duban_{name}_key')} "
            f"ON {quote(log_table)} ({quote(key_column)})"
        )
    for table, column, via in sources:
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger = quote(f"duban_{name}_{table}_{event}".lower())
            if connection.vendor == "postgresql":
                function = f"duban_{name}_{table}_{event}".lower()
                if event == "UPDATE":
                    keys = (
                        _keys_sql(quote, "new_rows", column, via)
                        + " UNION "
                        + _keys_sql(quote, "old_rows", column, via)
                    )
                    referencing = "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows"
                else:
                    rows = "new_rows" if event == "INSERT" else "old_rows"
                    keys = _keys_sql(quote, rows, column, via)
                    kind = "NEW" if event == "INSERT" else "OLD"
                    referencing = f"REFERENCING {kind} TABLE AS {rows}"
                statements += [
                    POSTGRES_KEYED.format(
                        function=function,
                        log=quote(log_table),
                        key_column=quote(key_column),
                        keys=keys,
                    ),
                    f"DROP TRIGGER IF EXISTS {trigger} ON {quote(table)}",
                    f"CREATE TRIGGER {trigger} AFTER {event} ON {quote(table)} {referencing} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
                ]
            elif connection.vendor == "sqlite":
                rows = {"INSERT": ["NEW"], "UPDATE": ["NEW", "OLD"], "DELETE": ["OLD"]}[event]
                body = " ".join(
                    f"INSERT INTO {quote(log_table)} ({quote(key_column)}, n) "
                    f"SELECT k, 1 FROM (SELECT {_key_expr(quote, row, column, via)} AS k) "
                    f"WHERE k IS NOT NULL "
                    # an update that keeps the row's task (its column) counts once
                    + (
                        f"AND OLD.{quote(column)} IS NOT NEW.{quote(column)} "
                        if row == "OLD" and event == "UPDATE"
                        else ""
                    )
                    + f"ON CONFLICT ({quote(key_column)}) DO UPDATE SET n = n + 1;"
                    for row in rows
                )
                statements += [
                    f"DROP TRIGGER IF EXISTS {trigger}",
                    f"CREATE TRIGGER {trigger} AFTER {event} ON {quote(table)} BEGIN {body} END",
                ]
            else:
                return  # no triggers: nothing may be kept under these versions
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
