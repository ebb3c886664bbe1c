from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "duban.progress"
    label = "progress"
    verbose_name = _("进展填报与研判")

    def ready(self):
        from duban.ledger import extensions
        from duban.progress.ledger_month import MonthView

        extensions.register(MonthView())
