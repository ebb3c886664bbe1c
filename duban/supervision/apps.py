from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "duban.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self):
        # The notices' reply dates join the daily reminder run (notify imports no app),
        # and the task page shows its notices (the ledger imports no supervision).
        from duban.ledger import extensions
        from duban.notify import registry
        from duban.supervision.ledger_section import NoticeSection
        from duban.supervision.reminders import NoticeReminders

        extensions.register(NoticeSection())
        registry.register(NoticeReminders())
