from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "duban.tickets"
    label = "tickets"
    verbose_name = _("民生诉求")

    def ready(self):
        from duban.notify import registry
        from duban.tickets.reminders import TicketReminders

        registry.register(TicketReminders())
        from duban.tickets import integrity, summary

        summary.connect()
        integrity.connect()
