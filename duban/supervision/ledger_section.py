"""The task page's 督办单 section, added through the ledger's extension hook (the
ledger imports no supervision): the task's notices the person may see and, for
督查管理员, the link to write a new one."""

from django.template.loader import render_to_string

from duban.ledger import taskversion
from duban.ledger.extensions import LedgerExtension
from duban.supervision import services
from duban.supervision.models import Notice


class NoticeSection(LedgerExtension):
    order = 200

    def task_sections(self, request, task):
        # kept under the task's data version (its notices are watched: apps.py) for this
        # person: which notices they see and whether they may write one come from their
        # roles and units, and a change to those changes the org version it is kept under
        html = taskversion.cached(
            task, ("supervision.section", request.user.pk), lambda: self._html(request.user, task)
        )
        return [("after_milestones", html)] if html else []

    def _html(self, user, task):
        notices = list(
            Notice.objects.visible_to(user).filter(task=task).order_by("-created_at", "-pk")
        )
        can_manage = services.may_manage(user)
        if not notices and not can_manage:
            return ""
        return render_to_string(
            "supervision/_task_section.html",
            {"task": task, "notices": notices, "can_manage": can_manage},
        )
