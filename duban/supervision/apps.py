from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "duban.supervision"
    label = "supervision"
    verbose_name = _("督查督办")

    def ready(self):
        # The notices' reply dates join the daily reminder run (notify imports no app),
        # and the task page shows its notices (the ledger imports no supervision).
        from duban.ledger import extensions, taskversion
        from duban.notify import registry
        from duban.supervision.ledger_section import NoticeSection
        from duban.supervision.reminders import NoticeReminders
        from duban.supervision.services import follow_ticket, follow_tickets
        from duban.supervision.ticket_section import TicketNoticeSection
        from duban.tickets import extensions as ticket_extensions
        from duban.tickets import signals as ticket_signals
        from duban.tickets.models import Ticket

        extensions.register(NoticeSection())
        # …and a request's page its notices (tickets imports no supervision either)
        ticket_extensions.register(TicketNoticeSection())
        # …kept under the task's data version, which its notices change
        taskversion.watch("supervision.Notice")
        registry.register(NoticeReminders())
        # a request dispatched to another unit takes its open notice along (tickets
        # imports no supervision: it sends a signal)
        ticket_signals.dispatched.connect(
            follow_ticket, sender=Ticket, dispatch_uid="supervision.follow_ticket"
        )
        # …and so do the open notices of requests an import gave another unit
        ticket_signals.reassigned.connect(
            follow_tickets, sender=Ticket, dispatch_uid="supervision.follow_tickets"
        )
