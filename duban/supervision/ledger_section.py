"""The task page's 督办单 section, added through the ledger's extension hook (the
ledger imports no supervision): the task's notices the person may see and, for
督查管理员, the link to write a new one."""

from django.template.loader import render_to_string

from duban.ledger.extensions import LedgerExtension
from duban.supervision import services
from duban.supervision.models import Notice


class NoticeSection(LedgerExtension):
    order = 200

    def task_sections(self, request, task):
        notices = list(
            Notice.objects.visible_to(request.user).filter(task=task).order_by("-created_at", "-pk")
        )
        can_manage = services.may_manage(request.user)
        if not notices and not can_manage:
            return []
        html = render_to_string(
            "supervision/_task_section.html",
            {"task": task, "notices": notices, "can_manage": can_manage},
            request=request,
        )
        return [("after_milestones", html)]
