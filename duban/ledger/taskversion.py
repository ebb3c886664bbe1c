"""The data version of one task's page: a number that grows with every write to the rows
that page shows about the task — its history here, and the reports, reviews,
judgements and supervision notices the apps above add with `watch` — kept by database triggers
(`core.versioning.install_keyed`, why exact is said there) in `TaskWrite`.

What the task page computes from those rows is kept per process under (task, this
version) inside the org version's entries (`org/cache.py`), so that it is also dropped
when a name it shows changes (people, units, categories, sources are watched there) and
is never kept where no org version was read or inside a transaction. A report saved for
one task changes that task's version only: the others' pages stay kept through a busy
month-end.
"""

from django.db import connections
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from duban.core import versioning
from duban.org import cache

#: (model label, the column naming the task or pointing to it, via): see `watch`
SOURCES = [
    ("ledger.HistoricalKeyTask", "id", None),
    ("ledger.HistoricalMilestone", "task_id", None),
    # 协同单位 snapshots: the task of the historical row they belong to
    (
        "ledger.HistoricalKeyTask_partner_units",
        "history_id",
        ("ledger.HistoricalKeyTask", "history_id", "id"),
    ),
]
VENDORS = ("postgresql", "sqlite")


def watch(label, column="task_id", via=None):
    """Apps above the ledger: have a task's version change with writes to `label`'s rows
    too. The row's task is its `column`; with `via` = (model label, its column matched
    by `column`, its task column) it is the task of the row `column` points to (a review:
    the task of its report)."""
    source = (label, column, via)
    if source not in SOURCES:
        SOURCES.append(source)


def install(connection, apps):
    def table(label):
        return apps.get_model(label)._meta.db_table

    sources = [
        (table(label), column, via and (table(via[0]), via[1], via[2]))
        for label, column, via in SOURCES
    ]
    log = apps.get_model("ledger", "TaskWrite")._meta.db_table
    versioning.install_keyed(connection, "task", log, "task_id", sources)


def after_migrate(sender, using, apps=None, **kwargs):
    """post_migrate: (re)install on the database just migrated."""
    from django.apps import apps as global_apps

    install(connections[using], apps or global_apps)


def compact(using="default", dry_run=False):
    """`duban tidy`: fold each task's log rows into one (`versioning.compact_keyed`);
    every task's version stays as it was, so nothing kept is dropped."""
    from duban.ledger.models import TaskWrite

    connection = connections[using]
    before, after = versioning.compact_keyed(
        connection, TaskWrite._meta.db_table, "task_id", dry_run=dry_run
    )
    if not before:
        return "事项数据版本：无需合并"
    return f"事项数据版本：{'可将' if dry_run else '已将'} {before} 行合并为 {after} 行"


def annotate(tasks):
    """`tasks` with each task's data version as `data_version` (read in the same query)."""
    from duban.ledger.models import TaskWrite

    if tasks.db not in connections or connections[tasks.db].vendor not in VENDORS:
        return tasks
    total = (
        TaskWrite.objects.filter(task_id=OuterRef("pk"))
        .order_by()
        .values("task_id")
        .annotate(total=Sum("n"))
        .values("total")
    )
    return tasks.annotate(data_version=Coalesce(Subquery(total), 0, output_field=IntegerField()))


def cached(task, key, compute):
    """`compute()`, kept under the task's data version and the request's org version;
    computed afresh for a task read without `annotate`."""
    version = getattr(task, "data_version", None)
    if version is None:
        return compute()
    return cache.cached(("task", task.pk, version, *key), compute)


def cached_many(tasks, key, compute):
    """{task pk: value} for `tasks`, each kept as `cached` keeps it; `compute(tasks)`
    ({pk: value}) runs once for the tasks not kept (all of them where no version was read
    for a task); a task `compute` leaves out is left out."""
    versioned = {
        ("task", task.pk, task.data_version, *key): task
        for task in tasks
        if getattr(task, "data_version", None) is not None
    }
    plain = [task for task in tasks if getattr(task, "data_version", None) is None]
    values = compute(plain) if plain else {}

    def compute_keys(keys):
        found = compute([versioned[k] for k in keys])
        return {k: found[versioned[k].pk] for k in keys if versioned[k].pk in found}

    if versioned:
        for k, value in cache.cached_many(list(versioned), compute_keys).items():
            values[versioned[k].pk] = value
    return values
