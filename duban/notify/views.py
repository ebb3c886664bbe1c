"""我的通知: a person's in-app notifications. Only one's own: another person's answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.http import back_to
from duban.core.listing import Col, Listing
from duban.notify.models import Notification, ReminderLog
from duban.org import roles as R
from duban.org.scope import units_in_scope

PAGE_SIZE = 50
NOTIFICATIONS = Listing.define(
    Col(
        "state",
        "状态",
        order=("read_at",),
        value=lambda n: "已读" if n.read_at else "未读",
        width=8,
    ),
    Col("title", "通知", order=("title",), value=lambda n: n.title, width=40),
    Col("body", "内容", value=lambda n: n.body, width=60),
    Col("created_at", "时间", order=("created_at",), value=lambda n: n.created_at, width=18),
)


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(user=request.user).annotate(
        unread_first=Case(
            When(read_at__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    listing = NOTIFICATIONS.bind(request.GET)
    notifications = listing.order(notifications, "unread_first", "-created_at", "-id")
    if listing.exporting:
        return listing.export(notifications, "我的通知")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/list.html",
        {
            "page": page,
            "listing": listing,
            "unread": Notification.objects.unread(request.user).count(),
        },
    )


@login_required
def open_notification(request, pk):
    """Mark one notification read and go where it leads."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return back_to(request, notification.url, "notify:list")


@login_required
@require_POST
def mark_all_read(request):
    count = Notification.objects.unread(request.user).update(read_at=timezone.now())
    if count:
        messages.success(request, f"已将 {count} 条通知标为已读")
    return redirect("notify:list")


# ----- 催办记录 -----


@login_required
def reminder_log(request):
    """催办记录 for 督查管理员: what `duban remind` sent to the units of its own office
    scope, and what failed (another street's rows never show). Read only: the log is
    written by the reminders alone; a failed or unconfirmed send is retried by the next run."""
    if not R.is_supervisor(request.user):
        raise PermissionDenied("只有督查管理员可以查看催办记录")
    logs = ReminderLog.objects.filter(unit__in=units_in_scope(request.user)).select_related("unit")
    failed_only = request.GET.get("failed") == "1"
    if failed_only:
        logs = logs.exclude(ok=True)
    logs = logs.order_by("-day", "-id")
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/reminder_log.html",
        {"page": page, "failed_only": failed_only},
    )
