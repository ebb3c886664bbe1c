"""Tags shared by every page: the main navigation, lights and statuses.

The navigation names pages of apps written alongside this one; a URL name that does
not resolve (yet) leaves its item out instead of breaking every page.
"""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from duban.core import numfmt
from duban.org import roles as R
from duban.progress.models import Light, Status

register = template.Library()

LIGHT_SHORT = {
    Light.GREEN: "绿",
    Light.BLUE: "蓝",
    Light.YELLOW: "黄",
    Light.RED: "红",
}


def url_or_empty(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.simple_tag
def safe_url(name, *args):
    """`{% safe_url "progress:submission" pk as url %}`: "" when the name is unknown."""
    return url_or_empty(name, *args)


def unread_count(user):
    """The notification app's own count when it exists, else the plain query."""
    try:
        from duban.notify.views import unread_count as count
    except ImportError:
        from duban.notify.models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()
    return count(user)


def review_allowed(user, held):
    """审核 for 督查管理员, and for 单位负责人 when the office asks heads to approve."""
    if R.is_supervisor(user):
        return True
    if R.UNIT_HEAD not in held:
        return False
    from duban.progress.models import ProgressRules

    return ProgressRules.current().unit_head_approval


@register.inclusion_tag("core/_nav.html", takes_context=True)
def main_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    app_name = match.app_name if match else ""
    held = R.roles_of(user)
    items = [("工作台", url_or_empty("home"), view_name == "home", None)]
    office_wide = R.sees_whole_office(user)
    if office_wide:
        items.append(("驾驶舱", url_or_empty("dashboard:index"), app_name == "dashboard", None))
    items.append(("台账", url_or_empty("ledger:list"), app_name == "ledger", None))
    if held & {R.REPORTER, R.UNIT_HEAD}:
        items.append(("填报", url_or_empty("progress:batch"), view_name == "progress:batch", None))
    if review_allowed(user, held):
        items.append(
            ("审核", url_or_empty("progress:review"), view_name == "progress:review", None)
        )
    if office_wide:
        items.append(("报告", url_or_empty("reports:index"), app_name == "reports", None))
    notify_url = url_or_empty("notify:list")
    if notify_url:
        items.append(("通知", notify_url, app_name == "notify", unread_count(user) or None))
    return {
        "items": [(label, url, active, badge) for label, url, active, badge in items if url],
        "user": user,
    }


@register.simple_tag
def light(value, with_label=True):
    """A coloured dot with 绿/蓝/黄/红; a dash when there is no light."""
    if not value:
        return mark_safe('<span class="light light-none" title="未研判">—</span>')
    short = LIGHT_SHORT.get(value, value)
    title = Light(value).label if value in Light.values else value
    if with_label:
        return format_html(
            '<span class="light light-{}" title="{}"><i class="dot"></i>{}</span>',
            value,
            title,
            short,
        )
    return format_html(
        '<span class="light light-{}" title="{}"><i class="dot"></i></span>', value, title
    )


@register.simple_tag
def status(value):
    """A judgement status (已完成 / 推进正常 / 推进滞后) as a small coloured label."""
    if not value:
        return mark_safe('<span class="status status-none">未研判</span>')
    label = Status(value).label if value in Status.values else value
    return format_html('<span class="status status-{}">{}</span>', value, label)


@register.filter
def display_name(user):
    """孙丽娜, or the username when no name is kept."""
    return R.display_name(user)


@register.filter
def pct(value):
    """50.0 → 50%, 7.1 → 7.1%, None → —."""
    return numfmt.pct(value)
