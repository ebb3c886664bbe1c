from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "duban.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self):
        # The notices' reply dates join the daily reminder run (notify imports no app).
        from duban.notify import registry
        from duban.supervision.reminders import NoticeReminders

        registry.register(NoticeReminders())
