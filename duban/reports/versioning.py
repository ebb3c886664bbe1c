"""The data version of the dashboard's task figures: one number that changes whenever a
row of the tables those figures come from is written, however it is written (pages,
bulk writes of the judging engine and the imports, the admin, raw SQL). The triggers
and why a cache under it is exact: `core/versioning.py`.
"""

from django.db import connections

from duban.core import versioning

#: the models the dashboard's task figures read (`dashboard.build`)
TABLES = ("progress.Judgement", "ledger.KeyTask", "ledger.Category", "org.Unit", "org.Office")


def install(connection, apps):
    """Create the version row and the triggers (idempotent), and change the version."""
    tables = [apps.get_model(label)._meta.db_table for label in TABLES]
    versioning.install(connection, "figures", apps.get_model("reports", "FiguresVersion"), tables)


def after_migrate(sender, using, apps=None, **kwargs):
    """post_migrate: (re)install on the database just migrated."""
    from django.apps import apps as global_apps

    install(connections[using], apps or global_apps)


def current(using="default"):
    """The version now, or None when the triggers are not installed (no caching then)."""
    from duban.reports.models import FiguresVersion

    return versioning.current(FiguresVersion, using)
