from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "duban.ledger"
    label = "ledger"
    verbose_name = _("重点工作台账")

    def ready(self):
        # The ledger filter's lists (years and counts, streets, categories, lead units) are
        # kept under the org version (ledger/filters.py): it changes with these tables too.
        from duban.org import cache

        cache.watch("ledger.KeyTask", "ledger.KeyTask_partner_units", "ledger.Category", "org.Unit")
