from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "duban.ledger"
    label = "ledger"
    verbose_name = _("重点工作台账")

    def ready(self):
        # The ledger filter's lists (years and counts, streets, categories, lead units) are
        # kept under the org version (ledger/filters.py): it changes with these tables too.
        from django.db.models.signals import post_migrate

        from duban.core import tidy
        from duban.ledger import taskversion
        from duban.org import cache

        cache.watch("ledger.KeyTask", "ledger.KeyTask_partner_units", "ledger.Category", "org.Unit")
        # ... and so are the task page's parts kept under a task's data version
        # (ledger/taskversion.py): the names they show of sources too
        cache.watch("ledger.AssignmentSource")
        post_migrate.connect(
            taskversion.after_migrate, sender=self, dispatch_uid="duban_task_version"
        )
        # the nightly `duban tidy` folds each task's version log into one row
        tidy.register("事项数据版本", lambda dry_run: taskversion.compact(dry_run=dry_run))
