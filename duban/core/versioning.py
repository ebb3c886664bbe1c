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


def install(connection, name, version_model, tables):
    """Create `version_model`'s row and the triggers named after `name` on `tables`
    (database table names) — idempotent — and change the version. `version_model` is a
    model with a `version` BigIntegerField (the historical one, from post_migrate)."""
    version_table = version_model._meta.db_table
    if not {version_table, *tables} <= set(connection.introspection.table_names()):
        return  # migrated backwards, or only in part
    quote = connection.ops.quote_name
    statements = []
    if connection.vendor == "postgresql":
        statements.append(POSTGRES_FUNCTION.format(name=name, version=quote(version_table)))
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS duban_{name}_changed ON {quote(table)}",
                f"CREATE CONSTRAINT TRIGGER duban_{name}_changed AFTER INSERT OR UPDATE OR "
                f"DELETE ON {quote(table)} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION duban_{name}_changed()",
                f"DROP TRIGGER IF EXISTS duban_{name}_truncated ON {quote(table)}",
                f"CREATE TRIGGER duban_{name}_truncated AFTER TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION duban_{name}_changed()",
            ]
    elif connection.vendor == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {quote(f'duban_{name}_{table}_{event}'.lower())} "
                    f"AFTER {event} ON {quote(table)} BEGIN "
                    f"UPDATE {quote(version_table)} SET version = random(); END"
                )
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
