"""The data version of the dashboard's task figures: one number that changes whenever a
row of the tables those figures come from is written, however it is written (pages,
bulk writes of the judging engine and the imports, the admin, raw SQL).

Database triggers keep it, installed after every `migrate` (`install`, on post_migrate:
SQLite drops a table's triggers when a migration rebuilds the table, and a migrate
changes the version too, so a cache shared by several processes never outlives a data
migration):

- PostgreSQL: a deferred constraint trigger per table, fired at commit, sets a new
  random version once per transaction (the row is locked only while committing, after
  every other lock the transaction takes, so two writers cannot deadlock on it); TRUNCATE
  through a statement trigger;
- SQLite (one writer at a time): a trigger per table and kind of write, a new random
  version per row written.

Why exact: the version is read before the figures, and the figures computed afterwards
are at least as new; a write commits its data and its new version together, so any
reader that sees the write reads a version no figures were cached under before. A random
number rather than a counter: a counter rolled back with a transaction (or a test) would
give the same number to different data.
"""

from django.db import connections

#: the models the dashboard's task figures read (`dashboard.build`)
TABLES = ("progress.Judgement", "ledger.KeyTask", "ledger.Category", "org.Unit", "org.Office")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION duban_figures_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('duban.figures_changed', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM set_config('duban.figures_changed', txid_current()::text, true);
    UPDATE {version} SET version = floor(random() * 9e18)::bigint;
  END IF;
  RETURN NULL;
END $$
"""


def install(connection, apps):
    """Create the version row and the triggers (idempotent), and change the version."""
    FiguresVersion = apps.get_model("reports", "FiguresVersion")
    version_table = FiguresVersion._meta.db_table
    tables = [apps.get_model(label)._meta.db_table for label in TABLES]
    if not {version_table, *tables} <= set(connection.introspection.table_names()):
        return  # migrated backwards, or only in part
    quote = connection.ops.quote_name
    statements = []
    if connection.vendor == "postgresql":
        statements.append(POSTGRES_FUNCTION.format(version=quote(version_table)))
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS duban_figures_changed ON {quote(table)}",
                f"CREATE CONSTRAINT TRIGGER duban_figures_changed AFTER INSERT OR UPDATE OR "
                f"DELETE ON {quote(table)} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION duban_figures_changed()",
                f"DROP TRIGGER IF EXISTS duban_figures_truncated ON {quote(table)}",
                f"CREATE TRIGGER duban_figures_truncated AFTER TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION duban_figures_changed()",
            ]
    elif connection.vendor == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {quote(f'duban_figures_{table}_{event}'.lower())} "
                    f"AFTER {event} ON {quote(table)} BEGIN "
                    f"UPDATE {quote(version_table)} SET version = random(); END"
                )
    else:
        return  # no triggers: no version row, so the dashboard does not cache
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    FiguresVersion.objects.using(connection.alias).get_or_create(pk=1)
    FiguresVersion.objects.using(connection.alias).filter(pk=1).update(version=_random_version())


def _random_version():
    import secrets

    return secrets.randbits(62)


def after_migrate(sender, using, apps=None, **kwargs):
    """post_migrate: (re)install on the database just migrated."""
    from django.apps import apps as global_apps

    install(connections[using], apps or global_apps)


def current(using="default"):
    """The version now, or None when the triggers are not installed (no caching then)."""
    from duban.reports.models import FiguresVersion

    return (
        FiguresVersion.objects.using(using).filter(pk=1).values_list("version", flat=True).first()
    )
