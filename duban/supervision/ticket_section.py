"""A request's supervision notices on its page (tickets/extensions.py): the notices the
person may see, and for the office an overdue request's 发督办单 when none is open."""

from django.template.loader import render_to_string
from django.utils import timezone

from duban.supervision import services
from duban.supervision.models import Notice
from duban.tickets.extensions import TicketExtension


class TicketNoticeSection(TicketExtension):
    order = 200

    def ticket_sections(self, request, ticket):
        notices = list(
            Notice.objects.visible_to(request.user)
            .filter(ticket=ticket)
            .order_by("-created_at", "-pk")
        )
        can_manage = services.may_manage(request.user)
        open_notice = next((n for n in notices if n.state in Notice.OPEN_STATES), None)
        may_issue = (
            can_manage
            and open_notice is None
            and ticket.unit_id is not None
            and ticket.is_overdue(timezone.now())
        )
        if not notices and not may_issue:
            return []
        return [
            render_to_string(
                "supervision/_ticket_section.html",
                {"ticket": ticket, "notices": notices, "may_issue": may_issue},
            )
        ]
